//! What `fix` knows of a client before and after a change ([`ClientRun`]),
//! and the pip commands `--apply` and `--undo` run in a venv (installing and
//! removing truststore), each bounded by a deadline.
//!
//! Running the clients themselves is the `--run-clients` runner's
//! (`machine::run`); this module decides nothing about trust.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One client's outcome for the target, as `fix` shows it before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientRun {
    pub client: String,
    pub executable: PathBuf,
    /// The client's version, when known (Node's decides its fix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `trusts`, `fails`, `unknown` (predicted); `error` (not about trust),
    /// `timeout` (run).
    pub outcome: String,
    pub error: Option<String>,
    /// `run` (the client was run against the target: the outcome is what it
    /// did) or `predicted` (from the files it reads).
    pub how: &'static str,
    /// For the Python family and pip: the interpreter that runs it.
    #[serde(skip)]
    pub interpreter: Option<PathBuf>,
    /// What the choice needs to know of a Python client's interpreter.
    #[serde(skip)]
    pub python: Option<PythonSite>,
}

/// A Python client's interpreter, as far as the choice of fix depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PythonSite {
    pub version: Option<(u32, u32)>,
    /// The venv, when the interpreter is one.
    pub venv: Option<PathBuf>,
    pub site_packages: Option<PathBuf>,
    /// A base interpreter's prefix (not a venv).
    pub base_prefix: Option<PathBuf>,
    /// The base interpreter refuses installs (PEP 668).
    pub externally_managed: bool,
}

/// `python -m pip install REQUIREMENT` in a venv, bounded by `timeout`.
/// pip reads the user's own configuration and trust (with the fix applied).
pub fn pip_install(python: &Path, requirement: &str, timeout: Duration) -> Result<(), String> {
    pip(python, &["install"], requirement, timeout)
}

/// `python -m pip ARGS… --quiet … WHAT`, bounded by `timeout`.
fn pip(python: &Path, args: &[&str], what: &str, timeout: Duration) -> Result<(), String> {
    let spawned = Command::new(python)
        .args(["-m", "pip"])
        .args(args)
        .args(["--disable-pip-version-check", "--quiet", "--no-input"])
        .arg(what)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = spawned.map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("pip did not finish within {} s", timeout.as_secs()));
            }
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    Err(format!(
        "pip {} {what} failed: {}",
        args.join(" "),
        last.trim()
    ))
}

/// `python -m pip uninstall -y PACKAGE` in a venv, bounded by `timeout`.
pub fn pip_uninstall(python: &Path, package: &str, timeout: Duration) -> Result<(), String> {
    pip(python, &["uninstall", "-y"], package, timeout)
}
