//! End-to-end tests of `tlsdoctor fix` with a real venv's Python against a
//! local TLS server whose root no store holds: the dry run changes no byte,
//! `--apply` makes the venv's Python trust the server (run after), a second
//! `--apply` changes nothing, `--undo` restores every byte, a profile the user
//! edited after `--apply` is left alone, nothing written turns verification
//! off, and a root whose key is public is refused.
//!
//! Each run gets a whole environment: a temporary HOME (a `.bashrc` without
//! a final newline, a `.profile`, a `pip.conf`), an empty `PATH`, no CA
//! or proxy variable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// Strings that turn verification off; nothing `fix` writes may hold one.
const FORBIDDEN: &[&str] = &[
    "verify=False",
    "PYTHONHTTPSVERIFY",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "sslVerify=false",
    "strict-ssl=false",
    "--trusted-host",
];

struct Fixture {
    scratch: Scratch,
    home: PathBuf,
    venv: PathBuf,
    ca_file: PathBuf,
    os_roots: PathBuf,
    _server: TlsServer,
    port: u16,
}

/// Every file and directory under `dir`: path → content hash and mode.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("link {}", std::fs::read_link(&path).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(rel, format!("dir {mode:o}"));
                walk(root, &path, out);
            } else {
                use sha2::Digest;
                let hash = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
                out.insert(rel, format!("{hash} {mode:o}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

impl Fixture {
    /// A venv (no pip: the stdlib `ssl` client is enough here), a home, and
    /// a server for `localhost` under a private root that no store holds.
    fn new() -> Fixture {
        let root = root_ca("Fix Test Root", "tlsdoctor tests");
        let leaf = leaf(&["localhost"], &root);
        Fixture::serving(&[&leaf, &root], &leaf, &root.pem)
    }

    fn serving(chain: &[&Cert], key_of: &Cert, declared_root_pem: &str) -> Fixture {
        let scratch = Scratch::new();
        let home = scratch.path().join("home");
        std::fs::create_dir_all(home.join(".config/pip")).unwrap();
        std::fs::write(home.join(".bashrc"), "alias ll='ls -l'\nexport EDITOR=vi").unwrap();
        std::fs::write(
            home.join(".profile"),
            "# login shells\n. \"$HOME/.bashrc\"\n",
        )
        .unwrap();
        std::fs::write(
            home.join(".config/pip/pip.conf"),
            "[global]\ntimeout = 60\n",
        )
        .unwrap();
        let venv = scratch.path().join("venv");
        let made = Command::new(tool("python3"))
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv)
            .status()
            .expect("run python3 -m venv");
        assert!(made.success(), "python3 -m venv failed");
        // PATH holds no client: the venv is the only one found.
        std::fs::create_dir_all(scratch.path().join("bin")).unwrap();
        let ca_file = scratch.write("declared-root.pem", declared_root_pem);
        let os_roots = scratch.pem_file("os.pem", &[unrelated_root()]);
        let server = TlsServer::start(chain, key_of);
        let port = server.port();
        Fixture {
            scratch,
            home,
            venv,
            ca_file,
            os_roots,
            _server: server,
            port,
        }
    }

    fn fix(&self, extra: &[&str]) -> (i32, Value, String) {
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("PATH", self.scratch.path().join("bin"))
            .env("LANG", "C.UTF-8")
            .env("SHELL", "/bin/bash")
            .env("NO_COLOR", "1")
            .current_dir(self.scratch.path())
            .timeout(std::time::Duration::from_secs(120));
        cmd.arg("fix");
        if !extra.contains(&"--undo") {
            cmd.arg(format!("localhost:{}", self.port))
                .arg("--python")
                .arg(&self.venv)
                .arg("--ca-file")
                .arg(&self.ca_file)
                .arg("--os-roots")
                .arg(&self.os_roots)
                .args(["--timeout", "10"]);
        }
        cmd.args(extra).args(["--format", "json"]);
        let out = run(cmd);
        let json = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", out.stdout, out.stderr));
        (out.code, json, out.stderr)
    }

    /// The home and the venv: everything `fix` may write.
    fn trees(&self) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        (tree(&self.home), tree(&self.venv))
    }

    fn outcomes(json: &Value, key: &str) -> Vec<(String, String)> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["client"].as_str().unwrap().to_string(),
                    c["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (with venv)")]
fn dry_run_apply_apply_undo_is_byte_exact_and_proven_by_the_real_client() {
    let f = Fixture::new();
    let original = f.trees();

    let (code, dry, stderr) = f.fix(&[]);
    assert_eq!(code, 1, "a dry run with changes exits 1: {dry:#}\n{stderr}");
    assert_eq!(dry["mode"], "dry_run");
    assert_eq!(
        Fixture::outcomes(&dry, "before"),
        [("python".into(), "fails".into())]
    );
    let plan = dry["plan"].as_array().unwrap();
    assert!(
        !plan.is_empty() && plan.iter().all(|p| p["applied"] == false),
        "{dry:#}"
    );
    let bashrc_line = plan
        .iter()
        .find(|p| p["path"].as_str().is_some_and(|s| s.ends_with(".bashrc")))
        .expect("a .bashrc change");
    assert!(bashrc_line["lines"][0]
        .as_str()
        .unwrap()
        .starts_with("export SSL_CERT_FILE="));
    assert_eq!(f.trees(), original, "the dry run changed a byte");

    let (code, applied, stderr) = f.fix(&["--apply"]);
    assert_eq!(code, 0, "every client fixed exits 0: {applied:#}\n{stderr}");
    assert_eq!(
        Fixture::outcomes(&applied, "after"),
        [("python".into(), "trusts".into())]
    );
    assert!(applied["plan"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["applied"] == true));
    let bundle = f.home.join(".local/share/tlsdoctor/ca-bundle.pem");
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert!(
        text.matches("-----BEGIN CERTIFICATE-----").count() > 100,
        "Mozilla's roots + the root"
    );
    let bashrc = std::fs::read_to_string(f.home.join(".bashrc")).unwrap();
    assert!(
        bashrc.starts_with("alias ll='ls -l'\nexport EDITOR=vi\n# >>> tlsdoctor >>>\n"),
        "{bashrc}"
    );
    assert_eq!(
        std::fs::read(f.home.join(".profile")).unwrap(),
        b"# login shells\n. \"$HOME/.bashrc\"\n"
    );
    let after_first = f.trees();
    for (rel, _) in after_first.0.iter().filter(|(_, v)| !v.starts_with("dir")) {
        let bytes = std::fs::read(f.home.join(rel)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for bad in FORBIDDEN {
            assert!(!text.contains(bad), "{rel} holds {bad}");
        }
    }

    let (code, again, _) = f.fix(&["--apply"]);
    assert_eq!(code, 0, "{again:#}");
    assert_eq!(f.trees(), after_first, "the second --apply changed a byte");

    let (code, undone, stderr) = f.fix(&["--undo"]);
    assert_eq!(code, 0, "{undone:#}\n{stderr}");
    assert_eq!(f.trees(), original, "--undo did not restore every byte");
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (with venv)")]
fn undo_leaves_a_profile_the_user_edited_after_apply() {
    let f = Fixture::new();
    let (code, _, stderr) = f.fix(&["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    let bashrc = f.home.join(".bashrc");
    let mut edited = std::fs::read(&bashrc).unwrap();
    edited.extend_from_slice(b"alias g=git\n");
    std::fs::write(&bashrc, &edited).unwrap();

    let (code, undone, _) = f.fix(&["--undo"]);
    assert_eq!(code, 1, "a file left in the manifest exits 1: {undone:#}");
    let files = undone["files"].as_array().unwrap();
    let kept: Vec<_> = files
        .iter()
        .filter(|f| f["outcome"] == "changed_since")
        .collect();
    assert_eq!(kept.len(), 1, "{undone:#}");
    assert!(kept[0]["path"].as_str().unwrap().ends_with(".bashrc"));
    assert_eq!(
        std::fs::read(&bashrc).unwrap(),
        edited,
        "the user's edit was clobbered"
    );
    assert!(!f.home.join(".local/share/tlsdoctor/ca-bundle.pem").exists());
    let manifest = f.home.join(".local/state/tlsdoctor/manifest.json");
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    assert_eq!(manifest["entries"].as_array().unwrap().len(), 1);
}

#[test]
#[cfg_attr(
    not(all(tool_python3, tool_openssl, tool_compromised_cas)),
    ignore = "needs python3 (with venv), openssl and shared/conformance/compromised-cas"
)]
fn a_root_whose_key_is_public_is_refused_and_nothing_is_written() {
    // DSDTestProvider: Dell System Detect installed it with its private key.
    // Read from ../shared (never copied).
    let dir = tool("compromised_cas");
    let scratch = Scratch::new();
    let key = scratch.path().join("leaf.key");
    let csr = scratch.path().join("leaf.csr");
    let crt = scratch.path().join("leaf.crt");
    let ext = scratch.write(
        "ext",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    );
    let openssl = |args: &[&std::ffi::OsStr]| {
        let ok = Command::new(tool("openssl")).args(args).output().unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    openssl(&[
        "req".as_ref(),
        "-newkey".as_ref(),
        "rsa:2048".as_ref(),
        "-nodes".as_ref(),
        "-keyout".as_ref(),
        key.as_os_str(),
        "-out".as_ref(),
        csr.as_os_str(),
        "-subj".as_ref(),
        "/CN=localhost".as_ref(),
    ]);
    openssl(&[
        "x509".as_ref(),
        "-req".as_ref(),
        "-in".as_ref(),
        csr.as_os_str(),
        "-CA".as_ref(),
        dir.join("ca-dsdtestprovider.crt").as_os_str(),
        "-CAkey".as_ref(),
        dir.join("ca-dsdtestprovider.key").as_os_str(),
        "-CAcreateserial".as_ref(),
        "-CAserial".as_ref(),
        scratch.path().join("serial").as_os_str(),
        "-days".as_ref(),
        "30".as_ref(),
        "-extfile".as_ref(),
        ext.as_os_str(),
        "-out".as_ref(),
        crt.as_os_str(),
    ]);
    use rustls_pki_types::pem::PemObject;
    let leaf = rustls_pki_types::CertificateDer::from_pem_file(&crt).unwrap();
    let root_pem = std::fs::read_to_string(dir.join("ca-dsdtestprovider.crt")).unwrap();
    let root = rustls_pki_types::CertificateDer::from_pem_slice(root_pem.as_bytes()).unwrap();
    let leaf_key = rustls_pki_types::PrivateKeyDer::from_pem_file(&key).unwrap();

    let mut f = Fixture::new();
    f._server = TlsServer::start_der(vec![leaf, root], leaf_key);
    f.port = f._server.port();
    f.ca_file = f.scratch.write("declared-root.pem", &root_pem);
    let original = f.trees();
    for mode in [&[][..], &["--apply"][..]] {
        let (code, json, stderr) = f.fix(mode);
        assert_eq!(code, 1, "{json:#}\n{stderr}");
        assert!(json["plan"].as_array().unwrap().is_empty(), "{json:#}");
        let reason = json["refused"][0]["reason"]
            .as_str()
            .unwrap_or_else(|| panic!("no refusal: {json:#}"));
        assert!(
            reason.contains("DSDTestProvider") && reason.contains("private key is public"),
            "{reason}"
        );
    }
    assert_eq!(f.trees(), original, "a refused fix wrote something");
}

/// `tlsdoctor fix ARGS --format json` with a whole environment and no venv.
fn fix_plain(home: &Path, args: &[&str]) -> (i32, Value, String) {
    // An empty PATH directory: no client is found.
    let bin = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", bin.path())
        .env("NO_COLOR", "1")
        .current_dir(home)
        .timeout(std::time::Duration::from_secs(60))
        .arg("fix")
        .args(args)
        .args(["--format", "json"]);
    let out = run(cmd);
    let json = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out.code, json, out.stderr)
}

#[test]
fn a_servers_problem_is_said_so_and_changes_nothing() {
    let root = root_ca("Fix Test Root", "tlsdoctor tests");
    let leaf = leaf(&["other.test"], &root);
    let server = TlsServer::start(&[&leaf, &root], &leaf);
    let scratch = Scratch::new();
    let ca = scratch.pem_file("root.pem", &[&root]);
    let before = tree(scratch.path());
    let target = format!("localhost:{}", server.port());
    let (code, json, stderr) = fix_plain(
        scratch.path(),
        &[
            &target,
            "--ca-file",
            ca.to_str().unwrap(),
            "--os-roots",
            ca.to_str().unwrap(),
            "--apply",
        ],
    );
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(json["verdict"], "hostname_mismatch");
    assert!(
        json["problem"]
            .as_str()
            .unwrap()
            .contains("server's to fix"),
        "{json:#}"
    );
    assert!(json["plan"].as_array().unwrap().is_empty());
    assert_eq!(tree(scratch.path()), before);
}

#[test]
fn unreachable_exits_3_and_bad_usage_exits_2() {
    let scratch = Scratch::new();
    let target = format!("127.0.0.1:{}", closed_port());
    let (code, json, stderr) = fix_plain(scratch.path(), &[&target, "--timeout", "2"]);
    assert_eq!(code, 3, "{json:#}\n{stderr}");
    assert_eq!(json["verdict"], "unreachable");
    let (code, _, stderr) = fix_plain(scratch.path(), &[]);
    assert_eq!(code, 2, "no target: {stderr}");
    let (code, _, stderr) = fix_plain(scratch.path(), &["localhost", "--undo"]);
    assert_eq!(code, 2, "a target with --undo: {stderr}");
    let (code, _, stderr) = fix_plain(
        scratch.path(),
        &["localhost", "--python", "/nonexistent/venv"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/venv"), "{stderr}");
}

#[test]
#[cfg_attr(not(tool_python3), ignore = "needs python3 (with venv)")]
fn nothing_to_fix_says_so_and_exits_0() {
    let f = Fixture::new();
    let original = f.trees();
    // The venv's Python already trusts the root through SSL_CERT_FILE.
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    cmd.env_clear()
        .env("HOME", &f.home)
        .env("PATH", f.scratch.path().join("bin"))
        .env("NO_COLOR", "1")
        .env("SSL_CERT_FILE", &f.ca_file)
        .timeout(std::time::Duration::from_secs(60))
        .arg("fix")
        .arg(format!("localhost:{}", f.port))
        .arg("--python")
        .arg(&f.venv)
        .arg("--os-roots")
        .arg(&f.os_roots)
        .arg("--ca-file")
        .arg(&f.ca_file)
        .arg("--apply");
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("nothing to fix"), "{}", out.stdout);
    assert_eq!(f.trees(), original);
}
