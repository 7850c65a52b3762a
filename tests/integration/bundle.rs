//! End-to-end tests of `tlsdoctor bundle`: the file it writes verifies the
//! target's chain with the real `openssl verify`, and with tlsdoctor itself
//! (as `--os-roots`, and as `--bundled-roots`: then clean); it refuses to
//! replace a file without `--force`, writes atomically, and explains what to
//! do when the root is not on this machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

const PUBLIC: &str = "api.example.com";

/// An inspection-like PKI: root (in the test's OS store), intermediate, leaf.
fn corp_pki() -> (Cert, Cert, Cert) {
    let root = root_ca("Corp Inspection Root", "Corp IT");
    let inter = intermediate_ca("Corp Inspection Issuing CA", &root);
    let leaf = leaf(&[PUBLIC], &inter);
    (root, inter, leaf)
}

struct Bundle {
    scratch: Scratch,
    bundled: PathBuf,
    os: PathBuf,
}

impl Bundle {
    /// Bundled roots: the unrelated root; OS store: `os` (or the unrelated root).
    fn new(os: &[&Cert]) -> Bundle {
        let scratch = Scratch::new();
        let bundled = scratch.pem_file("bundled.pem", &[unrelated_root()]);
        // An empty store is bad input: "nothing" is the unrelated root alone.
        let os = if os.is_empty() {
            scratch.pem_file("os.pem", &[unrelated_root()])
        } else {
            scratch.pem_file("os.pem", os)
        };
        Bundle {
            scratch,
            bundled,
            os,
        }
    }

    fn out(&self) -> PathBuf {
        self.scratch.path().join("ca-bundle.pem")
    }

    fn command(&self, port: u16, out: &Path) -> assert_cmd::Command {
        let mut cmd = tlsdoctor();
        cmd.arg("bundle")
            .arg(format!("{PUBLIC}:{port}"))
            .arg("--out")
            .arg(out)
            .arg("--resolve")
            .arg(format!("{PUBLIC}:{port}:127.0.0.1"))
            .arg("--bundled-roots")
            .arg(&self.bundled)
            .arg("--os-roots")
            .arg(&self.os);
        cmd
    }
}

#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn interception_bundle_verifies_with_openssl_and_tlsdoctor() {
    let (root, inter, leaf) = corp_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let b = Bundle::new(&[&root]);
    let out = b.out();
    let run1 = run(b.command(server.port(), &out));
    assert_eq!(run1.code, 0, "{}\n{}", run1.stdout, run1.stderr);

    // The file: the root first with its header, then the bundled roots.
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains(&format!("# SHA-256: {}", root.sha256_hex())),
        "{text}"
    );
    assert!(
        text.contains("# Subject: ") && text.contains("CN=Corp Inspection Root"),
        "{text}"
    );
    assert!(text.contains(&unrelated_root().sha256_hex()), "{text}");

    // The report: what was written and the lines per shell.
    let path = std::fs::canonicalize(&out).unwrap().display().to_string();
    for needle in [
        format!("wrote {path}"),
        format!("export SSL_CERT_FILE='{path}'"),
        format!("export REQUESTS_CA_BUNDLE='{path}'"),
        format!("set -gx NODE_EXTRA_CA_CERTS '{path}'"),
        format!("$env:AWS_CA_BUNDLE = '{path}'"),
        format!("set \"GIT_SSL_CAINFO={path}\""),
        "PIP_CERT".to_string(),
        "CARGO_HTTP_CAINFO".to_string(),
        "truststore.inject_into_ssl()".to_string(),
        "sitecustomize.py".to_string(),
    ] {
        assert!(
            run1.stdout.contains(&needle),
            "missing {needle}\n{}",
            run1.stdout
        );
    }

    // The real openssl verifies the chain with the bundle.
    {
        let openssl = tool("openssl");
        let chain = b.scratch.pem_file("chain.pem", &[&inter]);
        let leaf_pem = b.scratch.pem_file("leaf.pem", &[&leaf]);
        let verify = Command::new(openssl)
            .arg("verify")
            .arg("-CAfile")
            .arg(&out)
            .arg("-untrusted")
            .arg(&chain)
            .arg(&leaf_pem)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success() && said.contains(": OK"),
            "{said}{}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }

    // tlsdoctor with the bundle as the OS store: the OS trusts it (still interception,
    // a public name); as the bundled roots: clean.
    let check = |flag: &str| {
        let mut cmd = tlsdoctor();
        cmd.arg("check")
            .arg(format!("{PUBLIC}:{}", server.port()))
            .args([
                "--resolve",
                &format!("{PUBLIC}:{}:127.0.0.1", server.port()),
            ])
            .args(["--no-http", "--format", "json"]);
        if flag == "--os-roots" {
            cmd.arg("--bundled-roots").arg(&b.bundled);
            cmd.arg("--os-roots").arg(&out);
        } else {
            cmd.arg("--bundled-roots").arg(&out);
            cmd.arg("--os-roots").arg(&out);
        }
        let o = run(cmd);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        v["targets"][0].clone()
    };
    let t = check("--os-roots");
    assert_eq!(t["trust"]["os"]["trusted"], true, "{t:#}");
    assert_eq!(t["verdict"], "corporate_interception", "{t:#}");
    let t = check("--bundled-roots");
    assert_eq!(t["verdict"], "clean", "{t:#}");
}

#[test]
fn refuses_to_replace_without_force_before_probing() {
    let (root, inter, leaf) = corp_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let b = Bundle::new(&[&root]);
    let out = b.scratch.write("ca-bundle.pem", "keep me\n");
    let before = server.connections();
    let o = run(b.command(server.port(), &out));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    assert_eq!(server.connections(), before, "probed despite refusing");

    let mut cmd = b.command(server.port(), &out);
    cmd.arg("--force");
    let o = run(cmd);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains(&root.sha256_hex()));
    // Atomic: no temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(b.scratch.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_missing_directory_is_a_usage_error() {
    let b = Bundle::new(&[]);
    let out = b.scratch.path().join("no-such-dir").join("b.pem");
    let o = run(b.command(closed_port(), &out));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("does not exist"), "{}", o.stderr);
}

#[test]
fn clean_target_needs_nothing_and_writes_nothing() {
    let (root, inter, leaf) = corp_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let mut b = Bundle::new(&[&root]);
    b.bundled = b.scratch.pem_file("bundled-with-root.pem", &[&root]);
    let out = b.out();
    let o = run(b.command(server.port(), &out));
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("no extra root is needed"), "{}", o.stdout);
    assert!(!out.exists());
}

#[test]
fn unknown_root_explains_how_to_get_it_and_exits_1() {
    let (_root, inter, leaf) = corp_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let b = Bundle::new(&[]);
    let out = b.out();
    let o = run(b.command(server.port(), &out));
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("Corp Inspection Root"), "{}", o.stdout);
    assert!(
        o.stdout.contains("install it in the OS store"),
        "{}",
        o.stdout
    );
    assert!(!out.exists());
}

#[test]
fn self_signed_needs_the_flag() {
    let cert = self_signed_leaf(PUBLIC);
    let server = TlsServer::start(&[&cert], &cert);
    let b = Bundle::new(&[]);
    let out = b.out();
    let o = run(b.command(server.port(), &out));
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("--include-self-signed"), "{}", o.stdout);
    assert!(!out.exists());

    let mut cmd = b.command(server.port(), &out);
    cmd.arg("--include-self-signed");
    let o = run(cmd);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains(&cert.sha256_hex()));
}

#[test]
fn unreachable_target_exits_3() {
    let b = Bundle::new(&[]);
    let out = b.out();
    let o = run(b.command(closed_port(), &out));
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    assert!(!out.exists());
}
