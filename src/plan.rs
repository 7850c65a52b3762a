//! The command line becomes a plan, once: [`from_cli`] turns clap's value
//! into one validated [`Plan`] per command. Every way the user's input can
//! be wrong is found here, before anything is probed, and comes back as a
//! [`UsageError`](crate::error::UsageError) (exit 2).
//!
//! Owns the only conversion from `cli` types; nothing below this line sees
//! a clap type. Must not probe, verify, diagnose or render.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::CommandFactory;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::bundle::BundleOptions;
use crate::cli::{self, Cli, Command, ConnectArgs, OutputArgs, TrustArgs};
use crate::error::usage;
use crate::findings::Verdict;
use crate::inspect::ChainFile;
pub use crate::pipeline::TrustPlan;
use crate::probe::repeat::Repeat;
use crate::probe::{ProbeOptions, ProxyChoice};
use crate::report::Format;
use crate::target::{ResolveOverride, Target};
use crate::trust::{StoreKind, TrustStore};

/// Endpoints developers' tools depend on: `check` with no target checks
/// these, which answers "is my network intercepting?" in one command.
pub const DEFAULT_TARGETS: &[&str] = &[
    "api.openai.com",
    "api.anthropic.com",
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
    "github.com",
    "objects.githubusercontent.com",
    "index.crates.io",
    "static.crates.io",
    "huggingface.co",
    "bedrock-runtime.us-east-1.amazonaws.com",
];

/// What one run of tlsdoctor will do, validated.
#[derive(Debug)]
pub enum Plan {
    Check(CheckPlan),
    Inspect(InspectPlan),
    Env(EnvPlan),
    Bundle(BundlePlan),
    Fix(FixCommandPlan),
    /// Shell completions, already generated from the command line's definition.
    Completions(String),
    /// The man page (roff), already generated.
    Man(String),
}

/// `check`: probe these targets.
#[derive(Debug)]
pub struct CheckPlan {
    pub targets: Vec<Target>,
    pub connect: ConnectPlan,
    /// `--repeat`, `--interval`.
    pub repeat: Repeat,
    pub trust: TrustPlan,
    pub output: OutputPlan,
    pub clients: ClientsPlan,
}

/// Which clients to evaluate besides those found, and what they decide.
#[derive(Debug, Clone, Default)]
pub struct ClientsPlan {
    /// `--python`: interpreters or venvs, each already checked to be one.
    pub pythons: Vec<std::path::PathBuf>,
    /// `--require-clients`: a failing client makes the run exit 1.
    pub require: bool,
    /// `--run-clients`: run the clients found against each target.
    pub run: bool,
}

/// `inspect`: judge this chain, read from files, for this host.
#[derive(Debug)]
pub struct InspectPlan {
    /// `--host`, or a name the leaf is issued for when none was given.
    pub target: Target,
    /// Whether `--host` named the target (else its name is not checked).
    pub host_given: bool,
    pub chain: ChainFile,
    pub trust: TrustPlan,
    pub output: OutputPlan,
}

/// `env`: audit this machine's settings.
#[derive(Debug, Clone)]
pub struct EnvPlan {
    pub format: Format,
    pub color: bool,
}

/// `bundle`: probe one target and write the bundle its root needs.
#[derive(Debug)]
pub struct BundlePlan {
    pub target: Target,
    pub connect: ConnectPlan,
    pub trust: TrustPlan,
    pub options: BundleOptions,
    pub color: bool,
}

/// `fix`: make the failing clients trust one target (or undo earlier fixes).
#[derive(Debug)]
pub struct FixCommandPlan {
    pub action: FixAction,
    pub format: Format,
}

/// What `fix` does.
#[derive(Debug)]
pub enum FixAction {
    /// `--undo`: revert what the manifest records; nothing is probed.
    Undo,
    /// Probe the target, then print the plan (dry run) or `--apply` it.
    Fix(Box<FixRun>),
}

/// One target to fix, and how.
#[derive(Debug)]
pub struct FixRun {
    pub target: Target,
    pub connect: ConnectPlan,
    pub trust: TrustPlan,
    pub options: crate::fix::command::FixOptions,
}

/// How to reach targets.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    pub probe: ProbeOptions,
}

/// How to report and what passes.
#[derive(Debug, Clone)]
pub struct OutputPlan {
    pub format: Format,
    pub allow: Vec<Verdict>,
    pub at: Option<OffsetDateTime>,
    pub color: bool,
    pub quiet: bool,
}

/// The one conversion from the command line to a plan.
pub fn from_cli(cli: Cli) -> anyhow::Result<Plan> {
    Ok(match cli.command {
        Command::Check(args) => Plan::Check(check_plan(args)?),
        Command::Inspect(args) => {
            let output = output_plan(&args.output)?;
            let chain = crate::inspect::read_chain(&args.files).map_err(usage)?;
            let target = match &args.host {
                Some(host) => Target::parse(host).map_err(|e| usage(format!("--host: {e}")))?,
                None => crate::inspect::leaf_target(&chain).map_err(usage)?,
            };
            Plan::Inspect(InspectPlan {
                output,
                target,
                host_given: args.host.is_some(),
                chain,
                trust: trust_plan(&args.trust)?,
            })
        }
        Command::Env(args) => Plan::Env(EnvPlan {
            format: format(args.format),
            color: args.color.enabled(),
        }),
        Command::Bundle(args) => Plan::Bundle(bundle_plan(args)?),
        Command::Fix(args) => Plan::Fix(fix_plan(args)?),
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "tlsdoctor", &mut out);
            Plan::Completions(String::from_utf8_lossy(&out).into_owned())
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Plan::Man(String::from_utf8_lossy(&out).into_owned())
        }
    })
}

fn check_plan(args: cli::CheckArgs) -> anyhow::Result<CheckPlan> {
    let connect = connect_plan(&args.connect, !args.no_http)?;
    let repeat = Repeat::parse(&args.repeat, &args.interval).map_err(usage)?;
    let output = output_plan(&args.output)?;
    let mut inputs = args.targets.clone();
    if let Some(file) = &args.targets_file {
        inputs.extend(read_targets_file(file)?);
    }
    if inputs.is_empty() && args.targets_file.is_none() {
        inputs = DEFAULT_TARGETS.iter().map(|s| s.to_string()).collect();
    }
    let targets = inputs
        .iter()
        .map(|t| Target::parse(t).map_err(usage))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if targets.is_empty() {
        return Err(usage("no targets to check"));
    }
    let trust = trust_plan(&args.trust)?;
    for python in &args.python {
        crate::machine::python::interpreter_for(python).map_err(usage)?;
    }
    Ok(CheckPlan {
        targets,
        connect,
        repeat,
        trust,
        output,
        clients: ClientsPlan {
            pythons: args.python.clone(),
            require: args.require_clients,
            run: args.run_clients,
        },
    })
}

fn bundle_plan(args: cli::BundleArgs) -> anyhow::Result<BundlePlan> {
    let connect = connect_plan(&args.connect, false)?;
    let trust = trust_plan(&args.trust)?;
    let target = Target::parse(&args.target).map_err(usage)?;
    let options = BundleOptions {
        out: args.out,
        force: args.force,
        include_self_signed: args.include_self_signed,
    };
    // Refuse before probing, so nothing is probed on bad input.
    crate::bundle::check_destination(&options)?;
    Ok(BundlePlan {
        target,
        connect,
        trust,
        options,
        color: args.color.enabled(),
    })
}

fn fix_plan(args: cli::FixArgs) -> anyhow::Result<FixCommandPlan> {
    use crate::fix::command::{FixOptions, Mode};
    let format = format(args.format);
    let Some(target) = args.target.filter(|_| !args.undo) else {
        return Ok(FixCommandPlan {
            action: FixAction::Undo,
            format,
        });
    };
    let connect = connect_plan(&args.connect, false)?;
    let trust = trust_plan(&args.trust)?;
    let target = Target::parse(&target).map_err(usage)?;
    for p in &args.python {
        if !p.exists() {
            return Err(usage(format!(
                "--python {}: no such file or directory",
                p.display()
            )));
        }
    }
    let options = FixOptions {
        mode: if args.apply {
            Mode::Apply
        } else {
            Mode::DryRun
        },
        include_self_signed: args.include_self_signed,
        pythons: args.python,
        run_clients: args.run_clients,
        timeout: connect.probe.timeout,
    };
    Ok(FixCommandPlan {
        action: FixAction::Fix(Box::new(FixRun {
            target,
            connect,
            trust,
            options,
        })),
        format,
    })
}

fn format(f: cli::Format) -> Format {
    match f {
        cli::Format::Human => Format::Human,
        cli::Format::Json => Format::Json,
        cli::Format::Markdown => Format::Markdown,
    }
}

/// Validate connection arguments.
fn connect_plan(args: &ConnectArgs, http: bool) -> anyhow::Result<ConnectPlan> {
    let timeout = parse_timeout(&args.timeout)?;
    let resolve = args
        .resolve
        .iter()
        .map(|r| ResolveOverride::parse(r).map_err(usage))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let proxy = match (&args.proxy, args.no_proxy) {
        (_, true) => ProxyChoice::Direct,
        (Some(url), false) => ProxyChoice::Url(url.clone()),
        (None, false) => ProxyChoice::FromEnvironment,
    };
    proxy.validate().map_err(usage)?;
    Ok(ConnectPlan {
        probe: ProbeOptions {
            timeout,
            resolve,
            http,
            proxy,
        },
    })
}

/// Read every trust file the user named; a bad one is a usage error.
fn trust_plan(args: &TrustArgs) -> anyhow::Result<TrustPlan> {
    let store = |kind, flag, path: &Option<PathBuf>| -> anyhow::Result<Option<TrustStore>> {
        path.as_ref()
            .map(|p| TrustStore::from_pem_files(kind, flag, std::slice::from_ref(p)).map_err(usage))
            .transpose()
    };
    let bundled = store(StoreKind::Bundled, "--bundled-roots", &args.bundled_roots)?
        .unwrap_or_else(TrustStore::bundled_mozilla);
    let os = store(StoreKind::Os, "--os-roots", &args.os_roots)?;
    let custom = if args.ca_file.is_empty() {
        None
    } else {
        Some(
            TrustStore::from_pem_files(StoreKind::Custom, "--ca-file", &args.ca_file)
                .map_err(usage)?,
        )
    };
    Ok(TrustPlan {
        bundled,
        os,
        custom,
    })
}

/// Validate output arguments.
fn output_plan(args: &OutputArgs) -> anyhow::Result<OutputPlan> {
    let allow = args
        .allow
        .iter()
        .map(|a| {
            a.parse::<Verdict>()
                .map_err(|e| usage(format!("--allow: {e}")))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let at = args.at.as_deref().map(parse_at).transpose()?;
    Ok(OutputPlan {
        format: format(args.format),
        allow,
        at,
        color: args.color.enabled(),
        quiet: args.quiet,
    })
}

fn parse_timeout(text: &str) -> anyhow::Result<Duration> {
    let secs: f64 = text.trim().parse().map_err(|_| {
        usage(format!(
            "--timeout '{text}': expected a number of seconds, e.g. 5 or 0.5"
        ))
    })?;
    // Below a millisecond, `1e-10` would become a zero Duration.
    if !(secs.is_finite() && (0.001..=3600.0).contains(&secs)) {
        return Err(usage(format!(
            "--timeout '{text}': must be at least 0.001 and at most 3600 seconds"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_at(text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        usage(format!(
            "--at '{text}': expected an RFC 3339 time such as 2027-01-01T00:00:00Z"
        ))
    })
}

/// Bounded: a targets file larger than this is not a list of host names.
const MAX_TARGETS_FILE: u64 = 1 << 20;

fn read_targets_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let bytes = crate::untrusted::read_limited(path, MAX_TARGETS_FILE).map_err(|e| {
        usage(format!(
            "cannot read --targets-file '{}': {e}",
            path.display()
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        usage(format!(
            "--targets-file '{}' is not UTF-8 text",
            path.display()
        ))
    })?;
    Ok(crate::untrusted::strip_bom(&text)
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_targets_are_valid_public_names() {
        for t in DEFAULT_TARGETS {
            let target = Target::parse(t).unwrap();
            assert_eq!(target.port, 443);
            assert!(!target.is_local(), "{t}");
        }
    }

    #[test]
    fn timeouts_must_be_positive_and_bounded() {
        assert_eq!(parse_timeout("0.5").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "abc", "NaN", "inf", "3601"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
