//! `tlsdoctor fix`: from a judged target to a plan, applied or not, and the
//! clients evaluated again (before → after); and `--undo`.
//!
//! Owns the command's flow and its report value ([`FixReport`]). It does
//! not probe (it is handed the judged target), does not render (that is
//! `report::fix`), and writes only through [`super::apply`].

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::exit::ExitCode;
use crate::findings::Verdict;
use crate::pipeline::Judged;

use super::apply::{self, Applied, Layout, Undone};
use super::choose::{self, Context, FailingClient, NeededRoot};
use super::needs::{needs, Needs};
use super::prove::{self, ClientRun};
use super::{Change, Refusal};
use crate::machine::fix::{self as locate, EnvVars};

/// What the user asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
}

/// Options of `fix` below the command line.
#[derive(Debug, Clone)]
pub struct FixOptions {
    pub mode: Mode,
    pub include_self_signed: bool,
    /// `--python PATH`: interpreters or venv directories.
    pub pythons: Vec<PathBuf>,
    /// `--run-clients`: run every client found, before and after.
    pub run_clients: bool,
    pub timeout: Duration,
}

/// One line of the plan, as JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    pub client: String,
    pub executable: PathBuf,
    /// `file` or `command`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// For a command: `tlsdoctor` (run by `--apply`) or `you` (printed only:
    /// sudo, the system store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_by: Option<&'static str>,
    pub why: String,
    pub applied: bool,
    /// Why it was not applied, when it was tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// The report of one `fix` run.
#[derive(Debug, Clone, Serialize)]
pub struct FixReport {
    pub schema_version: u32,
    pub target: String,
    pub verdict: Verdict,
    /// `dry_run` or `apply`.
    pub mode: &'static str,
    /// The root added, when one is: name, SHA-256, where it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<RootLine>,
    /// Said when no client-side change is right (the server's problem, unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub plan: Vec<PlanLine>,
    pub refused: Vec<Refusal>,
    pub before: Vec<ClientRun>,
    pub after: Vec<ClientRun>,
    /// Things the user should know (venvs not found, what stays installed).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RootLine {
    pub subject: String,
    pub sha256: String,
    pub from: String,
}

/// The report of `fix --undo`.
#[derive(Debug, Clone, Serialize)]
pub struct UndoReport {
    pub schema_version: u32,
    pub manifest: PathBuf,
    pub files: Vec<UndoLine>,
    /// Packages `--apply` installed, uninstalled again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageUndoLine>,
}

/// A package `--apply` installed, as `--undo` left it.
#[derive(Debug, Clone, Serialize)]
pub struct PackageUndoLine {
    pub python: PathBuf,
    pub package: String,
    /// `removed`, `already_gone`, `changed_since` (upgraded or replaced
    /// since: left installed), `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UndoLine {
    pub path: PathBuf,
    /// `restored`, `removed`, `already_gone`, `changed_since`.
    pub outcome: &'static str,
}

/// The layout for this user.
pub fn layout(env: &EnvVars) -> anyhow::Result<Layout> {
    let home = env.home.as_deref().ok_or_else(|| {
        crate::error::usage("HOME is not set: tlsdoctor fix writes only under your home directory")
    })?;
    Ok(Layout::new(
        home,
        env.xdg_state_home.as_deref(),
        env.xdg_data_home.as_deref(),
    ))
}

/// `fix --undo`: the files first (the block that loads truststore goes),
/// then the packages `--apply` installed.
pub fn undo(env: &EnvVars) -> anyhow::Result<(UndoReport, ExitCode)> {
    let layout = layout(env)?;
    let undone = apply::undo(&layout)?;
    let files: Vec<UndoLine> = undone
        .into_iter()
        .map(|(path, u)| UndoLine {
            path,
            outcome: match u {
                Undone::Restored => "restored",
                Undone::Removed => "removed",
                Undone::AlreadyGone => "already_gone",
                Undone::ChangedSince => "changed_since",
            },
        })
        .collect();
    let packages = undo_packages(&layout)?;
    let kept = files.iter().any(|f| f.outcome == "changed_since")
        || packages
            .iter()
            .any(|p| p.outcome != "removed" && p.outcome != "already_gone");
    let code = if kept {
        ExitCode::Diagnosis
    } else {
        ExitCode::Clean
    };
    Ok((
        UndoReport {
            schema_version: 1,
            manifest: layout.manifest_path(),
            files,
            packages,
        },
        code,
    ))
}

/// Uninstall each package the manifest records, while it is still the
/// version `--apply` installed; one upgraded since (or that pip could not
/// remove) stays installed and in the manifest.
fn undo_packages(layout: &Layout) -> anyhow::Result<Vec<PackageUndoLine>> {
    let manifest = apply::Manifest::load(layout)?;
    let mut out = Vec::new();
    for p in &manifest.packages {
        let now = locate::dist_info(&p.python, &p.package);
        let (outcome, error) = match now {
            None => ("already_gone", None),
            Some(d) if d != p.dist_info => ("changed_since", None),
            Some(_) => match prove::pip_uninstall(&p.python, &p.package, PIP_TIMEOUT) {
                Ok(()) => ("removed", None),
                Err(e) => ("failed", Some(e)),
            },
        };
        if outcome == "removed" || outcome == "already_gone" {
            apply::forget_package(layout, p)?;
        }
        out.push(PackageUndoLine {
            python: p.python.clone(),
            package: p.package.clone(),
            outcome,
            error,
        });
    }
    Ok(out)
}

fn empty_report(judged: &Judged, mode: Mode) -> FixReport {
    FixReport {
        schema_version: 1,
        target: judged.target.display.clone(),
        verdict: judged.diagnosis.verdict,
        mode: match mode {
            Mode::DryRun => "dry_run",
            Mode::Apply => "apply",
        },
        root: None,
        problem: None,
        plan: Vec::new(),
        refused: Vec::new(),
        before: Vec::new(),
        after: Vec::new(),
        notes: Vec::new(),
    }
}

/// How `fix` learns each client's outcome: before the fix, and after it
/// with the variables the profile block sets (a new shell has them).
pub trait Evaluator {
    /// Every client found, with its outcome for the target; the clients
    /// named in `run` (id, executable) are run besides those the evaluator
    /// always runs, and their outcome is what they did.
    fn evaluate(&self, extra_env: &[(String, String)], run: &[(String, PathBuf)])
        -> Vec<ClientRun>;
    /// The venvs found: `fix` may write there.
    fn venvs(&self) -> Vec<PathBuf>;
    /// What the user should know about how clients were found.
    fn notes(&self) -> Vec<String>;
}

/// The root `fix` adds, when the chain needs one (its line set on the report);
/// otherwise why none can be added, as a note.
fn needed_root<'a>(need: &'a Needs, report: &mut FixReport) -> Option<NeededRoot<'a>> {
    match need {
        Needs::Root {
            root,
            from,
            in_os_store,
            self_signed_leaf,
            public_key,
            breaks_strict,
        } => {
            report.root = Some(RootLine {
                subject: root.subject.clone(),
                sha256: root.sha256.clone(),
                from: from.clone(),
            });
            Some(NeededRoot {
                facts: root,
                in_os_store: *in_os_store,
                self_signed_leaf: *self_signed_leaf,
                public_key: public_key.clone(),
                breaks_strict: *breaks_strict,
            })
        }
        Needs::NoRoot { why } => {
            report.notes.push(why.clone());
            None
        }
        _ => None,
    }
}

/// `fix TARGET` (dry run or `--apply`).
pub fn run(
    judged: &Judged,
    mozilla: &[&[u8]],
    mozilla_source: &str,
    options: &FixOptions,
    env: &EnvVars,
    clients: &dyn Evaluator,
) -> anyhow::Result<(FixReport, ExitCode)> {
    let mut report = empty_report(judged, options.mode);
    let need = needs(judged);
    match &need {
        Needs::Unreachable { why } => {
            report.problem = Some(format!("{} is unreachable: {why}", judged.target.display));
            return Ok((report, ExitCode::Unreachable));
        }
        Needs::ServerProblem { verdict, summary } => {
            report.problem = Some(format!(
                "{summary}. This is the server's to fix, or the network path's ({verdict}): no change on this machine makes a client trust it without turning verification off, so tlsdoctor changes nothing."
            ));
            return Ok((report, ExitCode::Diagnosis));
        }
        _ => {}
    }
    let layout = layout(env)?;
    let home = env.home.clone().unwrap_or_default();
    report.notes.extend(clients.notes());
    report.before = clients.evaluate(&[], &[]);
    let failing = failing_clients(&report.before);
    if failing.is_empty() {
        return Ok((report, ExitCode::Clean));
    }
    let os = locate::current_os();
    let root = needed_root(&need, &mut report);
    let target_text = judged.target.display.clone();
    let ctx = Context {
        target: &target_text,
        home: &home,
        data_dir: &layout.data_dir,
        os,
        profiles: locate::profiles(env, &home, os),
        root,
        include_self_signed: options.include_self_signed,
        kept_roots: kept_roots(&layout, mozilla),
        mozilla,
        mozilla_source,
        node_options: env.node_options.clone(),
    };
    let plan = choose::plan(&ctx, &failing);
    report.refused = plan.refusals.clone();
    let mut lines = plan_lines(&plan);
    if options.mode == Mode::DryRun {
        report.plan = lines;
        let code = if report.plan.is_empty() && report.refused.is_empty() {
            ExitCode::Clean
        } else {
            ExitCode::Diagnosis
        };
        return Ok((report, code));
    }
    let mut allowed = layout.allowed.clone();
    allowed.extend(clients.venvs());
    let layout = Layout { allowed, ..layout };
    let applied = apply::apply(&plan.files, &layout)?;
    mark_applied(&plan, &applied, &mut lines, options.timeout, &layout);
    report.plan = lines;
    // The proof: every client the plan changed is run again, as a new
    // shell would start it (with the variables the profile block sets).
    let changed: Vec<(String, PathBuf)> = plan
        .items
        .iter()
        .map(|i| (i.client.clone(), i.executable.clone()))
        .collect();
    report.after = clients.evaluate(&plan.env, &changed);
    if !plan.env.is_empty() {
        report.notes.push(
            "the variables take effect in new terminals (or after `source` of the profile); the clients above were evaluated again with them set".into(),
        );
    }
    let code = if still_failing(&report) || !report.refused.is_empty() {
        ExitCode::Diagnosis
    } else {
        ExitCode::Clean
    };
    Ok((report, code))
}

/// A client fails after the fix, or one that failed before does not trust now.
fn still_failing(report: &FixReport) -> bool {
    let after = |b: &ClientRun| {
        report
            .after
            .iter()
            .find(|a| a.client == b.client && a.executable == b.executable)
    };
    report.after.iter().any(|a| a.outcome == "fails")
        || report
            .before
            .iter()
            .filter(|b| b.outcome == "fails")
            .any(|b| after(b).is_none_or(|a| a.outcome != "trusts"))
}

/// The extra roots of the bundle an earlier `fix` wrote (recorded in the
/// manifest as its own), so that fixing a second target keeps the first's.
fn kept_roots(layout: &Layout, mozilla: &[&[u8]]) -> Vec<Vec<u8>> {
    let path = layout.data_dir.join(super::bundle::BUNDLE_FILE);
    let ours = apply::Manifest::load(layout)
        .map(|m| m.entries.iter().any(|e| e.path == path))
        .unwrap_or(false);
    match std::fs::read(&path) {
        Ok(bytes) if ours => super::bundle::extra_roots(&bytes, mozilla),
        _ => Vec::new(),
    }
}

/// The clients that failed on trust, with what the choice needs to know.
fn failing_clients(runs: &[ClientRun]) -> Vec<FailingClient> {
    runs.iter()
        .filter(|r| r.outcome == "fails")
        .map(|r| {
            let site = r.python.clone().unwrap_or_default();
            FailingClient {
                client: r.client.clone(),
                executable: r.executable.clone(),
                version: r.version.clone(),
                interpreter: r.python.as_ref().map(|_| r.executable.clone()),
                python_version: site.version,
                venv: site.venv,
                site_packages: site.site_packages,
                base_prefix: site.base_prefix,
                externally_managed: site.externally_managed,
            }
        })
        .collect()
}

fn plan_lines(plan: &super::FixPlan) -> Vec<PlanLine> {
    plan.items
        .iter()
        .map(|item| {
            let base = PlanLine {
                client: item.client.clone(),
                executable: item.executable.clone(),
                change: "file",
                path: None,
                lines: None,
                command: None,
                run_by: None,
                why: item.why.clone(),
                applied: false,
                skipped: None,
            };
            match &item.change {
                Change::File { file, lines } => PlanLine {
                    path: plan.files.get(*file).map(|f| f.path.clone()),
                    lines: Some(lines.clone()),
                    ..base
                },
                Change::Command { command, .. } => PlanLine {
                    change: "command",
                    command: Some(command.clone()),
                    run_by: Some("you"),
                    ..base
                },
                Change::PipInstall {
                    python,
                    requirement,
                } => PlanLine {
                    change: "command",
                    command: Some(format!(
                        "{} -m pip install '{requirement}'",
                        python.display()
                    )),
                    run_by: Some("tlsdoctor"),
                    ..base
                },
            }
        })
        .collect()
}

/// pip-install `requirement` into a venv; when the package was not there
/// before, record it so that `--undo` removes it (and only then).
fn install(
    python: &std::path::Path,
    requirement: &str,
    timeout: Duration,
    layout: &Layout,
) -> Result<(), String> {
    let package = super::python::TRUSTSTORE;
    let before = locate::dist_info(python, package);
    prove::pip_install(python, requirement, timeout.max(PIP_TIMEOUT))?;
    if before.is_some() {
        return Ok(());
    }
    let Some(dist_info) = locate::dist_info(python, package) else {
        return Ok(());
    };
    let entry = apply::PackageEntry {
        python: python.to_path_buf(),
        package: package.to_string(),
        dist_info,
    };
    apply::record_package(layout, entry).map_err(|e| {
        format!("installed, but not recorded for --undo ({e:#}); `python -m pip uninstall {package}` removes it")
    })
}

/// pip's own deadline: at least this, however short `--timeout` is.
const PIP_TIMEOUT: Duration = Duration::from_secs(60);

/// Record what `--apply` did per line; run the pip installs (after the files).
fn mark_applied(
    plan: &super::FixPlan,
    applied: &[Applied],
    lines: &mut [PlanLine],
    timeout: Duration,
    layout: &Layout,
) {
    for (item, line) in plan.items.iter().zip(lines.iter_mut()) {
        match &item.change {
            Change::File { file, .. } => match applied.get(*file) {
                Some(Applied::Written) | Some(Applied::Unchanged) => line.applied = true,
                Some(Applied::Skipped(why)) => line.skipped = Some(why.clone()),
                None => {}
            },
            Change::PipInstall {
                python,
                requirement,
            } => match install(python, requirement, timeout, layout) {
                Ok(()) => line.applied = true,
                Err(e) => line.skipped = Some(e),
            },
            Change::Command { .. } => {}
        }
    }
}
