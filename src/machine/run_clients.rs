//! Per client: the one command `--run-clients` starts (pinned to the probe's
//! address with that client's own hook), and how its output becomes an
//! [`Observed`] outcome. Building a command and reading its output are pure;
//! `run` spawns and times them.
//!
//! The outcome rule: a TLS *verification* failure is `fails`; a completed
//! HTTP response of any status (404, 401, a git "not found") is `trusts`;
//! anything else that stopped the request (DNS, connect, a proxy's 407, a
//! handshake failure that is not about trust) is `error`.

use std::ffi::OsString;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::run::{Destination, Observed, ObservedOutcome, RunClient};
use super::run_scripts;

/// Proxy variables removed when the client is pinned to the probe's direct
/// address (the probe did not use a proxy, so neither may the client).
const PROXY_VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// How a client's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reader {
    /// The script's `TLSDOCTOR {json}` line.
    Line,
    Pip,
    Curl,
    Git,
}

/// One command to start, with the files it needs written first.
#[derive(Debug)]
pub(super) struct Invocation {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub set: Vec<(&'static str, String)>,
    pub remove: Vec<&'static str>,
    /// (file name in the client's scratch directory, contents).
    pub files: Vec<(&'static str, String)>,
    pub reader: Reader,
    /// Where it starts (its scratch directory, set by `run`).
    pub cwd: PathBuf,
}

/// What a finished client said: an outcome, or that it could not be run
/// this way after all (a Python library that is not installed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Classified {
    Observed(ObservedOutcome, Option<String>),
    NotRun(String),
}

/// The clients `--run-clients` knows how to pin, by id.
pub const RUNNABLE: &[&str] = &[
    "python",
    "python-requests",
    "python-httpx",
    "pip",
    "node",
    "curl",
    "git",
    "java",
];

/// `https://host:port/path`, brackets around an IPv6 literal.
pub(super) fn url(to: &Destination) -> String {
    let host = if to.host.contains(':') {
        format!("[{}]", to.host)
    } else {
        to.host.clone()
    };
    format!("https://{host}:{}{}", to.port, to.path)
}

fn addr_text(addr: Option<IpAddr>) -> String {
    addr.map(|a| a.to_string()).unwrap_or_default()
}

/// The command for `client` against `to`, or why it cannot be pinned.
/// `dir` is this client's own scratch directory.
pub(super) fn invocation(
    client: &RunClient,
    to: &Destination,
    dir: &Path,
    timeout: Duration,
) -> Result<Invocation, String> {
    let secs = format!("{:.3}", timeout.as_secs_f64());
    let ms = timeout.as_millis().max(1).to_string();
    let python = || {
        client
            .interpreter
            .clone()
            .unwrap_or(client.executable.clone())
    };
    let mut inv = match client.client.as_str() {
        "python" | "python-requests" | "python-httpx" => {
            let lib = match client.client.as_str() {
                "python-requests" => "requests",
                "python-httpx" => "httpx",
                _ => "urllib",
            };
            let args = [
                "-c",
                run_scripts::PYTHON,
                lib,
                &to.host,
                &to.port.to_string(),
                &addr_text(to.pinned),
                &to.path,
                &secs,
            ];
            Invocation::new(python(), &args, Reader::Line)
        }
        "pip" => {
            let index = url(&Destination {
                path: "/simple/".into(),
                ..to.clone()
            });
            let dest = dir.join("pip-download").to_string_lossy().into_owned();
            let args = [
                "-c",
                run_scripts::PIP,
                &to.host,
                &to.port.to_string(),
                &addr_text(to.pinned),
                &index,
                &secs,
                &dest,
            ];
            let mut inv = Invocation::new(python(), &args, Reader::Pip);
            inv.set.push(("PIP_NO_INPUT", "1".into()));
            inv
        }
        "node" => {
            let args = [
                "-e",
                run_scripts::NODE,
                &to.host,
                &to.port.to_string(),
                &addr_text(to.pinned),
                &to.path,
                &ms,
            ];
            Invocation::new(client.executable.clone(), &args, Reader::Line)
        }
        "curl" => curl(client, to, &secs),
        "git" => git(client, to, &secs),
        "java" => java(client, to, dir, &ms),
        other => return Err(format!("tlsdoctor cannot yet pin {other} to an address")),
    };
    if to.pinned.is_some() {
        inv.remove.extend(PROXY_VARS);
    }
    Ok(inv)
}

impl Invocation {
    fn new(program: PathBuf, args: &[&str], reader: Reader) -> Invocation {
        Invocation {
            program,
            args: args.iter().map(OsString::from).collect(),
            set: Vec::new(),
            remove: Vec::new(),
            files: Vec::new(),
            reader,
            cwd: PathBuf::new(),
        }
    }
}

fn curl(client: &RunClient, to: &Destination, secs: &str) -> Invocation {
    let mut args: Vec<String> = ["-sS", "-o", "/dev/null", "--max-time", secs]
        .map(String::from)
        .to_vec();
    if let Some(addr) = to.pinned {
        let addr = match addr {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        };
        args.extend([
            "--noproxy".into(),
            "*".into(),
            "--resolve".into(),
            format!("{}:{}:{addr}", to.host, to.port),
        ]);
    }
    args.push(url(to));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Invocation::new(client.executable.clone(), &args, Reader::Curl)
}

fn git(client: &RunClient, to: &Destination, secs: &str) -> Invocation {
    // No credentials: no helper, no prompt. Bounded: curl's low-speed limit.
    let secs_whole = secs
        .split('.')
        .next()
        .unwrap_or("10")
        .parse::<u64>()
        .unwrap_or(10);
    let mut args: Vec<String> = vec![
        "-c".into(),
        "credential.helper=".into(),
        "-c".into(),
        "http.lowSpeedLimit=1".into(),
        "-c".into(),
        format!("http.lowSpeedTime={}", secs_whole.max(1)),
    ];
    if let Some(addr) = to.pinned {
        let addr = match addr {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        };
        args.extend([
            "-c".into(),
            "http.proxy=".into(),
            "-c".into(),
            format!("http.curloptResolve={}:{}:{addr}", to.host, to.port),
        ]);
    }
    args.extend(["ls-remote".into(), url(to)]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut inv = Invocation::new(client.executable.clone(), &args, Reader::Git);
    inv.set.push(("GIT_TERMINAL_PROMPT", "0".into()));
    inv.set.push(("GCM_INTERACTIVE", "never".into()));
    inv.set.push(("GIT_ASKPASS", "echo".into()));
    inv.set.push(("SSH_ASKPASS", "echo".into()));
    inv
}

fn java(client: &RunClient, to: &Destination, dir: &Path, ms: &str) -> Invocation {
    let source = dir.join("TlsdoctorProbe.java");
    let mut args: Vec<String> = Vec::new();
    let mut files = vec![("TlsdoctorProbe.java", run_scripts::JAVA.to_string())];
    if let Some(addr) = to.pinned {
        files.push(("hosts", format!("{addr} {}\n", to.host)));
        args.push(format!(
            "-Djdk.net.hosts.file={}",
            dir.join("hosts").to_string_lossy()
        ));
    }
    args.extend([
        source.to_string_lossy().into_owned(),
        url(to),
        ms.to_string(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut inv = Invocation::new(client.executable.clone(), &args, Reader::Line);
    inv.files = files;
    inv
}

/// Read a finished client's output. `code` is `None` when it was killed.
pub(super) fn classify(
    reader: Reader,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> Classified {
    match reader {
        Reader::Line => classify_line(code, stdout, stderr),
        Reader::Pip => classify_pip(stdout, stderr),
        Reader::Curl => classify_curl(code, stderr),
        Reader::Git => classify_git(code, stderr),
    }
}

fn classify_line(code: Option<i32>, stdout: &str, stderr: &str) -> Classified {
    #[derive(serde::Deserialize)]
    struct Line {
        outcome: String,
        error: Option<String>,
    }
    let parsed = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("TLSDOCTOR "))
        .and_then(|json| serde_json::from_str::<Line>(json).ok());
    let Some(line) = parsed else {
        return Classified::Observed(
            ObservedOutcome::Error,
            first_line(stderr).or_else(|| code.map(|c| format!("exited with status {c}"))),
        );
    };
    let error = line.error.as_deref().and_then(first_line);
    let outcome = match line.outcome.as_str() {
        "trusts" => ObservedOutcome::Trusts,
        "fails" => ObservedOutcome::Fails,
        "timeout" => ObservedOutcome::Timeout,
        "missing" => {
            return Classified::NotRun(format!(
                "not installed for this interpreter ({})",
                error.unwrap_or_default()
            ))
        }
        _ => ObservedOutcome::Error,
    };
    Classified::Observed(outcome, error)
}

/// pip prints a verification failure inside a "Could not fetch URL" or
/// "Retrying" line; a 404 from the index ends in "Could not find a version".
pub(super) fn classify_pip(stdout: &str, stderr: &str) -> Classified {
    let text = format!("{stdout}\n{stderr}");
    let line_with = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .map(str::to_string)
    };
    if text.contains("No module named pip") {
        return Classified::NotRun("pip is not installed for this interpreter".into());
    }
    for needle in [
        "CERTIFICATE_VERIFY_FAILED",
        "certificate verify failed",
        "SSLCertVerificationError",
    ] {
        if let Some(line) = line_with(needle) {
            let from = line.find("[SSL:").unwrap_or(0);
            let inner = line.get(from..).unwrap_or(&line);
            let inner = inner.split("')").next().unwrap_or(inner);
            return Classified::Observed(ObservedOutcome::Fails, first_line(inner));
        }
    }
    if let Some(line) = line_with("timed out") {
        return Classified::Observed(ObservedOutcome::Timeout, first_line(&line));
    }
    for needle in [
        "Could not fetch URL",
        "Max retries exceeded",
        "ProxyError",
        "ConnectionError",
    ] {
        if let Some(line) = line_with(needle) {
            return Classified::Observed(ObservedOutcome::Error, first_line(&line));
        }
    }
    if text.contains("Could not find a version")
        || text.contains("No matching distribution")
        || text.contains("Saved ")
    {
        return Classified::Observed(ObservedOutcome::Trusts, None);
    }
    // A crash: its last "…Error: …" line says more than "ERROR: Exception:".
    let raised = stderr
        .lines()
        .rev()
        .find(|l| !l.starts_with(' ') && l.contains("Error") && !l.starts_with("ERROR:"))
        .and_then(first_line);
    Classified::Observed(
        ObservedOutcome::Error,
        raised
            .or_else(|| first_line(stderr))
            .or_else(|| first_line(stdout)),
    )
}

/// curl's exit codes: 0 is a completed transfer (any status, without `-f`).
pub(super) fn classify_curl(code: Option<i32>, stderr: &str) -> Classified {
    let outcome = match code {
        Some(0) => return Classified::Observed(ObservedOutcome::Trusts, None),
        // PEER_FAILED_VERIFICATION, SSL_CACERT_BADFILE, SSL_ISSUER_ERROR,
        // SSL_PINNEDPUBKEYNOTMATCH, SSL_INVALIDCERTSTATUS, old PEER_CERT (51).
        Some(51 | 60 | 77 | 83 | 90 | 91) => ObservedOutcome::Fails,
        Some(28) | None => ObservedOutcome::Timeout,
        Some(_) => ObservedOutcome::Error,
    };
    Classified::Observed(outcome, first_line(stderr))
}

/// git prints what its curl said after "unable to access"; a response that
/// is not a repository ("not found", "returned error: 404") completed HTTP.
pub(super) fn classify_git(code: Option<i32>, stderr: &str) -> Classified {
    if code == Some(0) {
        return Classified::Observed(ObservedOutcome::Trusts, None);
    }
    let lower = stderr.to_ascii_lowercase();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .and_then(first_line)
        .or_else(|| first_line(stderr));
    let outcome = if lower.contains("certificate") || lower.contains("ssl certificate problem") {
        ObservedOutcome::Fails
    } else if code.is_none() || lower.contains("timed out") || lower.contains("too slow") {
        ObservedOutcome::Timeout
    } else if lower.contains("unable to access")
        && !lower.contains("the requested url returned error")
    {
        ObservedOutcome::Error
    } else {
        ObservedOutcome::Trusts
    };
    let error = (outcome != ObservedOutcome::Trusts)
        .then_some(line)
        .flatten();
    Classified::Observed(outcome, error)
}

/// The first non-empty line, printable ASCII only, at most 300 characters:
/// a client's error can quote what the server sent.
pub(super) fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let clean: String = line
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .take(300)
        .collect();
    Some(clean)
}

/// Observed from a classification and a duration.
pub(super) fn observed(outcome: ObservedOutcome, error: Option<String>, ms: u64) -> Observed {
    Observed { outcome, error, ms }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(c: Classified) -> (ObservedOutcome, Option<String>) {
        match c {
            Classified::Observed(o, e) => (o, e),
            Classified::NotRun(why) => panic!("not run: {why}"),
        }
    }

    fn to(pinned: Option<&str>) -> Destination {
        Destination {
            host: "app.test".into(),
            port: 8443,
            path: "/x".into(),
            pinned: pinned.map(|a| a.parse().unwrap()),
        }
    }

    fn client(id: &str) -> RunClient {
        RunClient {
            client: id.into(),
            executable: PathBuf::from(format!("/usr/bin/{id}")),
            interpreter: None,
        }
    }

    fn args(inv: &Invocation) -> Vec<String> {
        inv.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn curl_and_git_are_pinned_with_their_own_options_and_bypass_proxies() {
        let dir = Path::new("/tmp/x");
        let t = Duration::from_secs(3);
        let curl = invocation(&client("curl"), &to(Some("::1")), dir, t).unwrap();
        let a = args(&curl);
        assert!(a.contains(&"app.test:8443:[::1]".to_string()), "{a:?}");
        assert!(a.contains(&"https://app.test:8443/x".to_string()), "{a:?}");
        assert!(curl.remove.contains(&"HTTPS_PROXY"));
        let git = invocation(&client("git"), &to(Some("127.0.0.1")), dir, t).unwrap();
        let a = args(&git);
        assert!(
            a.contains(&"http.curloptResolve=app.test:8443:127.0.0.1".to_string()),
            "{a:?}"
        );
        assert!(a.contains(&"credential.helper=".to_string()), "{a:?}");
        assert!(git.set.contains(&("GIT_TERMINAL_PROMPT", "0".into())));
        // Through a proxy: no pin, and the client keeps its proxy settings.
        let via_proxy = invocation(&client("curl"), &to(None), dir, t).unwrap();
        assert!(!args(&via_proxy).iter().any(|a| a == "--resolve"));
        assert!(via_proxy.remove.is_empty());
    }

    #[test]
    fn java_gets_a_hosts_file_and_unknown_clients_a_reason() {
        let dir = Path::new("/tmp/x");
        let t = Duration::from_secs(3);
        let java = invocation(&client("java"), &to(Some("127.0.0.1")), dir, t).unwrap();
        assert!(java
            .files
            .contains(&("hosts", "127.0.0.1 app.test\n".into())));
        assert!(args(&java).contains(&"-Djdk.net.hosts.file=/tmp/x/hosts".to_string()));
        let why = invocation(&client("npm"), &to(None), dir, t).unwrap_err();
        assert!(why.contains("npm"), "{why}");
    }

    #[test]
    fn script_lines_become_outcomes() {
        let line = r#"TLSDOCTOR {"outcome": "fails", "error": "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)"}"#;
        let (o, e) = observed(classify(Reader::Line, Some(0), line, ""));
        assert_eq!(o, ObservedOutcome::Fails);
        assert!(e.unwrap().starts_with("[SSL: CERTIFICATE_VERIFY_FAILED]"));
        let missing = r#"TLSDOCTOR {"outcome": "missing", "error": "No module named 'httpx'"}"#;
        assert!(
            matches!(classify(Reader::Line, Some(0), missing, ""), Classified::NotRun(w) if w.contains("httpx"))
        );
        // No line at all: an error, with what the client said.
        let (o, e) = observed(classify(
            Reader::Line,
            Some(1),
            "",
            "Traceback (most recent call last):\n",
        ));
        assert_eq!(o, ObservedOutcome::Error);
        assert_eq!(e.as_deref(), Some("Traceback (most recent call last):"));
    }

    #[test]
    fn curl_exit_codes() {
        let e = "curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details";
        assert_eq!(
            observed(classify_curl(Some(60), e)).0,
            ObservedOutcome::Fails
        );
        assert_eq!(
            observed(classify_curl(Some(60), e)).1.as_deref(),
            Some("curl: (60) SSL certificate problem: unable to get local issuer certificate")
        );
        assert_eq!(
            observed(classify_curl(Some(0), "")).0,
            ObservedOutcome::Trusts
        );
        assert_eq!(
            observed(classify_curl(Some(28), "")).0,
            ObservedOutcome::Timeout
        );
        assert_eq!(
            observed(classify_curl(Some(6), "curl: (6) Could not resolve host")).0,
            ObservedOutcome::Error
        );
        assert_eq!(
            observed(classify_curl(Some(35), "curl: (35) alert")).0,
            ObservedOutcome::Error
        );
    }

    #[test]
    fn git_messages() {
        let gnutls = "fatal: unable to access 'https://app.test:8443/': server certificate verification failed. CAfile: /etc/ssl/certs/ca-certificates.crt CRLfile: none";
        assert_eq!(
            observed(classify_git(Some(128), gnutls)).0,
            ObservedOutcome::Fails
        );
        let not_found = "fatal: repository 'https://app.test:8443/' not found";
        assert_eq!(
            observed(classify_git(Some(128), not_found)),
            (ObservedOutcome::Trusts, None)
        );
        let status =
            "fatal: unable to access 'https://app.test/': The requested URL returned error: 500";
        assert_eq!(
            observed(classify_git(Some(128), status)).0,
            ObservedOutcome::Trusts
        );
        let prompt =
            "fatal: could not read Username for 'https://app.test': terminal prompts disabled";
        assert_eq!(
            observed(classify_git(Some(128), prompt)).0,
            ObservedOutcome::Trusts
        );
        let dns = "fatal: unable to access 'https://app.test/': Could not resolve host: app.test";
        assert_eq!(
            observed(classify_git(Some(128), dns)).0,
            ObservedOutcome::Error
        );
        assert_eq!(observed(classify_git(None, "")).0, ObservedOutcome::Timeout);
    }

    #[test]
    fn pip_output() {
        let fails = "WARNING: Could not fetch URL https://app.test:8443/simple/x/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='app.test', port=8443): Max retries exceeded with url: /simple/x/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))) - skipping\nERROR: Could not find a version that satisfies the requirement x";
        let (o, e) = observed(classify_pip("", fails));
        assert_eq!(o, ObservedOutcome::Fails);
        assert_eq!(
            e.as_deref(),
            Some("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)")
        );
        let not_found = "ERROR: Could not find a version that satisfies the requirement x (from versions: none)";
        assert_eq!(
            observed(classify_pip("", not_found)),
            (ObservedOutcome::Trusts, None)
        );
        let refused = "WARNING: Could not fetch URL https://app.test/simple/x/: connection error: HTTPSConnectionPool(host='app.test', port=443): Max retries exceeded (Caused by NewConnectionError('Connection refused')) - skipping";
        assert_eq!(
            observed(classify_pip("", refused)).0,
            ObservedOutcome::Error
        );
        assert!(matches!(
            classify_pip("", "/usr/bin/python3: No module named pip"),
            Classified::NotRun(_)
        ));
        let crash = "ERROR: Exception:\nTraceback (most recent call last):\n  File \"x\"\nRecursionError: maximum recursion depth exceeded\nTLSDOCTOR-PIP-EXIT 2";
        assert_eq!(
            observed(classify_pip("", crash)),
            (
                ObservedOutcome::Error,
                Some("RecursionError: maximum recursion depth exceeded".into())
            )
        );
    }

    #[test]
    fn error_lines_are_printable_and_bounded() {
        assert_eq!(
            first_line("\n  \x1b[31mbad\x07  \nsecond").as_deref(),
            Some("?[31mbad?")
        );
        assert_eq!(first_line(&"x".repeat(1000)).unwrap().len(), 300);
        assert_eq!(first_line("  \n "), None);
    }
}
