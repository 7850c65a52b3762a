//! Running a venv's Python clients against the target, before and after a
//! fix: `ssl` (default context), requests and httpx when importable, each
//! with one request to the address the probe connected to (the host name is
//! kept for SNI and verification through a `getaddrinfo` hook).
//!
//! Owns spawning the interpreter with a deadline and reading its one line of
//! JSON. It decides nothing: an outcome is what the client did. (Interim:
//! replaced by the `--run-clients` runner when it lands.)

use std::io::Read;
use std::net::SocketAddr;
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
    /// The base interpreter refuses installs (PEP 668).
    pub externally_managed: bool,
}

const SCRIPT: &str = r#"
import importlib.util, json, socket, ssl, sys
host, port, addr, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
real = socket.getaddrinfo
def pinned(h, *a, **k):
    return real(addr if h == host else h, *a, **k)
socket.getaddrinfo = pinned
url = "https://%s:%d/" % (host if ":" not in host else "[%s]" % host, port)
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = ["trusts", None]
    except Exception as e:
        text = (str(e) or type(e).__name__).splitlines()[0][:300]
        verify = isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in repr(e) or "certificate verify failed" in repr(e)
        out[name] = ["fails" if verify else "error", text]
def plain():
    ctx = ssl.create_default_context()
    with socket.create_connection((addr, port), timeout=timeout) as s:
        with ctx.wrap_socket(s, server_hostname=host):
            pass
attempt("python", plain)
if importlib.util.find_spec("requests"):
    def req():
        import requests
        requests.get(url, timeout=timeout)
    attempt("python-requests", req)
if importlib.util.find_spec("httpx"):
    def hx():
        import httpx
        httpx.get(url, timeout=timeout)
    attempt("python-httpx", hx)
print(json.dumps(out))
"#;

/// Run `python`'s clients against `host` at `addr`, bounded by `timeout`.
pub fn run_python(
    python: &Path,
    host: &str,
    addr: SocketAddr,
    timeout: Duration,
    extra_env: &[(String, String)],
) -> Vec<ClientRun> {
    let one = |outcome: &str, error: String| {
        vec![ClientRun {
            client: "python".into(),
            executable: python.to_path_buf(),
            version: None,
            outcome: outcome.into(),
            error: Some(error),
            python: None,
        }]
    };
    let spawned = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(host)
        .arg(addr.port().to_string())
        .arg(addr.ip().to_string())
        .arg(format!("{:.1}", timeout.as_secs_f64()))
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return one("error", format!("cannot run {}: {e}", python.display())),
    };
    // Three requests, each bounded by the timeout, plus start-up.
    let deadline = Instant::now() + timeout * 3 + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return one("timeout", "no answer before the deadline".into());
            }
        }
    }
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    parse(python, &stdout)
        .unwrap_or_else(|| one("error", "the interpreter printed no result".into()))
}

fn parse(python: &Path, stdout: &str) -> Option<Vec<ClientRun>> {
    let line = stdout.lines().last()?;
    let map: std::collections::BTreeMap<String, (String, Option<String>)> =
        serde_json::from_str(line).ok()?;
    Some(
        map.into_iter()
            .map(|(client, (outcome, error))| ClientRun {
                client,
                executable: python.to_path_buf(),
                version: None,
                outcome,
                error,
                python: None,
            })
            .collect(),
    )
}

/// `python -m pip install REQUIREMENT` in a venv, bounded by `timeout`.
/// pip reads the user's own configuration and trust (with the fix applied).
pub fn pip_install(python: &Path, requirement: &str, timeout: Duration) -> Result<(), String> {
    let spawned = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "--no-input",
        ])
        .arg(requirement)
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
    Err(format!("pip install {requirement} failed: {}", last.trim()))
}
