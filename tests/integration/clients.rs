//! Your tools: discovery of the clients on a hermetic fake machine (a real
//! venv made by `python3 -m venv`, package metadata written as pip writes
//! it, a fake HOME with config files, PATH holding only what the test puts
//! there) and the per-client predictions `check` makes from them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

/// A machine built by the test: HOME, a bin directory, a working directory,
/// and every variable the run sees.
struct Machine {
    scratch: Scratch,
    vars: Vec<(String, String)>,
    path: Vec<PathBuf>,
}

impl Machine {
    fn new() -> Machine {
        let scratch = Scratch::new();
        for d in ["home", "bin", "work", "empty-dir"] {
            std::fs::create_dir_all(scratch.path().join(d)).unwrap();
        }
        let bin = scratch.path().join("bin");
        let mut m = Machine {
            vars: Vec::new(),
            path: vec![bin],
            scratch,
        };
        // The "OS store" clients read: an empty file and directory unless a
        // test says otherwise.
        let empty = m.scratch.write("os-empty.pem", "");
        m.set("SSL_CERT_FILE", empty.to_str().unwrap());
        let dir = m.dir("empty-dir");
        m.set("SSL_CERT_DIR", dir.to_str().unwrap());
        m
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    fn set(&mut self, name: &str, value: &str) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_string(), value.to_string()));
    }

    fn unset(&mut self, name: &str) {
        self.vars.retain(|(n, _)| n != name);
    }

    fn pem(&self, name: &str, certs: &[&Cert]) -> PathBuf {
        self.scratch.pem_file(name, certs)
    }

    /// A real venv (`python3 -m venv --without-pip`) with `packages`
    /// installed as metadata, and certifi's bundle holding `certifi`.
    fn venv(&mut self, name: &str, packages: &[(&str, &str)], certifi: &[&Cert]) -> PathBuf {
        let dir = self.dir(name);
        let status = std::process::Command::new(tool("python3"))
            .args(["-m", "venv", "--without-pip"])
            .arg(&dir)
            .status()
            .expect("run python3 -m venv");
        assert!(status.success(), "python3 -m venv failed");
        let site = site_packages(&dir);
        for (package, version) in packages {
            let info = site.join(format!("{package}-{version}.dist-info"));
            std::fs::create_dir_all(&info).unwrap();
            std::fs::write(
                info.join("METADATA"),
                format!("Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n"),
            )
            .unwrap();
            std::fs::create_dir_all(site.join(package)).unwrap();
        }
        if packages.iter().any(|(p, _)| *p == "certifi") {
            std::fs::write(site.join("certifi/cacert.pem"), pem_bundle(certifi)).unwrap();
        }
        dir
    }

    /// An executable named `name` on PATH (never run by discovery).
    fn fake_exe(&self, name: &str) -> PathBuf {
        let path = self.dir("bin").join(name);
        std::fs::write(&path, "#!/bin/sh\nexit 1\n").unwrap();
        make_executable(&path);
        path
    }

    fn prepend_path(&mut self, dir: PathBuf) {
        self.path.insert(0, dir);
    }

    /// `check` with exactly this machine's environment.
    fn check(&self, check: &Check) -> JsonRun {
        let mut cmd = check.command();
        cmd.env_clear();
        cmd.env("NO_COLOR", "1");
        cmd.env("HOME", self.dir("home"));
        cmd.env("PATH", std::env::join_paths(&self.path).unwrap());
        for (n, v) in &self.vars {
            cmd.env(n, v);
        }
        cmd.current_dir(self.dir("work"));
        cmd.args(["--format", "json"]);
        JsonRun::from_output(run(cmd))
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let py = std::fs::read_dir(&lib)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("lib/pythonX.Y in the venv");
    py.path().join("site-packages")
}

/// The one client `id` in a target's `clients`.
fn client<'a>(target: &'a Value, id: &str) -> &'a Value {
    let all = target["clients"].as_array().expect("clients array");
    let found: Vec<&Value> = all.iter().filter(|c| c["client"] == id).collect();
    assert_eq!(found.len(), 1, "exactly one {id} in {all:#?}");
    found[0]
}

/// A server for `api.example.com` under a fresh root: (server, root, leaf).
fn server() -> (TlsServer, Cert, Cert) {
    let root = root_ca("Clients Test Root", "Clients Test");
    let leaf = leaf(&["api.example.com"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    (server, root, leaf)
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn venv_libraries_follow_their_own_trust_sources() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    // certifi holds the root; the "OS store" (SSL_CERT_FILE) does not.
    let venv = m.venv(
        "venv",
        &[
            ("requests", "2.32.3"),
            ("httpx", "0.28.1"),
            ("certifi", "2026.1.1"),
            ("urllib3", "2.2.3"),
        ],
        &[&root],
    );
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    let run = m.check(
        &Check::new("api.example.com", srv.port())
            .bundled(&[&root])
            .os(&[&root]),
    );
    let t = &run.target;
    assert_eq!(t["verdict"], "clean", "{}", run.stderr);
    let requests = client(t, "python-requests");
    assert_eq!(requests["outcome"], "trusts", "{requests:#}");
    assert_eq!(requests["version"], "2.32.3");
    assert!(
        requests["trust_source"]
            .as_str()
            .unwrap()
            .starts_with("certifi ("),
        "{requests:#}"
    );
    assert!(requests["observed"].is_null());
    // httpx 0.28 takes SSL_CERT_FILE first: the empty "OS" file here.
    let httpx = client(t, "python-httpx");
    assert_eq!(httpx["outcome"], "fails", "{httpx:#}");
    assert!(httpx["trust_source"]
        .as_str()
        .unwrap()
        .starts_with("SSL_CERT_FILE="));
    assert!(httpx["error"]
        .as_str()
        .unwrap()
        .contains("CERTIFICATE_VERIFY_FAILED"));
    // ssl/urllib read OpenSSL's default paths: the same empty file.
    let python = client(t, "python");
    assert_eq!(python["outcome"], "fails", "{python:#}");
    // A clean target with failing clients: warnings, and exit 0 unless asked.
    assert_eq!(run.code, 0);
    let warnings: Vec<&Value> = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "client_fails")
        .collect();
    assert_eq!(warnings.len(), 2, "{:#}", t["findings"]);
    let env_clients = run.report["environment"]["clients"].as_array().unwrap();
    assert!(env_clients.iter().any(|c| c["client"] == "python-httpx"));
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn require_clients_exits_1_when_a_client_fails_on_a_clean_target() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    let venv = m.venv("venv", &[("httpx", "0.28.1"), ("certifi", "2026.1.1")], &[]);
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    let check = Check::new("api.example.com", srv.port()).trust(&[&root]);
    assert_eq!(m.check(&check).code, 0);
    let run = m.check(&check.arg("--require-clients"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.target["verdict"], "clean");
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn truststore_installed_but_not_injected_then_injected() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    // The OS store holds the root (through SSL_CERT_FILE, as OpenSSL reads
    // it); certifi does not; httpx must fall through to certifi.
    let os = m.pem("os.pem", &[&root]);
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    let venv = m.venv(
        "venv",
        &[
            ("httpx", "0.28.1"),
            ("certifi", "2026.1.1"),
            ("truststore", "0.10.1"),
        ],
        &[],
    );
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    m.set("SSL_CERT_FILE", "");
    let check = Check::new("api.example.com", srv.port()).trust(&[&root]);
    // SSL_CERT_FILE="" and no SSL_CERT_DIR: httpx falls through to certifi,
    // which lacks the root.
    m.unset("SSL_CERT_DIR");
    let run = m.check(&check);
    let httpx = client(&run.target, "python-httpx");
    assert_eq!(httpx["outcome"], "fails", "{httpx:#}");
    assert!(
        httpx["trust_source"]
            .as_str()
            .unwrap()
            .starts_with("certifi ("),
        "{httpx:#}"
    );
    let notes = httpx["notes"].to_string();
    assert!(notes.contains("httpx treats it as unset"), "{notes}");
    let remedies = httpx["remedies"].to_string();
    assert!(
        remedies.contains("truststore is installed but never injected"),
        "{remedies}"
    );
    assert!(remedies.contains("sitecustomize.py"), "{remedies}");

    // Inject it: OpenSSL's default paths (SSL_CERT_FILE back on the OS file).
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    std::fs::write(
        site_packages(&venv).join("sitecustomize.py"),
        "import truststore\ntruststore.inject_into_ssl()\n",
    )
    .unwrap();
    let run = m.check(&check);
    let httpx = client(&run.target, "python-httpx");
    assert_eq!(httpx["outcome"], "trusts", "{httpx:#}");
    assert!(
        httpx["trust_source"]
            .as_str()
            .unwrap()
            .contains("truststore (injected by"),
        "{httpx:#}"
    );
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn a_variable_pointing_at_a_file_without_the_root_is_named_not_repeated() {
    let (srv, root, _) = server();
    let other = root_ca("Some Other Root", "Other");
    let mut m = Machine::new();
    let venv = m.venv(
        "venv",
        &[("requests", "2.32.3"), ("certifi", "2026.1.1")],
        &[],
    );
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    let stale = m.pem("stale.pem", &[&other]);
    let good = m.pem("good.pem", &[&root]);
    m.set("REQUESTS_CA_BUNDLE", stale.to_str().unwrap());
    m.set("SSL_CERT_FILE", good.to_str().unwrap());
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let requests = client(&run.target, "python-requests");
    assert_eq!(requests["outcome"], "fails");
    let remedy = &requests["remedies"][0];
    let action = remedy["action"].as_str().unwrap();
    assert!(
        action.contains(&format!("REQUESTS_CA_BUNDLE is set to {}", stale.display())),
        "{action}"
    );
    assert_eq!(
        remedy["commands"][0],
        format!("export REQUESTS_CA_BUNDLE={}", good.display())
    );
    // Now pointing at the good file: shown as working, nothing prescribed.
    m.set("REQUESTS_CA_BUNDLE", good.to_str().unwrap());
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let requests = client(&run.target, "python-requests");
    assert_eq!(requests["outcome"], "trusts");
    assert_eq!(
        requests["trust_source"],
        format!("REQUESTS_CA_BUNDLE={}", good.display())
    );
    assert!(requests.get("remedies").is_none());
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn aws_ca_bundle_dev_null_is_named_for_what_it_is() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    let venv = m.venv(
        "venv",
        &[("boto3", "1.35.0"), ("certifi", "2026.1.1")],
        &[&root],
    );
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    m.set("AWS_CA_BUNDLE", "/dev/null");
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let aws = client(&run.target, "aws");
    assert_eq!(aws["outcome"], "fails", "{aws:#}");
    assert!(
        aws["notes"]
            .to_string()
            .contains("does not switch verification off"),
        "{aws:#}"
    );
}

#[test]
fn engines_differ_on_an_expired_root() {
    // Expired root, valid leaf: webpki (tlsdoctor's rows, uv) accepts it;
    // OpenSSL (curl) and Go reject it.
    let root = CertSpec::ca("Expired Root")
        .validity(date(2015, 1, 1), date(2020, 1, 1))
        .self_signed();
    let leaf = leaf(&["api.example.com"], &root);
    let srv = TlsServer::start(&[&leaf], &leaf);
    let mut m = Machine::new();
    let os = m.pem("os.pem", &[&root]);
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    // curl reads SSL_CERT_DIR and then ignores SSL_CERT_FILE: not here.
    m.unset("SSL_CERT_DIR");
    m.set("UV_SYSTEM_CERTS", "1");
    for exe in ["curl", "uv", "go"] {
        m.fake_exe(exe);
    }
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let t = &run.target;
    let curl = client(t, "curl");
    assert_eq!(curl["outcome"], "fails", "{curl:#}");
    assert_eq!(
        curl["error"],
        "curl: (60) SSL certificate problem: certificate has expired"
    );
    assert_eq!(client(t, "uv")["outcome"], "trusts");
    assert_eq!(client(t, "go")["outcome"], "fails");
}

#[test]
fn openssl_accepts_a_ca_true_server_certificate_that_is_in_its_store() {
    let cert = self_signed_openssl_style("api.example.com");
    let srv = TlsServer::start(&[&cert], &cert);
    let mut m = Machine::new();
    let os = m.pem("os.pem", &[&cert]);
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    m.unset("SSL_CERT_DIR");
    m.set("UV_SYSTEM_CERTS", "1");
    m.fake_exe("curl");
    m.fake_exe("uv");
    let run = m.check(&Check::new("api.example.com", srv.port()).os(&[&cert]));
    let t = &run.target;
    assert_eq!(client(t, "curl")["outcome"], "trusts", "{:#}", t["clients"]);
    let uv = client(t, "uv");
    assert_eq!(uv["outcome"], "fails", "{uv:#}");
}

#[test]
fn git_per_url_ca_info_applies_to_that_url_only() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    m.fake_exe("git");
    let ca = m.pem("git-ca.pem", &[&root]);
    std::fs::write(
        m.dir("home").join(".gitconfig"),
        format!(
            "[http \"https://api.example.com:{}/\"]\n\tsslCAInfo = {}\n",
            srv.port(),
            ca.display()
        ),
    )
    .unwrap();
    m.set("GIT_CONFIG_NOSYSTEM", "1");
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let git = client(&run.target, "git");
    assert_eq!(git["outcome"], "trusts", "{git:#}");
    assert_eq!(
        git["trust_source"],
        format!("http.sslCAInfo={}", ca.display())
    );
}

#[test]
fn node_reads_node_extra_ca_certs_and_its_version_decides_use_system_ca() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    // A Node layout as its tarball installs it: bin/node, include/node/node_version.h.
    let prefix = m.dir("node-v22.20.0");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::create_dir_all(prefix.join("include/node")).unwrap();
    std::fs::write(
        prefix.join("include/node/node_version.h"),
        "#define NODE_MAJOR_VERSION 22\n#define NODE_MINOR_VERSION 20\n#define NODE_PATCH_VERSION 0\n",
    )
    .unwrap();
    let node = prefix.join("bin/node");
    std::fs::write(&node, "").unwrap();
    make_executable(&node);
    m.prepend_path(prefix.join("bin"));
    // The bundled store stands for Node's built-in roots: not this root.
    let check = Check::new("api.example.com", srv.port()).os(&[&root]);
    let run = m.check(&check);
    let n = client(&run.target, "node");
    assert_eq!(n["version"], "22.20.0");
    assert_eq!(n["outcome"], "fails", "{n:#}");
    // Only the leaf is sent: Node reports OpenSSL's last error, 21.
    assert_eq!(n["error"], "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    assert!(
        n["remedies"].to_string().contains("--use-system-ca"),
        "{n:#}"
    );
    // The OS store holds the root and Node 22.20 honours --use-system-ca.
    let os = m.pem("os.pem", &[&root]);
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    m.set("NODE_OPTIONS", "--use-system-ca");
    let n = client(&m.check(&check).target, "node").clone();
    assert_eq!(n["outcome"], "trusts", "{n:#}");
    // NODE_EXTRA_CA_CERTS alone also works.
    m.unset("NODE_OPTIONS");
    m.set("NODE_EXTRA_CA_CERTS", os.to_str().unwrap());
    let n = client(&m.check(&check).target, "node").clone();
    assert_eq!(n["outcome"], "trusts", "{n:#}");
    assert!(n["trust_source"]
        .as_str()
        .unwrap()
        .ends_with(&format!("NODE_EXTRA_CA_CERTS={}", os.display())));
}

#[test]
fn pyenv_shims_resolve_to_the_selected_version_only() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    let pyenv = m.dir("home").join(".pyenv");
    let v = pyenv.join("versions/3.12.4");
    let site = v.join("lib/python3.12/site-packages");
    std::fs::create_dir_all(v.join("bin")).unwrap();
    std::fs::create_dir_all(site.join("httpx-0.28.1.dist-info")).unwrap();
    std::fs::create_dir_all(site.join("certifi-2026.1.1.dist-info")).unwrap();
    std::fs::create_dir_all(site.join("certifi")).unwrap();
    std::fs::write(site.join("certifi/cacert.pem"), pem_bundle(&[&root])).unwrap();
    let python = v.join("bin/python3.12");
    std::fs::write(&python, "").unwrap();
    make_executable(&python);
    std::os::unix::fs::symlink("python3.12", v.join("bin/python3")).unwrap();
    // Another version, not selected, has uv; its shim runs nothing.
    let other = pyenv.join("versions/3.11.9/bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("uv"), "").unwrap();
    make_executable(&other.join("uv"));
    let shims = pyenv.join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    for shim in ["python3", "uv"] {
        std::fs::write(
            shims.join(shim),
            "#!/bin/sh\nexec pyenv exec \"$0\" \"$@\"\n",
        )
        .unwrap();
        make_executable(&shims.join(shim));
    }
    std::fs::write(m.dir("work").join(".python-version"), "3.12\n").unwrap();
    m.prepend_path(shims);
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    let t = &run.target;
    let httpx = client(t, "python-httpx");
    assert_eq!(
        httpx["interpreter"],
        python.parent().unwrap().join("python3").to_str().unwrap()
    );
    let py = client(t, "python");
    assert_eq!(py["version"], "3.12.4");
    assert!(
        !t["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["client"] == "uv"),
        "{:#}",
        t["clients"]
    );
}

#[test]
fn python_option_rejects_what_is_not_an_interpreter_or_venv() {
    let s = Scratch::new();
    let file = s.write("notes.txt", "hello");
    for bad in [file, s.path().to_path_buf(), s.path().join("missing")] {
        let mut cmd = tlsdoctor();
        cmd.args(["check", "localhost:1", "--python"]).arg(&bad);
        let out = run(cmd);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("--python"), "{}", out.stderr);
    }
}

/// A venv laid out by hand as `python3.13 -m venv` lays it out (discovery
/// reads files only; nothing runs it), with httpx and certifi holding `certifi`.
fn hand_venv(m: &Machine, name: &str, version: &str, certifi: &[&Cert]) -> PathBuf {
    let dir = m.dir(name);
    let xy: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let site = dir.join(format!("lib/python{xy}/site-packages"));
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(site.join("certifi")).unwrap();
    std::fs::create_dir_all(site.join("httpx-0.28.1.dist-info")).unwrap();
    std::fs::create_dir_all(site.join("certifi-2026.1.1.dist-info")).unwrap();
    std::fs::write(site.join("certifi/cacert.pem"), pem_bundle(certifi)).unwrap();
    std::fs::write(
        dir.join("pyvenv.cfg"),
        format!("home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("bin/python3"), "").unwrap();
    make_executable(&dir.join("bin/python3"));
    dir
}

#[test]
fn python_3_13_strict_profile_fails_where_3_11_trusts() {
    // A root without keyUsage: Python 3.13's VERIFY_X509_STRICT rejects
    // it, 3.11 (and webpki) do not.
    let root = CertSpec::ca("Strict-Breaking Root")
        .without_key_usage()
        .self_signed();
    let leaf = leaf(&["api.example.com"], &root);
    let srv = TlsServer::start(&[&leaf], &leaf);
    let mut m = Machine::new();
    // httpx would take SSL_CERT_FILE/SSL_CERT_DIR first: certifi here.
    m.unset("SSL_CERT_FILE");
    m.unset("SSL_CERT_DIR");
    let v311 = hand_venv(&m, "v311", "3.11.9", &[&root]);
    let v313 = hand_venv(&m, "v313", "3.13.1", &[&root]);
    let run = m.check(
        &Check::new("api.example.com", srv.port())
            .trust(&[&root])
            .arg("--python")
            .arg(&v311)
            .arg("--python")
            .arg(&v313),
    );
    let httpx: Vec<&Value> = run.target["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["client"] == "python-httpx")
        .collect();
    assert_eq!(httpx.len(), 2, "{:#}", run.target["clients"]);
    let by = |v: &Path| {
        *httpx
            .iter()
            .find(|c| c["interpreter"] == v.join("bin/python3").to_str().unwrap())
            .unwrap()
    };
    assert_eq!(by(&v311)["outcome"], "trusts", "{:#}", by(&v311));
    let strict = by(&v313);
    assert_eq!(strict["outcome"], "fails", "{strict:#}");
    assert!(
        strict["reason"].as_str().unwrap().contains("strict"),
        "{strict:#}"
    );
    // On Linux truststore keeps the strict profile: the fix says so.
    if cfg!(target_os = "linux") {
        let remedies = strict["remedies"].to_string();
        assert!(
            remedies.contains("On Linux truststore is OpenSSL too"),
            "{remedies}"
        );
    }
}

#[test]
fn an_intermediate_as_anchor_works_for_python_3_13_not_3_11_or_curl() {
    let root = root_ca("Partial Root", "Partial");
    let inter = intermediate_ca("Partial Intermediate", &root);
    let leaf = leaf(&["api.example.com"], &inter);
    let srv = TlsServer::start(&[&leaf, &inter], &leaf);
    let mut m = Machine::new();
    // Only the intermediate is installed, as an anchor.
    let os = m.pem("os.pem", &[&inter]);
    m.set("SSL_CERT_FILE", os.to_str().unwrap());
    m.unset("SSL_CERT_DIR");
    m.fake_exe("curl");
    let v311 = hand_venv(&m, "v311", "3.11.9", &[]);
    let v313 = hand_venv(&m, "v313", "3.13.1", &[]);
    let run = m.check(
        &Check::new("api.example.com", srv.port())
            .os(&[&inter])
            .arg("--python")
            .arg(&v311)
            .arg("--python")
            .arg(&v313),
    );
    let clients = run.target["clients"].as_array().unwrap();
    let python = |v: &Path| {
        clients
            .iter()
            .find(|c| {
                c["client"] == "python"
                    && c["interpreter"] == v.join("bin/python3").to_str().unwrap()
            })
            .unwrap()
    };
    assert_eq!(python(&v313)["outcome"], "trusts", "{:#}", python(&v313));
    let old = python(&v311);
    assert_eq!(old["outcome"], "fails", "{old:#}");
    assert_eq!(
        old["error"],
        "CERTIFICATE_VERIFY_FAILED: unable to get issuer certificate"
    );
    assert_eq!(client(&run.target, "curl")["outcome"], "fails");
}

#[test]
fn env_lists_the_clients_with_their_trust_sources() {
    let mut m = Machine::new();
    m.fake_exe("curl");
    m.fake_exe("uv");
    let bundle = m.pem("corp.pem", &[unrelated_root()]);
    m.set("CURL_CA_BUNDLE", bundle.to_str().unwrap());
    // uv would take SSL_CERT_FILE: unset, it keeps its own roots.
    m.unset("SSL_CERT_FILE");
    let mut cmd = tlsdoctor();
    cmd.env_clear();
    cmd.env("HOME", m.dir("home"));
    cmd.env("PATH", std::env::join_paths(&m.path).unwrap());
    for (n, v) in &m.vars {
        cmd.env(n, v);
    }
    cmd.current_dir(m.dir("work"));
    cmd.args(["env", "--format", "json"]);
    let out = run(cmd);
    let json: Value = serde_json::from_str(&out.stdout).expect("env JSON");
    let clients = json["clients"].as_array().expect("clients");
    let curl = clients
        .iter()
        .find(|c| c["client"] == "curl")
        .expect("curl listed");
    assert_eq!(
        curl["trust_source"],
        format!("CURL_CA_BUNDLE={}", bundle.display())
    );
    let uv = clients
        .iter()
        .find(|c| c["client"] == "uv")
        .expect("uv listed");
    assert_eq!(
        uv["trust_source"],
        "uv's built-in Mozilla roots (webpki-roots)"
    );
    assert_eq!(clients.len(), 2, "{clients:#?}");
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (to make a real venv)")]
fn where_every_tool_already_trusts_the_root_nothing_is_reported_failing_or_prescribed() {
    // The machine: egress re-signed by a root in the OS store, and
    // every tool's variable already pointing at a bundle that holds it.
    let root = root_ca("Corp Egress Root", "Corp");
    let inter = intermediate_ca("Corp Egress Issuing CA", &root);
    let leaf = leaf(&["api.example.com"], &inter);
    let srv = TlsServer::start(&[&leaf, &inter], &leaf);
    let mut m = Machine::new();
    let bundle = m.pem("corp-bundle.pem", &[&root]);
    let b = bundle.to_str().unwrap().to_string();
    for var in [
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "AWS_CA_BUNDLE",
        "PIP_CERT",
        "GIT_SSL_CAINFO",
        "CURL_CA_BUNDLE",
    ] {
        m.set(var, &b);
    }
    m.unset("SSL_CERT_DIR");
    let venv = m.venv(
        "venv",
        &[
            ("requests", "2.32.3"),
            ("httpx", "0.28.1"),
            ("pip", "23.2.1"),
            ("boto3", "1.35.0"),
            ("certifi", "2026.1.1"),
        ],
        &[],
    );
    m.set("VIRTUAL_ENV", venv.to_str().unwrap());
    for exe in ["node", "npm", "curl", "git"] {
        m.fake_exe(exe);
    }
    let run = m.check(&Check::new("api.example.com", srv.port()).os(&[&root]));
    let t = &run.target;
    assert_eq!(t["verdict"], "corporate_interception", "{}", run.stderr);
    let clients = t["clients"].as_array().unwrap();
    assert!(clients.len() >= 9, "{clients:#?}");
    for c in clients {
        assert_eq!(c["outcome"], "trusts", "{c:#}");
    }
    // No remedy repeats a variable already set.
    for f in t["findings"].as_array().unwrap() {
        for r in f["remedies"].as_array().into_iter().flatten() {
            if r["avoid"] == true {
                continue;
            }
            for cmd in r["commands"].as_array().into_iter().flatten() {
                let cmd = cmd.as_str().unwrap();
                for (var, _) in &m.vars {
                    assert!(
                        !cmd.starts_with(&format!("export {var}=")),
                        "prescribes {var} again: {r:#}"
                    );
                }
            }
            assert_ne!(r["ecosystem"], "Python (requests, httpx, pip)", "{r:#}");
        }
        // No sentence names a client as failing when every client here trusts.
        let said = format!("{} {}", f["summary"], f["detail"]);
        assert!(!said.contains("fail with"), "{said}");
        assert!(!said.contains("CERTIFICATE_VERIFY_FAILED"), "{said}");
    }
}

#[test]
fn a_fifo_as_config_or_bundle_is_unknown_not_a_hang() {
    let (srv, root, _) = server();
    let mut m = Machine::new();
    m.fake_exe("git");
    m.fake_exe("curl");
    let fifo = m.dir("home").join(".gitconfig");
    let bundle_fifo = m.dir("bundle.fifo");
    for f in [&fifo, &bundle_fifo] {
        let status = std::process::Command::new("mkfifo")
            .arg(f)
            .status()
            .unwrap();
        assert!(status.success());
    }
    m.set("CURL_CA_BUNDLE", bundle_fifo.to_str().unwrap());
    m.set("GIT_CONFIG_NOSYSTEM", "1");
    let start = std::time::Instant::now();
    let run = m.check(&Check::new("api.example.com", srv.port()).trust(&[&root]));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let curl = client(&run.target, "curl");
    assert_eq!(curl["outcome"], "fails", "{curl:#}");
    assert!(
        curl["reason"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{curl:#}"
    );
    assert_eq!(client(&run.target, "git")["client"], "git");
}

#[test]
fn without_os_roots_the_platform_bundle_is_read_once_through_the_os_store() {
    // No --os-roots and no SSL_CERT_FILE/SSL_CERT_DIR: curl's bundle is the
    // platform's, which the OS store loads anyway; a test root is not in it.
    let (srv, root, _) = server();
    let mut m = Machine::new();
    m.unset("SSL_CERT_FILE");
    m.unset("SSL_CERT_DIR");
    m.fake_exe("curl");
    let bundled = m.pem("bundled.pem", &[&root]);
    let mut cmd = tlsdoctor();
    cmd.env_clear();
    cmd.env("HOME", m.dir("home"));
    cmd.env("PATH", std::env::join_paths(&m.path).unwrap());
    cmd.current_dir(m.dir("work"));
    cmd.args(["check", &format!("api.example.com:{}", srv.port())]);
    cmd.args([
        "--resolve",
        &format!("api.example.com:{}:127.0.0.1", srv.port()),
    ]);
    cmd.arg("--bundled-roots").arg(&bundled);
    cmd.args(["--no-http", "--format", "json"]);
    let run = JsonRun::from_output(run(cmd));
    let curl = client(&run.target, "curl");
    if Path::new("/etc/ssl/certs/ca-certificates.crt").is_file() {
        assert_eq!(curl["outcome"], "fails", "{curl:#}");
        assert_eq!(
            curl["trust_source"],
            "OS store (curl's built-in bundle path)"
        );
    }
}

#[test]
fn remedies_are_for_the_tools_found_here_only() {
    // Egress re-signed by a root in the OS store (tlsdoctor's `os` row) that
    // curl's own files lack, and only curl on PATH: the fix names curl, and
    // no tool that is not here (Go, Docker, Java, Node…).
    let (srv, root, _) = server();
    let ecosystems = |run: &JsonRun| -> Vec<String> {
        let mut out: Vec<String> = run.target["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .flat_map(|f| f["remedies"].as_array().cloned().unwrap_or_default())
            .filter(|r| r["avoid"] != true)
            .map(|r| r["ecosystem"].as_str().unwrap().to_string())
            .collect();
        out.dedup();
        out
    };
    let m = Machine::new();
    let nothing_found = m.check(&Check::new("api.example.com", srv.port()).os(&[&root]));
    let generic = ecosystems(&nothing_found);
    // Without any client found, nothing is known: the generic advice stays.
    for e in ["Go", "Docker / containers", "Java", "curl"] {
        assert!(generic.iter().any(|g| g == e), "{e} in {generic:?}");
    }
    m.fake_exe("curl");
    let run = m.check(&Check::new("api.example.com", srv.port()).os(&[&root]));
    assert_eq!(client(&run.target, "curl")["outcome"], "fails");
    let fitted = ecosystems(&run);
    assert!(fitted.iter().any(|e| e == "curl"), "{fitted:?}");
    for e in [
        "Go",
        "Docker / containers",
        "Java",
        "Node.js (npm)",
        "git",
        "AWS CLI / boto3",
        "Rust (reqwest, cargo)",
        "Python (requests, httpx, pip)",
    ] {
        assert!(!fitted.iter().any(|f| f == e), "{e} in {fitted:?}");
    }
}

/// `tlsdoctor env --format json` with exactly this machine's environment.
fn env_json(m: &Machine) -> Value {
    let mut cmd = tlsdoctor();
    cmd.env_clear();
    cmd.env("HOME", m.dir("home"));
    cmd.env("PATH", std::env::join_paths(&m.path).unwrap());
    for (n, v) in &m.vars {
        cmd.env(n, v);
    }
    cmd.current_dir(m.dir("work"));
    cmd.args(["env", "--format", "json"]);
    let out = run(cmd);
    serde_json::from_str(&out.stdout).expect("env JSON")
}

#[test]
#[cfg_attr(not(tool_curl), ignore = "needs curl")]
fn curl_s_tls_library_is_read_from_the_libraries_it_links() {
    // The real curl, by a symlink on PATH: the TLS library discovery reads
    // from its files is the one the dynamic loader (ldd) resolves.
    let m = Machine::new();
    let real = std::fs::canonicalize(tool("curl")).unwrap();
    std::os::unix::fs::symlink(&real, m.dir("bin").join("curl")).unwrap();
    let json = env_json(&m);
    let curl = &json["clients"][0];
    assert_eq!(curl["client"], "curl", "{json:#}");
    let library = curl["settings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["key"] == "tls-library")
        .unwrap_or_else(|| panic!("no tls-library in {curl:#}"));
    let ldd = std::process::Command::new("ldd")
        .arg(&real)
        .output()
        .unwrap();
    let ldd = String::from_utf8_lossy(&ldd.stdout);
    let expected = if ldd.contains("libcurl-gnutls.so") {
        "gnutls"
    } else if ldd.contains("libssl.so") {
        "openssl"
    } else {
        panic!("curl links neither OpenSSL nor GnuTLS here: {ldd}");
    };
    assert_eq!(library["value"], expected, "{ldd}");
    let notes = curl["notes"].to_string();
    assert!(!notes.contains("TLS library"), "{notes}");

    // A curl that is not a binary tlsdoctor can read: said, and OpenSSL's
    // rules are assumed.
    let m = Machine::new();
    m.fake_exe("curl");
    let json = env_json(&m);
    let notes = json["clients"][0]["notes"].to_string();
    assert!(notes.contains("curl's TLS library"), "{notes}");
    assert!(notes.contains("OpenSSL's rules are assumed"), "{notes}");
}

#[test]
#[cfg_attr(not(tool_git), ignore = "needs git")]
fn git_s_tls_library_is_read_from_debian_s_lib_git_core_too() {
    // Debian and Ubuntu keep git's HTTPS helper in PREFIX/lib/git-core, not
    // PREFIX/libexec/git-core: the real helper, laid out that way.
    let real = std::fs::canonicalize(tool("git")).unwrap();
    let prefix = real.parent().and_then(Path::parent).unwrap();
    let helper = ["libexec", "lib"]
        .iter()
        .map(|d| prefix.join(d).join("git-core/git-remote-https"))
        .find(|h| h.is_file())
        .expect("git's HTTPS helper");
    let m = Machine::new();
    m.fake_exe("git");
    let core = m.dir("lib/git-core");
    std::fs::create_dir_all(&core).unwrap();
    std::os::unix::fs::symlink(&helper, core.join("git-remote-https")).unwrap();
    let json = env_json(&m);
    let git = &json["clients"][0];
    assert_eq!(git["client"], "git", "{json:#}");
    let ldd = std::process::Command::new("ldd")
        .arg(&helper)
        .output()
        .unwrap();
    let ldd = String::from_utf8_lossy(&ldd.stdout);
    let expected = if ldd.contains("libcurl-gnutls.so") {
        "gnutls"
    } else {
        "openssl"
    };
    let library = git["settings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["key"] == "tls-library")
        .unwrap_or_else(|| panic!("no tls-library in {git:#}"));
    assert_eq!(library["value"], expected, "{ldd}");
}
