//! Wiring: the command line becomes a validated [`CheckPlan`] once, then
//! the pipeline runs — Probe (concurrently, with the OS store loading on the
//! side), Verify, Diagnose, Report — and the verdicts become an exit code.
//!
//! Every way the user's input can be wrong is found here, before anything
//! is probed, and comes back as a [`UsageError`] (exit 2).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cert::CertFacts;
use crate::cli::{CheckArgs, Cli, ColorChoice, Command, Format};
use crate::diagnose::{diagnose, Evidence};
use crate::ecosystems::{Platform, ENV_VARIABLES};
use crate::exit::ExitCode;
use crate::findings::Verdict;
use crate::probe::{probe, ProbeOptions};
use crate::report::{self, Report};
use crate::target::{ResolveOverride, Target};
use crate::trust::verify::{verify_all, Stores};
use crate::trust::{StoreKind, TrustStore};

/// Bad usage or bad input: the message says what to change. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl std::fmt::Display) -> anyhow::Error {
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

/// At most this many probes run at once.
const MAX_CONCURRENT_PROBES: usize = 32;

/// What `check` will do, validated.
#[derive(Debug)]
pub struct CheckPlan {
    pub targets: Vec<Target>,
    pub probe: ProbeOptions,
    pub bundled: TrustStore,
    /// `None`: load the OS store (in the background).
    pub os: Option<TrustStore>,
    pub custom: Option<TrustStore>,
    pub allow: Vec<Verdict>,
    pub at: Option<OffsetDateTime>,
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
}

impl CheckPlan {
    /// Validate every argument; read the trust files the user named.
    pub fn from_args(args: CheckArgs) -> anyhow::Result<CheckPlan> {
        let timeout = parse_timeout(&args.timeout)?;
        let allow = args
            .allow
            .iter()
            .map(|a| {
                a.parse::<Verdict>()
                    .map_err(|e| usage(format!("--allow: {e}")))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let at = args.at.as_deref().map(parse_at).transpose()?;
        let resolve = args
            .resolve
            .iter()
            .map(|r| ResolveOverride::parse(r).map_err(usage))
            .collect::<anyhow::Result<Vec<_>>>()?;

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

        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Ok(CheckPlan {
            targets,
            probe: ProbeOptions {
                timeout,
                resolve,
                http: !args.no_http,
            },
            bundled,
            os,
            custom,
            allow,
            at,
            format: args.format,
            color,
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

/// Run the command line. Errors are usage errors or I/O errors writing output.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(CheckPlan::from_args(args)?),
    }
}

/// Probe, verify, diagnose and report every target of the plan.
pub fn check(plan: CheckPlan) -> anyhow::Result<ExitCode> {
    // The OS store is the largest single cost of a local check: load it
    // while the connections are being made.
    let os_loader = plan
        .os
        .is_none()
        .then(|| std::thread::spawn(TrustStore::os_native));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let observations = runtime.block_on(probe_all(&plan.targets, &plan.probe));

    let os = match (plan.os, os_loader) {
        (Some(os), _) => os,
        (None, Some(loader)) => loader.join().unwrap_or_else(|_| {
            TrustStore::from_certs(StoreKind::Os, "OS store (failed to load)", Vec::new())
        }),
        (None, None) => TrustStore::from_certs(StoreKind::Os, "none", Vec::new()),
    };
    let stores = Stores {
        bundled: plan.bundled,
        os,
        custom: plan.custom,
    };

    let now = OffsetDateTime::now_utc();
    let judged_at = plan.at.unwrap_or(now);
    let platform = Platform::current();
    let mut targets = Vec::with_capacity(plan.targets.len());
    for (target, observation) in plan.targets.iter().zip(&observations) {
        let facts: Vec<CertFacts> = observation
            .chain
            .iter()
            .map(|c| CertFacts::from_der(c))
            .collect();
        let verification = verify_all(&stores, &observation.chain, &facts, &target.host, judged_at);
        let diagnosis = diagnose(&Evidence {
            target,
            observation,
            chain: &facts,
            verification: verification.as_ref(),
            now: judged_at,
            platform,
            via_proxy: false,
        });
        let allowed =
            diagnosis.verdict != Verdict::Clean && plan.allow.contains(&diagnosis.verdict);
        targets.push(report::target_report(
            target,
            observation,
            facts,
            verification.as_ref(),
            diagnosis,
            allowed,
        ));
    }

    let (generated_at, at) = report::times(now, plan.at);
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at,
        at,
        targets,
        environment: report::environment_report(
            platform.as_str(),
            ENV_VARIABLES.iter().filter_map(|v| {
                std::env::var(v.name)
                    .ok()
                    .map(|val| (v.name.to_string(), val))
            }),
        ),
    };
    let code = ExitCode::for_verdicts(report.targets.iter().map(|t| (t.verdict, t.allowed)));
    if !plan.quiet {
        let text = match plan.format {
            Format::Human => report::human::render(&report, plan.color),
            Format::Json => report::json::render(&report),
            Format::Markdown => report::markdown::render(&report),
        };
        write_stdout(&text)?;
    }
    Ok(code)
}

/// Probe every target, at most [`MAX_CONCURRENT_PROBES`] at once; results
/// come back in input order.
async fn probe_all(
    targets: &[Target],
    options: &ProbeOptions,
) -> Vec<crate::observation::Observation> {
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
    let mut results: Vec<Option<crate::observation::Observation>> = vec![None; targets.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, obs)) = joined {
            results[i] = Some(obs);
        }
    }
    results.into_iter().map(Option::unwrap_or_default).collect()
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}
