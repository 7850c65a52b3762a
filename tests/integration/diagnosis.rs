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
pub(crate) const PUBLIC_KEY_ROOTS: &[&str] = &[
    "ca-superfish",
    "ca-edellroot",
    "ca-dsdtestprovider",
    "ca-preact-cli",
    "ca-webpack-dev-server",
    "ca-mitm-software",
];

pub(crate) fn compromised_dir() -> PathBuf {
    tool("compromised_cas")
}

/// `openssl ARGS` in `dir`, without the machine's OPENSSL_CONF; fails the
/// test when openssl does.
pub(crate) fn openssl(args: &[&str], dir: &Path) {
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
pub(crate) fn openssl_leaf(
    scratch: &Scratch,
    ca_crt: &Path,
    ca_key: &Path,
    host: &str,
    bits: u32,
    digest: &str,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    openssl_leaf_with(scratch, ca_crt, ca_key, host, bits, digest, "")
}

/// [`openssl_leaf`] with extra extension lines (openssl's extfile syntax).
fn openssl_leaf_with(
    scratch: &Scratch,
    ca_crt: &Path,
    ca_key: &Path,
    host: &str,
    bits: u32,
    digest: &str,
    extra: &str,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let dir = scratch.path();
    let ext = scratch.write(
        "leaf.ext",
        format!(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{host}\nauthorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n{extra}"
        ),
    );
    let newkey = format!("rsa:{bits}");
    // OpenSSL 3 refuses to make keys under its security level otherwise.
    let _ = std::fs::remove_file(dir.join("leaf.key"));
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

pub(crate) fn der_of_pem_file(path: &Path) -> CertificateDer<'static> {
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

/// Not sent and not installed: a root whose key is public is still
/// recognised when it has a key identifier the leaf names (the expired MITM
/// Software root, Superfish, webpack-dev-server's), never `incomplete_chain`.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(
    not(tool_compromised_cas),
    ignore = "../shared/conformance/compromised-cas not found (set TLSDOCTOR_COMPROMISED_CAS)"
)]
fn a_public_key_root_is_recognised_when_only_the_leaf_is_sent() {
    for name in ["ca-mitm-software", "ca-superfish", "ca-webpack-dev-server"] {
        let dir = compromised_dir();
        let (crt, key) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        let scratch = Scratch::new();
        let host = "api.example.com";
        let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
        let server = TlsServer::start_der(vec![leaf], leaf_key);
        let run = Check::new(host, server.port()).json();
        run.assert_verdict("corporate_interception", 1);
        run.assert_findings_mention("private key is public");
        assert_never_install(&run, name);
    }
}

/// Every remedy that is not marked "avoid" must not tell anyone to install,
/// add or trust the root.
#[track_caller]
pub(crate) fn assert_never_install(run: &JsonRun, name: &str) {
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

// ---------------------------------------------------------------------------
// Weak keys, weak algorithms and errors in words (issue 13, item 4)

/// An rcgen root written where openssl can sign with it.
pub(crate) fn rcgen_ca_files(scratch: &Scratch, root: &Cert) -> (PathBuf, PathBuf) {
    (
        scratch.write("ca.crt", &root.pem),
        scratch.write("ca.key", root.key_pem()),
    )
}

/// Human, JSON and markdown reports of one check, for words that must never
/// appear in any of them.
pub(crate) fn every_format(check: &Check) -> String {
    let mut all = check.human().stdout;
    for format in ["json", "markdown"] {
        let mut cmd = check.command();
        cmd.args(["--format", format]);
        all.push_str(&run(cmd).stdout);
    }
    all
}

#[track_caller]
fn assert_no_debug_text(all: &str) {
    for debug in [
        "Other(",
        "OtherError",
        "UnsupportedCriticalExtension",
        "BadSignature",
        "Some(",
        "InvalidCertificate(",
    ] {
        assert!(
            !all.contains(debug),
            "Rust debug text {debug:?} in a report:\n{all}"
        );
    }
}

/// A server whose certificate has a 1024- or 512-bit RSA key: the key size
/// is the cause (invalid_certificate), not a key that does not match.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn a_small_rsa_key_is_said_with_its_size() {
    // 512 bits: OpenSSL 3's s_server cannot sign a handshake with it at all
    // (internal_error before the certificate is checked), so only 1024 here;
    // the rule reads the size from the certificate, whatever it is.
    let bits = 1024;
    let root = root_ca("Weak Key Test Root", "Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let host = "api.example.com";
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, bits, "sha256");
    // A 512-bit key is too short for RSA-PSS with SHA-256: TLS 1.2 signs
    // with PKCS#1 v1.5.
    let tls12 = if bits < 1024 {
        &["-no_tls1_3"][..]
    } else {
        &[]
    };
    let server = OpensslServer::start(&scratch, &[leaf], &leaf_key, tls12);
    let check = Check::new(host, server.port()).trust(&[&root]);
    let run = check.json();
    run.assert_verdict("invalid_certificate", 1);
    run.assert_findings_mention(&format!("{bits}-bit RSA key"));
    run.assert_findings_mention("2048");
    assert!(
        !run.finding_text().contains("do not match"),
        "{}",
        run.dump()
    );
    assert_no_debug_text(&every_format(&check));
}

/// SHA-1 and MD5 signatures: which certificate, which algorithm.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn a_sha1_signature_names_the_certificate_and_the_algorithm() {
    let root = root_ca("SHA1 Test Root", "Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let host = "api.example.com";
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha1");
    let server = TlsServer::start_der(vec![leaf], leaf_key);
    let run = Check::new(host, server.port()).trust(&[&root]).json();
    run.assert_verdict("invalid_certificate", 1);
    // The root is ECDSA: openssl signs with ecdsa-with-SHA1.
    run.assert_findings_mention(
        "server certificate 'api.example.com' is signed with ecdsa-with-SHA1",
    );
}

/// An unknown critical extension: invalid_certificate, in words, with the OID.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn an_unknown_critical_extension_is_said_in_words() {
    let root = root_ca("Critical Ext Test Root", "Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let host = "api.example.com";
    let (leaf, leaf_key) = openssl_leaf_with(
        &scratch,
        &crt,
        &key,
        host,
        2048,
        "sha256",
        "1.3.6.1.4.1.55555.1=critical,ASN1:NULL\n",
    );
    let server = TlsServer::start_der(vec![leaf], leaf_key);
    let check = Check::new(host, server.port()).trust(&[&root]);
    let run = check.json();
    run.assert_verdict("invalid_certificate", 1);
    run.assert_findings_mention("critical extension");
    run.assert_findings_mention("1.3.6.1.4.1.55555.1");
    assert_no_debug_text(&every_format(&check));
}

/// No cipher in common: CBC-only, DHE-only and static-RSA servers are named
/// as such (from a second offer with the suites rustls lacks); OpenSSL-based
/// clients are said to connect where they do, and the printed command names
/// the real host and port.
///
/// Where the report says OpenSSL-based clients connect, curl is run to show
/// that it does.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(not(tool_curl), ignore = "curl not found (apt-get install curl)")]
fn no_common_cipher_names_the_cause_and_prints_the_real_host_and_port() {
    let root = root_ca("Cipher Test Root", "Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let host = "api.example.com";
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
    for (suites, cause, openssl_clients) in [
        ("ECDHE-RSA-AES128-SHA", "only CBC cipher suites", true),
        ("DHE-RSA-AES128-GCM-SHA256", "only DHE", true),
        ("AES128-SHA", "only static RSA key exchange", false),
    ] {
        let server = OpensslServer::start(
            &scratch,
            std::slice::from_ref(&leaf),
            &leaf_key,
            &["-no_tls1_3", "-cipher", &format!("{suites}:@SECLEVEL=0")],
        );
        let check = Check::new(host, server.port()).trust(&[&root]);
        let run = check.json();
        run.assert_verdict("handshake_failed", 1);
        run.assert_findings_mention(cause);
        run.assert_findings_mention(&format!(
            "openssl s_client -connect {host}:{}",
            server.port()
        ));
        assert_eq!(
            run.finding_text()
                .contains("OpenSSL-based clients (curl, Python"),
            openssl_clients,
            "{suites}: {}",
            run.dump()
        );
        assert!(!run.finding_text().contains("HOST:PORT"), "{}", run.dump());
        assert_no_debug_text(&every_format(&check));
        if openssl_clients {
            let port = server.port();
            let out = Command::new(tool("curl"))
                .args([
                    "-sk",
                    "--max-time",
                    "5",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                ])
                .args(["--resolve", &format!("{host}:{port}:127.0.0.1")])
                .arg(format!("https://{host}:{port}/"))
                .env_clear()
                .output()
                .expect("run curl");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "200",
                "{suites}: curl did not connect: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// `openssl s_server` on 127.0.0.1, killed on drop.
pub(crate) struct OpensslServer {
    child: std::process::Child,
    port: u16,
}

impl OpensslServer {
    pub(crate) fn start(
        scratch: &Scratch,
        chain: &[CertificateDer<'static>],
        key: &PrivateKeyDer<'static>,
        extra: &[&str],
    ) -> OpensslServer {
        let pem: String = chain
            .iter()
            .map(|c| pem_of("CERTIFICATE", c.as_ref()))
            .collect();
        let cert = scratch.write("server.crt", pem);
        let key_path = scratch.write("server.key", pem_of("PRIVATE KEY", key.secret_der()));
        let _ = PrivateKeyDer::from_pem_file(&key_path).expect("key written as PEM");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(tool("openssl"));
        cmd.args(["s_server", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key_path)
            .args(["-cipher", "DEFAULT:@SECLEVEL=0"])
            .args(extra)
            .env_remove("OPENSSL_CONF")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().expect("start openssl s_server");
        // s_server prints ACCEPT once it listens; a probe connection of our
        // own would be its first (failed) client and can upset the next.
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("ACCEPT") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(IO_TIMEOUT)
            .expect("openssl s_server did not start");
        OpensslServer { child, port }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn pem_of(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

// ---------------------------------------------------------------------------
// Inputs as users have them (issue 13, item 6)

/// The files IT hands out, made with openssl from `root` and a chain: DER
/// `.cer`, PKCS#7 `.p7b` in PEM and DER, and `TRUSTED CERTIFICATE` PEM.
fn user_formats(scratch: &Scratch, certs: &[&Cert], stem: &str) -> Vec<PathBuf> {
    let dir = scratch.path();
    let pem = scratch.write(&format!("{stem}.pem"), pem_bundle(certs));
    let pem = pem.to_str().unwrap();
    openssl(
        &[
            "x509",
            "-in",
            pem,
            "-outform",
            "DER",
            "-out",
            &format!("{stem}.cer"),
        ],
        dir,
    );
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            pem,
            "-out",
            &format!("{stem}.p7b"),
        ],
        dir,
    );
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            pem,
            "-outform",
            "DER",
            "-out",
            &format!("{stem}-der.p7b"),
        ],
        dir,
    );
    openssl(
        &[
            "x509",
            "-in",
            pem,
            "-trustout",
            "-addtrust",
            "serverAuth",
            "-out",
            &format!("{stem}-trusted.pem"),
        ],
        dir,
    );
    ["cer", "p7b", "der.p7b", "trusted.pem"]
        .iter()
        .map(|ext| match *ext {
            "der.p7b" => dir.join(format!("{stem}-der.p7b")),
            "trusted.pem" => dir.join(format!("{stem}-trusted.pem")),
            other => dir.join(format!("{stem}.{other}")),
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn trust_options_read_der_pkcs7_and_trusted_certificate_files() {
    let root = root_ca("Company Root CA", "Company");
    let leaf = leaf(&["api.internal"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let scratch = Scratch::new();
    for file in user_formats(&scratch, &[&root], "root") {
        let declared = Check::new("api.internal", server.port())
            .arg("--ca-file")
            .arg(&file)
            .json();
        assert_eq!(
            declared.target["trust"]["custom"]["trusted"],
            true,
            "{}: {}",
            file.display(),
            declared.dump()
        );
        let mut cmd = tlsdoctor();
        cmd.arg("check")
            .arg(format!("api.internal:{}", server.port()))
            .args([
                "--resolve",
                &format!("api.internal:{}:127.0.0.1", server.port()),
            ])
            .arg("--bundled-roots")
            .arg(&file)
            .arg("--os-roots")
            .arg(&file)
            .args(["--no-http", "--format", "json"]);
        let out = run(cmd);
        assert_eq!(
            out.code,
            0,
            "{}: {}\n{}",
            file.display(),
            out.stdout,
            out.stderr
        );
    }
}

#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn inspect_reads_a_der_or_pkcs7_chain() {
    let root = root_ca("Inspect Root CA", "Company");
    let inter = intermediate_ca("Inspect Intermediate CA", &root);
    let leaf = leaf(&["api.example.com"], &inter);
    let scratch = Scratch::new();
    let roots = scratch.pem_file("roots.pem", &[&root]);
    let files = user_formats(&scratch, &[&leaf, &inter], "chain");
    // The DER .cer holds the first certificate only (openssl x509 writes one).
    for file in &files[1..3] {
        let mut cmd = tlsdoctor();
        cmd.arg("inspect")
            .arg(file)
            .args(["--host", "api.example.com", "--bundled-roots"])
            .arg(&roots)
            .arg("--os-roots")
            .arg(&roots)
            .args(["--format", "json"]);
        let out = run(cmd);
        assert_eq!(
            out.code,
            0,
            "{}: {}\n{}",
            file.display(),
            out.stdout,
            out.stderr
        );
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            json["targets"][0]["chain"].as_array().map(Vec::len),
            Some(2)
        );
    }
    let mut cmd = tlsdoctor();
    cmd.arg("inspect")
        .arg(&files[0])
        .args(["--host", "api.example.com", "--bundled-roots"])
        .arg(&roots)
        .arg("--os-roots")
        .arg(&roots)
        .args(["--format", "json"]);
    let out = run(cmd);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["targets"][0]["chain"].as_array().map(Vec::len),
        Some(1),
        "{}",
        out.stdout
    );
}

// ---------------------------------------------------------------------------
// Redirect destinations, diagnosed (issue 13, item 5)

/// `https://a/` → `https://a:PORT/` where PORT speaks only TLS 1.0:
/// handshake_failed at the destination, not a lost port (DESIGN.md).
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn a_tls10_only_redirect_destination_is_handshake_failed_there() {
    let root = root_ca("Destination Test Root", "Test");
    let host = "api.example.com";
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let (dleaf, dkey) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
    let old = OpensslServer::start(&scratch, &[dleaf], &dkey, &["-tls1"]);
    let leaf = leaf(&[host], &root);
    let location = format!("https://{host}:{}/", old.port());
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |_| {
        format!("HTTP/1.1 301 Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes()
    });
    let check = Check::new(host, server.port()).trust(&[&root]).http();
    let run = check.json();
    run.assert_verdict("handshake_failed", 1);
    run.assert_findings_mention(&format!(
        "at the redirect's destination {host}:{}",
        old.port()
    ));
    let dest = &run.target["http"]["destination"];
    assert_eq!(dest["port"], old.port(), "{}", run.dump());
    assert_eq!(dest["host"], host);
    assert_eq!(dest["verdict"], "handshake_failed");
    assert!(
        run.finding_of_kind("redirect_scheme_loss").is_none(),
        "{}",
        run.dump()
    );
    // Human and markdown say the same.
    let all = every_format(&check);
    assert!(all.matches("redirect's destination").count() >= 3, "{all}");
}

/// A destination whose chain no store trusts: its chain and trust are in
/// `http.destination`, and the target's verdict is the destination's.
#[test]
fn an_untrusted_redirect_destination_carries_its_chain_and_trust() {
    let root = root_ca("Target Root", "Test");
    let other = root_ca("Other Private Root", "Elsewhere");
    let host = "api.example.com";
    let dleaf = leaf(&[host], &other);
    let dest = TlsServer::start(&[&dleaf, &other], &dleaf);
    let leaf = leaf(&[host], &root);
    let location = format!("https://{host}:{}/next", dest.port());
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |_| {
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes()
    });
    let run = Check::new(host, server.port())
        .trust(&[&root])
        .http()
        .json();
    run.assert_verdict("private_ca", 1);
    let d = &run.target["http"]["destination"];
    assert_eq!(d["verdict"], "private_ca", "{}", run.dump());
    assert_eq!(d["chain"].as_array().map(Vec::len), Some(2));
    assert_eq!(d["trust"]["bundled"]["trusted"], false);
    assert!(d["connection"]["tls_version"].is_string(), "{}", run.dump());
}

/// `inspect` without `--host` diagnoses the chain and says the name was not
/// checked, in every format; the leaf's own name decides public or local.
#[test]
fn inspect_without_host_diagnoses_and_says_the_name_was_not_checked() {
    let root = root_ca("Private Dev Root", "Dev");
    let leaf = leaf(&["app.internal"], &root);
    let scratch = Scratch::new();
    let chain = scratch.pem_file("chain.pem", &[&leaf]);
    let roots = scratch.pem_file("roots.pem", &[unrelated_root()]);
    let mut outputs = String::new();
    for format in ["json", "human", "markdown"] {
        let mut cmd = tlsdoctor();
        cmd.arg("inspect")
            .arg(&chain)
            .arg("--bundled-roots")
            .arg(&roots)
            .arg("--os-roots")
            .arg(&roots)
            .args(["--format", format]);
        let out = run(cmd);
        assert_eq!(out.code, 1, "{format}: {}\n{}", out.stdout, out.stderr);
        if format == "json" {
            let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(
                json["targets"][0]["verdict"], "private_ca",
                "{}",
                out.stdout
            );
        }
        outputs.push_str(&out.stdout);
    }
    assert_eq!(
        outputs.matches("host name was not checked").count(),
        3,
        "{outputs}"
    );
    // A private CA for a local name, leaf only: the issuer may be an intermediate.
    assert!(
        outputs.contains("may be the root or an intermediate"),
        "{outputs}"
    );
}

/// Store errors are words in human and markdown output (the JSON keeps the
/// stable name): no `ca_used_as_end_entity` jargon for people.
#[test]
fn store_errors_are_words_for_people() {
    let me = self_signed_openssl_style("localhost");
    let server = TlsServer::start(&[&me], &me);
    let check = Check::new("localhost", server.port()).trust(&[&me]);
    let json = check.json();
    assert_eq!(
        json.target["trust"]["bundled"]["error"],
        "ca_used_as_end_entity",
        "{}",
        json.dump()
    );
    let human = check.human().stdout;
    let mut cmd = check.command();
    cmd.args(["--format", "markdown"]);
    let markdown = run(cmd).stdout;
    for out in [&human, &markdown] {
        assert!(!out.contains("ca_used_as_end_entity"), "{out}");
        assert!(
            out.contains("CA certificate (CA:TRUE) used as a leaf"),
            "{out}"
        );
    }
}

// ---------------------------------------------------------------------------
// Reports that agree with themselves (issue 13, item 8)

/// Every command in `text` that names `host` (a URL, `-connect`,
/// `tlsdoctor bundle`) keeps `:port`.
#[track_caller]
fn assert_commands_keep_port(text: &str, host: &str, port: u16) {
    let mut seen = 0;
    for prefix in ["https://", "-connect ", "tlsdoctor bundle "] {
        let needle = format!("{prefix}{host}");
        for (at, _) in text.match_indices(&needle) {
            seen += 1;
            let rest = &text[at + needle.len()..];
            assert!(
                rest.starts_with(&format!(":{port}")),
                "a command lost the port {port}: {}",
                &text[at..(at + needle.len() + 40).min(text.len())]
            );
        }
    }
    assert!(seen > 0, "no command names {host}:\n{text}");
}

#[test]
fn a_root_from_os_roots_is_not_claimed_to_be_in_the_system_bundle() {
    let root = root_ca("Dev Team Root", "Dev");
    let leaf = leaf(&["app.internal"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let check = Check::new("app.internal", server.port()).os(&[&root]);
    check.json().assert_verdict("private_ca", 1);
    let all = every_format(&check);
    assert!(!all.contains("is in the system bundle"), "{all}");
    assert!(!all.contains("trusts it already"), "{all}");
    assert!(all.contains("--os-roots"), "{all}");
    assert_commands_keep_port(&all, "app.internal", server.port());
}

#[test]
fn commands_for_a_self_signed_server_keep_the_port_and_the_flag_it_needs() {
    let me = self_signed_leaf("dev.localhost");
    let server = TlsServer::start(&[&me], &me);
    let check = Check::new("dev.localhost", server.port());
    check.json().assert_verdict("self_signed", 1);
    let all = every_format(&check);
    assert_commands_keep_port(&all, "dev.localhost", server.port());
    let bundle_lines: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("tlsdoctor bundle dev.localhost"))
        .collect();
    assert!(!bundle_lines.is_empty(), "{all}");
    for line in bundle_lines {
        assert!(line.contains("--include-self-signed"), "{line}");
    }
}

// ---------------------------------------------------------------------------
// The strict lint against the real clients (issue 13, item 7)

/// Asks pyca/cryptography's verifier and Python 3.13's default context (a
/// real handshake with `port`) about a chain; prints one line per client:
/// `pyca ok|fail`, `python ok|fail`.
const ASK_PYTHON: &str = r#"
import socket, ssl, sys
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store
root, inter, leaf, host, port = sys.argv[1:6]
load = lambda p: x509.load_pem_x509_certificate(open(p, "rb").read())
assert sys.version_info >= (3, 13), sys.version
try:
    verifier = PolicyBuilder().store(Store([load(root)])).build_server_verifier(x509.DNSName(host))
    verifier.verify(load(leaf), [load(inter)])
    print("pyca ok")
except Exception as e:
    print("pyca fail", e)
ctx = ssl.create_default_context(cafile=root)
assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
try:
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname=host):
            pass
    print("python ok")
except ssl.SSLCertVerificationError as e:
    print("python fail", e)
"#;

/// A root and an intermediate made by openssl with the given
/// authorityKeyIdentifier settings, and a leaf under the intermediate.
struct StrictChain {
    scratch: Scratch,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl StrictChain {
    fn new(root_aki: &str, inter_aki: &str) -> StrictChain {
        let scratch = Scratch::new();
        let dir = scratch.path();
        let ca_ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
        scratch.write(
            "root.ext",
            format!("{ca_ext}authorityKeyIdentifier={root_aki}\n"),
        );
        scratch.write(
            "inter.ext",
            format!("{ca_ext}authorityKeyIdentifier={inter_aki}\n"),
        );
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-new"][..],
                &ec,
                &[
                    "-keyout",
                    "root.key",
                    "-subj",
                    "/CN=Strict Test Root",
                    "-out",
                    "root.csr",
                ],
            ]
            .concat(),
            dir,
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "root.csr",
                "-key",
                "root.key",
                "-days",
                "30",
                "-sha256",
                "-set_serial",
                "1",
                "-extfile",
                "root.ext",
                "-out",
                "root.pem",
            ],
            dir,
        );
        openssl(
            &[
                &["req", "-new"][..],
                &ec,
                &[
                    "-keyout",
                    "inter.key",
                    "-subj",
                    "/CN=Strict Test Intermediate",
                    "-out",
                    "inter.csr",
                ],
            ]
            .concat(),
            dir,
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "inter.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-days",
                "30",
                "-sha256",
                "-set_serial",
                "2",
                "-extfile",
                "inter.ext",
                "-out",
                "inter.pem",
            ],
            dir,
        );
        let (leaf, key) = openssl_leaf(
            &scratch,
            &dir.join("inter.pem"),
            &dir.join("inter.key"),
            "api.example.com",
            2048,
            "sha256",
        );
        StrictChain { scratch, leaf, key }
    }

    fn path(&self, name: &str) -> String {
        self.scratch.path().join(name).to_str().unwrap().to_string()
    }

    /// Which of the three clients reject the chain: "pyca", "python", "openssl_strict".
    fn rejected_by_real_clients(&self) -> Vec<&'static str> {
        std::fs::write(self.path("leaf.pem"), pem_of("CERTIFICATE", &self.leaf)).unwrap();
        let inter = der_of_pem_file(Path::new(&self.path("inter.pem")));
        let server = TlsServer::start_der(vec![self.leaf.clone(), inter], self.key.clone_key());
        let out = Command::new(tool("pyca_python"))
            .args(["-c", ASK_PYTHON])
            .args([
                self.path("root.pem"),
                self.path("inter.pem"),
                self.path("leaf.pem"),
            ])
            .args(["api.example.com".to_string(), server.port().to_string()])
            .env_clear()
            .output()
            .expect("run python");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut rejected = Vec::new();
        if text.contains("pyca fail") {
            rejected.push("pyca");
        }
        if text.contains("python fail") {
            rejected.push("python");
        }
        let strict = Command::new(tool("openssl"))
            .args([
                "verify",
                "-x509_strict",
                "-CAfile",
                &self.path("root.pem"),
                "-untrusted",
                &self.path("inter.pem"),
                &self.path("leaf.pem"),
            ])
            .env_remove("OPENSSL_CONF")
            .output()
            .expect("run openssl verify");
        if !strict.status.success() {
            rejected.push("openssl_strict");
        }
        rejected
    }

    /// Which of them tlsdoctor's strict_x509 findings say reject it.
    fn rejected_by_tlsdoctor(&self) -> (Vec<&'static str>, String) {
        let inter = der_of_pem_file(Path::new(&self.path("inter.pem")));
        let server = TlsServer::start_der(vec![self.leaf.clone(), inter], self.key.clone_key());
        let root = std::fs::read_to_string(self.path("root.pem")).unwrap();
        let mut cmd = tlsdoctor();
        let roots = self.scratch.write("roots.pem", &root);
        cmd.arg("check")
            .arg(format!("api.example.com:{}", server.port()))
            .args([
                "--resolve",
                &format!("api.example.com:{}:127.0.0.1", server.port()),
            ])
            .arg("--bundled-roots")
            .arg(&roots)
            .arg("--os-roots")
            .arg(&roots)
            .args(["--no-http", "--format", "json"]);
        let out = run(cmd);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let clients: Vec<String> = json["targets"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "strict_x509")
            .flat_map(|f| f["rejected_by"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        let mut said = Vec::new();
        for (id, needle) in [
            ("pyca", "pyca/cryptography"),
            ("python", "Python 3.13"),
            ("openssl_strict", "-x509_strict"),
        ] {
            if clients.iter().any(|c| c.contains(needle)) {
                said.push(id);
            }
        }
        (said, out.stdout)
    }
}

/// Each AKI rule's `rejected_by` is what pyca/cryptography, Python 3.13 and
/// `openssl verify -x509_strict` really do with such a chain.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(
    not(tool_pyca_python),
    ignore = "no Python 3.13 venv with pyca/cryptography (TLSDOCTOR_PYCA_PYTHON; .ci/run makes it)"
)]
fn aki_rules_name_the_clients_that_really_reject() {
    for (what, root_aki, inter_aki) in [
        ("a compliant chain", "keyid:always", "keyid:always"),
        (
            "an intermediate whose AKI lacks keyIdentifier",
            "keyid:always",
            "issuer:always",
        ),
        (
            "a root whose AKI also names its issuer and serial",
            "keyid:always,issuer:always",
            "keyid:always",
        ),
    ] {
        let chain = StrictChain::new(root_aki, inter_aki);
        let real = chain.rejected_by_real_clients();
        let (said, json) = chain.rejected_by_tlsdoctor();
        assert_eq!(
            said, real,
            "{what}: tlsdoctor says {said:?}, the clients {real:?}\n{json}"
        );
    }
}
