//! Wiring: the command line becomes validated plans once, then the pipeline
//! runs — Probe (concurrently, with the OS store loading on the side) or a
//! chain file, Verify, Diagnose, Report — and the verdicts become an exit code.
//!
//! Every way the user's input can be wrong is found here, before anything
//! is probed, and comes back as a [`UsageError`] (exit 2).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::CommandFactory;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cert::CertFacts;
use crate::cli::{
    CheckArgs, Cli, Command, ConnectArgs, Format, InspectArgs, OutputArgs, TrustArgs,
};
use crate::diagnose::{diagnose, Diagnosis, Evidence};
use crate::ecosystems::Platform;
use crate::exit::ExitCode;
use crate::findings::Verdict;
use crate::observation::Observation;
use crate::probe::{probe, ProbeOptions, ProxyChoice};
use crate::report::{self, Report, TargetReport};
use crate::target::{ResolveOverride, Target};
use crate::trust::verify::{verify_all, Stores, Verification};
use crate::trust::{StoreKind, TrustStore};

/// Bad usage or bad input: the message says what to change. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A usage error as an `anyhow::Error`.
pub fn usage(msg: impl std::fmt::Display) -> anyhow::Error {
    UsageError(msg.to_string()).into()
}

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

/// At most this many probes run at once: enough that 100 slow endpoints
/// take two round trips of time, not four; few enough for any file limit.
const MAX_CONCURRENT_PROBES: usize = 64;

/// Progress goes to stderr only on a terminal, and only for more targets than this.
const PROGRESS_ABOVE: usize = 3;

/// Run the command line. Errors are usage errors or I/O errors writing output.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Inspect(args) => inspect(args),
        Command::Env(args) => crate::envaudit::run(args.format, args.color.enabled()),
        Command::Bundle(args) => {
            let connect = ConnectPlan::from_args(&args.connect, false)?;
            let trust = TrustPlan::from_args(&args.trust)?;
            let target = Target::parse(&args.target).map_err(usage)?;
            let options = crate::bundle::BundleOptions {
                out: args.out,
                force: args.force,
                include_self_signed: args.include_self_signed,
            };
            // Refuse before probing, so nothing is probed on bad input.
            crate::bundle::check_destination(&options)?;
            let (mut judged, stores) =
                probe_and_judge(vec![target], &connect.probe, trust, None, false);
            let judged = judged.pop().context("no result")?;
            crate::bundle::run(&judged, &stores, &options, args.color.enabled())
        }
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "tlsdoctor", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::Clean)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::Clean)
        }
    }
}

// ---------------------------------------------------------------------------
// Plans: arguments validated once

/// How to reach targets.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    pub probe: ProbeOptions,
}

impl ConnectPlan {
    /// Validate connection arguments.
    pub fn from_args(args: &ConnectArgs, http: bool) -> anyhow::Result<ConnectPlan> {
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
}

/// Which roots to verify against; user files already read.
#[derive(Debug)]
pub struct TrustPlan {
    pub bundled: TrustStore,
    /// `None`: load the OS store (in the background).
    pub os: Option<TrustStore>,
    pub custom: Option<TrustStore>,
}

impl TrustPlan {
    /// Read every trust file the user named; a bad one is a usage error.
    pub fn from_args(args: &TrustArgs) -> anyhow::Result<TrustPlan> {
        let store = |kind, flag, path: &Option<PathBuf>| -> anyhow::Result<Option<TrustStore>> {
            path.as_ref()
                .map(|p| {
                    TrustStore::from_pem_files(kind, flag, std::slice::from_ref(p)).map_err(usage)
                })
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

impl OutputPlan {
    /// Validate output arguments.
    pub fn from_args(args: &OutputArgs) -> anyhow::Result<OutputPlan> {
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
            format: args.format,
            allow,
            at,
            color: args.color.enabled(),
            quiet: args.quiet,
        })
    }
}

fn parse_timeout(text: &str) -> anyhow::Result<Duration> {
    let secs: f64 = text.trim().parse().map_err(|_| {
        usage(format!(
            "--timeout '{text}': expected a number of seconds, e.g. 5 or 0.5"
        ))
    })?;
    if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
        return Err(usage(format!(
            "--timeout '{text}': must be more than 0 and at most 3600 seconds"
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
    let size = std::fs::metadata(path)
        .map_err(|e| {
            usage(format!(
                "cannot read --targets-file '{}': {e}",
                path.display()
            ))
        })?
        .len();
    if size > MAX_TARGETS_FILE {
        return Err(usage(format!(
            "--targets-file '{}' is larger than 1 MiB",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read --targets-file '{}': {e}",
            path.display()
        ))
    })?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

// ---------------------------------------------------------------------------
// The pipeline

/// One target, judged: what was seen, what each store said, the diagnosis.
#[derive(Debug)]
pub struct Judged {
    pub target: Target,
    pub observation: Observation,
    pub facts: Vec<CertFacts>,
    pub verification: Option<Verification>,
    pub diagnosis: Diagnosis,
}

/// Verify and diagnose what was observed for `target` (from a probe or a file).
pub fn judge(
    target: Target,
    observation: Observation,
    stores: &Stores,
    at: OffsetDateTime,
) -> Judged {
    let facts: Vec<CertFacts> = observation
        .chain
        .iter()
        .map(|c| CertFacts::from_der(c))
        .collect();
    let verification = verify_all(stores, &observation.chain, &facts, &target.host, at);
    let diagnosis = diagnose(&Evidence {
        target: &target,
        observation: &observation,
        chain: &facts,
        verification: verification.as_ref(),
        now: at,
        platform: Platform::current(),
        via_proxy: observation.proxy.is_some(),
    });
    Judged {
        target,
        observation,
        facts,
        verification,
        diagnosis,
    }
}

/// Probe every target (the OS store loads meanwhile), then judge each at
/// `at` (default: now). Results are in input order.
pub fn probe_and_judge(
    targets: Vec<Target>,
    options: &ProbeOptions,
    trust: TrustPlan,
    at: Option<OffsetDateTime>,
    quiet: bool,
) -> (Vec<Judged>, Stores) {
    // The OS store is the largest single cost of a local check: load it
    // while the connections are being made.
    let os_loader = trust.os.is_none().then(OsLoader::start);
    let progress = progress_bar(targets.len(), quiet);
    let observations = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let observations = runtime.block_on(probe_all(&targets, options, &progress));
            // A getaddrinfo still running past its deadline (on tokio's
            // blocking pool) must not hold the process: do not wait for it.
            runtime.shutdown_background();
            observations
        }
        Err(e) => {
            let failure = crate::observation::Failure::Connect {
                kind: crate::observation::ConnectErrorKind::Other,
                message: format!("cannot start the async runtime: {e}"),
            };
            targets
                .iter()
                .map(|_| Observation {
                    failure: Some(failure.clone()),
                    ..Observation::default()
                })
                .collect()
        }
    };
    let os = match (trust.os, os_loader) {
        (Some(os), _) => os,
        (None, Some(loader)) => loader.store(),
        (None, None) => TrustStore::from_certs(StoreKind::Os, "none", Vec::new()),
    };
    let stores = Stores {
        bundled: trust.bundled,
        os,
        custom: trust.custom,
    };
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    let judged = targets
        .into_iter()
        .zip(observations)
        .map(|(target, obs)| judge(target, obs, &stores, at))
        .collect();
    complete_os_store(judged, stores, at)
}

/// Loads the OS store on its own thread while the probes run.
struct OsLoader(std::thread::JoinHandle<TrustStore>);

impl OsLoader {
    fn start() -> OsLoader {
        OsLoader(std::thread::spawn(TrustStore::os_native))
    }

    /// The store, once loaded.
    fn store(self) -> TrustStore {
        self.0.join().unwrap_or_else(|_| {
            TrustStore::from_certs(StoreKind::Os, "OS store (failed to load)", Vec::new())
        })
    }
}

/// When the OS store's deferred directories could change a result (some
/// chain its bundle file does not trust), search them and judge those again.
fn complete_os_store(
    judged: Vec<Judged>,
    mut stores: Stores,
    at: OffsetDateTime,
) -> (Vec<Judged>, Stores) {
    let untrusted = |j: &Judged| {
        j.verification
            .as_ref()
            .is_some_and(|v| !v.os.trusted_ignoring_time())
    };
    if stores.os.deferred.is_empty() || !judged.iter().any(untrusted) {
        return (judged, stores);
    }
    // Search the directories by the issuer names the untrusted chains need
    // (one lookup each, as OpenSSL does); read them whole only when a name
    // cannot be hashed.
    let mut names: Vec<Vec<u8>> = judged
        .iter()
        .filter(|j| untrusted(j))
        .flat_map(|j| j.facts.iter().map(|c| c.issuer_raw.clone()))
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    if !stores.os.load_deferred_named(&names) {
        stores.os.load_deferred();
    }
    let judged = judged
        .into_iter()
        .map(|j| {
            if untrusted(&j) {
                judge(j.target, j.observation, &stores, at)
            } else {
                j
            }
        })
        .collect();
    (judged, stores)
}

/// Probe every target, at most [`MAX_CONCURRENT_PROBES`] at once; results
/// come back in input order.
async fn probe_all(
    targets: &[Target],
    options: &ProbeOptions,
    progress: &indicatif::ProgressBar,
) -> Vec<Observation> {
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_PROBES));
    let mut set = tokio::task::JoinSet::new();
    for (i, target) in targets.iter().cloned().enumerate() {
        let options = options.clone();
        let limit = limit.clone();
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (i, probe(&target, &options).await)
        });
    }
    let mut results: Vec<Option<Observation>> = vec![None; targets.len()];
    while let Some(joined) = set.join_next().await {
        progress.inc(1);
        if let Ok((i, obs)) = joined {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(obs);
            }
        }
    }
    progress.finish_and_clear();
    results.into_iter().map(Option::unwrap_or_default).collect()
}

/// A progress bar on stderr for many targets on a terminal; hidden otherwise
/// (pipes, CI logs, `--quiet`).
fn progress_bar(targets: usize, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || targets <= PROGRESS_ABOVE || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(targets as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} checked {pos}/{len} targets {wide_bar}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let connect = ConnectPlan::from_args(&args.connect, !args.no_http)?;
    let output = OutputPlan::from_args(&args.output)?;
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
    let trust = TrustPlan::from_args(&args.trust)?;
    // The environment audit reads the files CA variables name: off the hot path.
    let vars = environment_variables();
    let audit_vars = vars.clone();
    let env_audit = std::thread::spawn(move || crate::envaudit::warnings_for_check(&audit_vars));
    let (judged, _) = probe_and_judge(targets, &connect.probe, trust, output.at, output.quiet);
    let warnings = env_audit.join().unwrap_or_default();
    emit(judged, &output, vars, warnings)
}

fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let output = OutputPlan::from_args(&args.output)?;
    let target = Target::parse(&args.host).map_err(|e| usage(format!("--host: {e}")))?;
    let chain = crate::inspect::read_chain(&args.files).map_err(usage)?;
    let trust = TrustPlan::from_args(&args.trust)?;
    let stores = Stores {
        bundled: trust.bundled,
        os: trust.os.unwrap_or_else(TrustStore::os_native),
        custom: trust.custom,
    };
    let observation = Observation {
        chain: chain.certs,
        file_order: chain.file_order,
        ..Observation::default()
    };
    let at = output.at.unwrap_or_else(OffsetDateTime::now_utc);
    let (judged, _) = complete_os_store(vec![judge(target, observation, &stores, at)], stores, at);
    // A chain file does not depend on this machine's settings: no audit.
    emit(judged, &output, environment_variables(), Vec::new())
}

/// The CA, TLS and proxy variables set for this process.
fn environment_variables() -> Vec<(String, String)> {
    crate::envaudit::variable_names()
        .into_iter()
        .filter_map(|name| {
            std::env::var(name)
                .ok()
                .map(|value| (name.to_string(), value))
        })
        .collect()
}

/// Render the report and compute the exit code.
fn emit(
    judged: Vec<Judged>,
    output: &OutputPlan,
    vars: Vec<(String, String)>,
    env_warnings: Vec<crate::findings::Finding>,
) -> anyhow::Result<ExitCode> {
    // Whole seconds: a report is read by people.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let targets: Vec<TargetReport> = judged
        .into_iter()
        .map(|j| {
            let allowed = j.diagnosis.verdict != Verdict::Clean
                && output.allow.contains(&j.diagnosis.verdict);
            report::target_report(
                &j.target,
                &j.observation,
                j.facts,
                j.verification.as_ref(),
                j.diagnosis,
                allowed,
            )
        })
        .collect();
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: crate::cert::format_time(now),
        at: output.at.map(crate::cert::format_time),
        targets,
        environment: report::environment_report(Platform::current().as_str(), vars, env_warnings),
    };
    let code = ExitCode::for_verdicts(report.targets.iter().map(|t| (t.verdict, t.allowed)));
    if !output.quiet {
        let text = match output.format {
            Format::Human => report::human::render(&report, output.color),
            Format::Json => report::json::render(&report),
            Format::Markdown => report::markdown::render(&report),
        };
        write_stdout(&text)?;
    }
    Ok(code)
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
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
