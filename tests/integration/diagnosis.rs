//! Diagnosis correctness end to end (issue 13): DESIGN.md's trust rows on
//! real chains served from 127.0.0.1 — roots whose private keys are public,
//! vendors verified or only claimed, weak keys and algorithms in words.
//!
//! The public-key roots are badssl.com's, read from
//! `../shared/conformance/compromised-cas/` (never copied into the repo);
//! leaves under them are signed here with openssl.

use std::path::{Path, PathBuf};
use std::process::Command;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::support::*;

/// The names of the public-key roots in the shared directory.
const PUBLIC_KEY_ROOTS: &[&str] = &[
    "ca-superfish",
    "ca-edellroot",
    "ca-dsdtestprovider",
    "ca-preact-cli",
    "ca-webpack-dev-server",
    "ca-mitm-software",
];

fn compromised_dir() -> PathBuf {
    tool("compromised_cas")
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new(tool("openssl"))
        .args(args)
        .current_dir(dir)
        .env_remove("OPENSSL_CONF")
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server certificate for `host` signed by `ca_crt`/`ca_key` with
/// openssl, with a key of `bits` bits and the digest `digest`. Returns the
/// leaf's DER and its private key.
fn openssl_leaf(
    scratch: &Scratch,
    ca_crt: &Path,
    ca_key: &Path,
    host: &str,
    bits: u32,
    digest: &str,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let dir = scratch.path();
    let ext = scratch.write(
        "leaf.ext",
        format!(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{host}\nauthorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n"
        ),
    );
    let newkey = format!("rsa:{bits}");
    let subj = format!("/CN={host}");
    openssl(
        &[
            "req", "-new", "-newkey", &newkey, "-nodes", "-keyout", "leaf.key", "-subj", &subj,
            "-out", "leaf.csr",
        ],
        dir,
    );
    let digest = format!("-{digest}");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            ca_crt.to_str().unwrap(),
            "-CAkey",
            ca_key.to_str().unwrap(),
            "-set_serial",
            "4242",
            "-days",
            "30",
            &digest,
            "-extfile",
            ext.to_str().unwrap(),
            "-out",
            "leaf.crt",
        ],
        dir,
    );
    let cert = CertificateDer::from_pem_file(dir.join("leaf.crt")).expect("leaf PEM");
    let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).expect("leaf key");
    (cert, key)
}

fn der_of_pem_file(path: &Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(path).expect("CA PEM")
}

/// Row 3 on a public name, whatever the root: sent with the leaf and in no
/// store (the expired preact-cli and MITM Software roots included, and the
/// 1024-bit Superfish one), the verdict is interception, said loudly, and
/// no remedy ever installs the root.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(
    not(tool_compromised_cas),
    ignore = "../shared/conformance/compromised-cas not found (set TLSDOCTOR_COMPROMISED_CAS)"
)]
fn a_root_whose_key_is_public_is_never_to_be_installed() {
    for name in PUBLIC_KEY_ROOTS {
        let dir = compromised_dir();
        let (crt, key) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        for (host, verdict) in [
            ("api.example.com", "corporate_interception"),
            ("dev.localhost", "private_ca"),
        ] {
            let scratch = Scratch::new();
            let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
            let server = TlsServer::start_der(vec![leaf, der_of_pem_file(&crt)], leaf_key);
            let run = Check::new(host, server.port()).json();
            assert_eq!(run.verdict(), verdict, "{name} on {host}\n{}", run.dump());
            run.assert_findings_mention("private key is public");
            assert!(
                run.finding_of_kind("compromised_root").is_some(),
                "{name}: no DANGER warning\n{}",
                run.dump()
            );
            assert_never_install(&run, name);
        }
    }
}

/// Every remedy that is not marked "avoid" must not tell anyone to install,
/// add or trust the root.
#[track_caller]
fn assert_never_install(run: &JsonRun, name: &str) {
    for f in run.findings() {
        for r in f["remedies"].as_array().into_iter().flatten() {
            if r["avoid"] == true {
                continue;
            }
            let text = format!("{} {}", r["action"], r["commands"]).to_lowercase();
            for bad in [
                "node_extra_ca_certs",
                "keytool",
                "requests_ca_bundle",
                "trust it",
            ] {
                assert!(
                    !text.contains(bad),
                    "{name}: a remedy says {bad:?}: {text}\n{}",
                    run.dump()
                );
            }
            assert!(
                !text.contains("install") || text.contains("uninstall"),
                "{name}: a remedy installs: {text}"
            );
        }
    }
}

/// Superfish in the OS store (its 1024-bit key makes webpki fail the path
/// with a bad signature): still found in the store and named as such, not
/// "not in this machine's OS store either".
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(
    not(tool_compromised_cas),
    ignore = "../shared/conformance/compromised-cas not found (set TLSDOCTOR_COMPROMISED_CAS)"
)]
fn superfish_installed_in_the_os_store_is_found_there() {
    let dir = compromised_dir();
    let (crt, key) = (dir.join("ca-superfish.crt"), dir.join("ca-superfish.key"));
    let scratch = Scratch::new();
    let host = "api.example.com";
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
    let server = TlsServer::start_der(vec![leaf], leaf_key);
    let pem = std::fs::read_to_string(&crt).unwrap();
    let run = Check::new(host, server.port()).os_pem(&[pem]).json();
    run.assert_verdict("corporate_interception", 1);
    run.assert_findings_mention("installed in the OS store");
    let text = run.finding_text();
    assert!(!text.contains("not in this machine's OS store"), "{text}");
    assert_eq!(run.vendors().first().map(String::as_str), Some("Superfish"));
    assert_never_install(&run, "superfish");
}

/// A vendor's name in the leaf's own subject names no vendor (DESIGN.md:
/// issuer and root names only), and raises no DANGER note.
#[test]
fn a_vendor_word_in_the_leaf_name_is_not_a_vendor() {
    let root = root_ca("Unrelated Private Root", "Private");
    let leaf = leaf(&["edellroot.example.com"], &root);
    let server = TlsServer::start(&[&leaf, &root], &leaf);
    let run = Check::new("edellroot.example.com", server.port()).json();
    run.assert_verdict("private_ca", 1);
    assert!(run.vendors().is_empty(), "{}", run.dump());
    assert!(
        run.finding_of_kind("compromised_root").is_none(),
        "{}",
        run.dump()
    );
    assert!(!run.finding_text().contains("Dell"), "{}", run.dump());
}

/// Row 4 versus row 6: a root named like Zscaler's is the vendor only when a
/// store holds it.
#[test]
fn a_vendor_named_root_is_verified_only_in_a_store() {
    let root = root_ca("Zscaler Root CA", "Zscaler Inc.");
    let leaf = leaf(&["api.example.com"], &root);
    let server = TlsServer::start(&[&leaf, &root], &leaf);
    let claimed = Check::new("api.example.com", server.port()).json();
    claimed.assert_verdict("corporate_interception", 1);
    assert!(claimed.vendors().is_empty(), "{}", claimed.dump());
    claimed.assert_findings_mention("attacker");
    let verified = Check::new("api.example.com", server.port())
        .os(&[&root])
        .json();
    verified.assert_verdict("corporate_interception", 1);
    assert_eq!(
        verified.vendors().first().map(String::as_str),
        Some("Zscaler")
    );
}
