//! End-to-end tests of `tlsdoctor check`: the built binary against real servers
//! on 127.0.0.1, one or more per verdict, with trust stores passed explicitly.
//!
//! Public names are simulated with `--resolve api.example.com:PORT:127.0.0.1`;
//! local names use `localhost` (also pinned to 127.0.0.1 with `--resolve`).

use std::time::Duration;

use crate::support::*;
use rcgen::ExtendedKeyUsagePurpose;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const PUBLIC: &str = "api.example.com";

/// A root, an intermediate under it and a leaf for `api.example.com` under
/// the intermediate: the shape of every public CA's chain.
struct PublicPki {
    root: Cert,
    inter: Cert,
    leaf: Cert,
}

fn public_pki() -> PublicPki {
    let root = root_ca("Tlsdoctor Test Root R1", "Tlsdoctor Test Trust");
    let inter = intermediate_ca("Tlsdoctor Test Issuing CA 2", &root);
    let leaf = leaf(&[PUBLIC], &inter);
    PublicPki { root, inter, leaf }
}

/// A Zscaler-like inspection PKI: root, intermediate, and a leaf it forged
/// for `api.example.com`.
fn zscaler_pki() -> PublicPki {
    let root = root_ca("Zscaler Root CA", "Zscaler Inc.");
    let inter = intermediate_ca("Zscaler Intermediate Root CA (zscaler.net)", &root);
    let leaf = leaf(&[PUBLIC], &inter);
    PublicPki { root, inter, leaf }
}

fn is_error(finding: &Value) -> bool {
    finding["severity"] == "error"
}

// ---------------------------------------------------------------------------
// clean
// ---------------------------------------------------------------------------

#[test]
fn clean_when_both_stores_trust_the_chain() {
    let pki = public_pki();
    let server = TlsServer::start(&[&pki.leaf, &pki.inter], &pki.leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("clean", 0);

    let t = &run.target;
    assert_eq!(t["trust"]["bundled"]["trusted"], true, "{}", run.dump());
    assert_eq!(t["trust"]["os"]["trusted"], true, "{}", run.dump());
    let anchor = t["trust"]["os"]["anchor"]["subject"]
        .as_str()
        .unwrap_or_else(|| panic!("no trust.os.anchor.subject\n{}", run.dump()));
    assert!(anchor.contains(&pki.root.cn), "anchor {anchor:?}");
    assert_eq!(t["connection"]["tls_version"], "TLSv1.3", "{}", run.dump());
    // The server offers only http/1.1; the client offers h2 and http/1.1.
    match &t["connection"]["alpn"] {
        Value::Null => {}
        Value::String(alpn) => assert_eq!(alpn, "http/1.1"),
        other => panic!("connection.alpn is {other}, not null or a string"),
    }
    assert!(
        !run.findings().iter().any(is_error),
        "a clean target has no error finding\n{}",
        run.dump()
    );
    assert_eq!(
        t["chain"].as_array().map(Vec::len),
        Some(2),
        "{}",
        run.dump()
    );
}

#[test]
fn clean_with_http_probe_reports_the_status() {
    let pki = public_pki();
    let server = TlsServer::start(&[&pki.leaf, &pki.inter], &pki.leaf);
    let run = Check::new(PUBLIC, server.port())
        .trust(&[&pki.root])
        .http()
        .json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
}

#[test]
fn at_a_time_inside_the_validity_an_expired_chain_is_clean() {
    let root = root_ca("Tlsdoctor Test Root R1", "Tlsdoctor Test Trust");
    let inter = intermediate_ca("Tlsdoctor Test Issuing CA 2", &root);
    let leaf = CertSpec::leaf("Old API Leaf")
        .dns(&[PUBLIC])
        .validity(date(2019, 1, 1), date(2020, 1, 1))
        .signed_by(&inter);
    let server = TlsServer::start(&[&leaf, &inter], &leaf);

    let check = Check::new(PUBLIC, server.port()).trust(&[&root]);
    check.json().assert_verdict("expired", 1);
    check
        .args(["--at", "2019-06-01T00:00:00Z"])
        .json()
        .assert_verdict("clean", 0);
}

// ---------------------------------------------------------------------------
// corporate_interception
// ---------------------------------------------------------------------------

#[test]
fn interception_by_a_known_vendor_trusted_by_the_os_store() {
    let z = zscaler_pki();
    let server = TlsServer::start(&[&z.leaf, &z.inter], &z.leaf);
    let run = Check::new(PUBLIC, server.port()).os(&[&z.root]).json();
    run.assert_verdict("corporate_interception", 1);
    assert!(
        run.vendors().iter().any(|v| v == "Zscaler"),
        "no finding names the vendor Zscaler\n{}",
        run.dump()
    );
    assert_eq!(
        run.target["trust"]["bundled"]["trusted"],
        false,
        "{}",
        run.dump()
    );
    assert_eq!(run.target["trust"]["os"]["trusted"], true, "{}", run.dump());
}

#[test]
fn interception_human_report_names_the_vendor() {
    let z = zscaler_pki();
    let server = TlsServer::start(&[&z.leaf, &z.inter], &z.leaf);
    let out = Check::new(PUBLIC, server.port()).os(&[&z.root]).human();
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(out.stdout.contains("Zscaler"), "{}", out.stdout);
    assert!(
        out.stdout.to_lowercase().contains("intercept"),
        "the human report does not say interception:\n{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("\u{1b}["),
        "NO_COLOR is set, yet the output has escape codes"
    );
}

#[test]
fn interception_by_an_unknown_root_in_the_os_store_names_no_vendor() {
    let root = root_ca("Acme Corp Inspection Root", "Acme Corp");
    let leaf = leaf(&[PUBLIC], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let run = Check::new(PUBLIC, server.port()).os(&[&root]).json();
    run.assert_verdict("corporate_interception", 1);
    assert!(
        run.vendors().is_empty(),
        "an unknown root must not be attributed to a vendor: {:?}\n{}",
        run.vendors(),
        run.dump()
    );
}

#[test]
fn a_root_named_like_a_vendor_in_no_store_is_an_unverified_claim() {
    let z = zscaler_pki();
    // The middlebox sends its whole chain, root included; no store has it.
    // DESIGN.md row 6: the name alone proves nothing (it may be an attacker).
    let server = TlsServer::start(&[&z.leaf, &z.inter, &z.root], &z.leaf);
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("corporate_interception", 1);
    assert!(
        run.vendors().is_empty(),
        "a vendor is named as verified only by fingerprint or by name and store\n{}",
        run.dump()
    );
    run.assert_findings_mention("unverified");
    run.assert_findings_mention("attacker");
    let text = run.finding_text();
    assert!(!text.contains("re-signed by Zscaler"), "{text}");
    assert_eq!(
        run.target["trust"]["os"]["trusted"],
        false,
        "{}",
        run.dump()
    );
}

#[test]
fn allowed_interception_exits_zero_and_keeps_the_verdict() {
    let z = zscaler_pki();
    let server = TlsServer::start(&[&z.leaf, &z.inter], &z.leaf);
    let check = Check::new(PUBLIC, server.port()).os(&[&z.root]);
    check.json().assert_verdict("corporate_interception", 1);
    check
        .args(["--allow", "corporate_interception"])
        .json()
        .assert_verdict("corporate_interception", 0);
}

#[test]
fn allowing_another_verdict_does_not_pass_interception() {
    let z = zscaler_pki();
    let server = TlsServer::start(&[&z.leaf, &z.inter], &z.leaf);
    Check::new(PUBLIC, server.port())
        .os(&[&z.root])
        .args(["--allow", "self_signed"])
        .json()
        .assert_verdict("corporate_interception", 1);
}

// ---------------------------------------------------------------------------
// self_signed
// ---------------------------------------------------------------------------

#[test]
fn self_signed_openssl_req_x509_style_with_ca_true() {
    let cert = self_signed_openssl_style("localhost");
    let server = TlsServer::start(&[&cert], &cert);
    let run = Check::new("localhost", server.port()).json();
    run.assert_verdict("self_signed", 1);
    assert_eq!(
        run.target["chain"][0]["self_signed"],
        true,
        "{}",
        run.dump()
    );
    assert_eq!(run.target["chain"][0]["is_ca"], true, "{}", run.dump());
}

#[test]
fn self_signed_without_ca_flag() {
    let cert = self_signed_leaf("localhost");
    let server = TlsServer::start(&[&cert], &cert);
    let run = Check::new("localhost", server.port()).json();
    run.assert_verdict("self_signed", 1);
    assert_eq!(
        run.target["chain"][0]["self_signed"],
        true,
        "{}",
        run.dump()
    );
    assert_eq!(run.target["chain"][0]["is_ca"], false, "{}", run.dump());
}

// ---------------------------------------------------------------------------
// private_ca
// ---------------------------------------------------------------------------

#[test]
fn private_ca_trusted_by_the_os_store_on_a_local_name() {
    let root = root_ca("Dev Team Private CA", "Example Dev");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let run = Check::new("localhost", server.port()).os(&[&root]).json();
    run.assert_verdict("private_ca", 1);
    assert_eq!(
        run.target["trust"]["bundled"]["trusted"],
        false,
        "{}",
        run.dump()
    );
    assert_eq!(run.target["trust"]["os"]["trusted"], true, "{}", run.dump());
}

#[test]
fn private_ca_in_no_store_on_a_local_name() {
    let root = root_ca("Dev Team Private CA", "Example Dev");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let run = Check::new("localhost", server.port()).json();
    run.assert_verdict("private_ca", 1);
    assert_eq!(
        run.target["trust"]["os"]["trusted"],
        false,
        "{}",
        run.dump()
    );
}

#[test]
fn private_ca_sent_by_the_server_on_a_public_name() {
    let root = root_ca("Example Internal Root CA", "Example Corp");
    let leaf = leaf(&[PUBLIC], &root);
    let server = TlsServer::start(&[&leaf, &root], &leaf);
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("private_ca", 1);
    assert_eq!(run.target["chain"].as_array().map(Vec::len), Some(2));
}

// ---------------------------------------------------------------------------
// incomplete_chain
// ---------------------------------------------------------------------------

#[test]
fn incomplete_chain_names_the_missing_intermediate() {
    let pki = public_pki();
    let server = TlsServer::start(&[&pki.leaf], &pki.leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("incomplete_chain", 1);
    run.assert_findings_mention(&pki.inter.cn);
}

// ---------------------------------------------------------------------------
// expired / not_yet_valid
// ---------------------------------------------------------------------------

#[test]
fn expired_leaf_says_which_and_when() {
    let pki = public_pki();
    let leaf = CertSpec::leaf("Old API Leaf")
        .dns(&[PUBLIC])
        .validity(date(2019, 1, 1), date(2020, 1, 1))
        .signed_by(&pki.inter);
    let server = TlsServer::start(&[&leaf, &pki.inter], &leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("expired", 1);
    run.assert_findings_mention(&leaf.cn);
    run.assert_findings_mention("2020-01-01");
}

#[test]
fn expired_intermediate_is_named() {
    let root = root_ca("Tlsdoctor Test Root R1", "Tlsdoctor Test Trust");
    let inter = CertSpec::ca("Lapsed Issuing CA 2019")
        .validity(date(2019, 1, 1), date(2020, 1, 1))
        .signed_by(&root);
    let leaf = leaf(&[PUBLIC], &inter);
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&root]).json();
    run.assert_verdict("expired", 1);
    run.assert_findings_mention(&inter.cn);
}

#[test]
fn not_yet_valid_leaf() {
    let pki = public_pki();
    let leaf = CertSpec::leaf(PUBLIC)
        .dns(&[PUBLIC])
        .validity(date(2099, 1, 1), date(2100, 1, 1))
        .signed_by(&pki.inter);
    let server = TlsServer::start(&[&leaf, &pki.inter], &leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("not_yet_valid", 1);
    run.assert_findings_mention("2099");
}

// ---------------------------------------------------------------------------
// hostname_mismatch
// ---------------------------------------------------------------------------

#[test]
fn hostname_mismatch_lists_the_names_the_leaf_is_valid_for() {
    let pki = public_pki();
    let names = ["other.example.com", "www.other.example.com"];
    let leaf = leaf(&names, &pki.inter);
    let server = TlsServer::start(&[&leaf, &pki.inter], &leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("hostname_mismatch", 1);
    for name in names {
        run.assert_findings_mention(name);
    }
    assert_eq!(
        run.target["chain"][0]["dns_names"],
        serde_json::json!(names),
        "{}",
        run.dump()
    );
}

// ---------------------------------------------------------------------------
// invalid_certificate
// ---------------------------------------------------------------------------

#[test]
fn invalid_certificate_for_a_client_auth_only_leaf() {
    let pki = public_pki();
    let leaf = CertSpec::leaf(PUBLIC)
        .dns(&[PUBLIC])
        .eku(&[ExtendedKeyUsagePurpose::ClientAuth])
        .signed_by(&pki.inter);
    let server = TlsServer::start(&[&leaf, &pki.inter], &leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("invalid_certificate", 1);
}

#[test]
fn chain_sent_ca_first_is_a_chain_order_problem() {
    let pki = public_pki();
    let server = TlsServer::start(&[&pki.inter, &pki.leaf], &pki.leaf);
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("invalid_certificate", 1);
    let finding = run
        .finding_of_kind("chain_order")
        .unwrap_or_else(|| panic!("no chain_order finding\n{}", run.dump()));
    assert!(is_error(finding), "{}", run.dump());
}

// ---------------------------------------------------------------------------
// not_tls
// ---------------------------------------------------------------------------

#[test]
fn not_tls_plain_http_is_quoted() {
    let server = RawServer::start(raw::reply_after_read(raw::HTTP_400));
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("not_tls", 1);
    assert!(
        run.target.to_string().contains("HTTP/1.0 400"),
        "the report does not quote what the server said\n{}",
        run.dump()
    );
}

#[test]
fn not_tls_ssh_banner_is_quoted() {
    let server = RawServer::start(raw::send_on_accept(raw::SSH_BANNER));
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("not_tls", 1);
    assert!(
        run.target.to_string().contains("SSH-2.0-OpenSSH_9.6"),
        "the report does not quote what the server said\n{}",
        run.dump()
    );
}

// ---------------------------------------------------------------------------
// handshake_failed
// ---------------------------------------------------------------------------

#[test]
fn handshake_failed_on_a_handshake_failure_alert() {
    let server = RawServer::start(raw::reply_after_read(raw::ALERT_HANDSHAKE_FAILURE));
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("handshake_failed", 1);
}

#[test]
fn handshake_failed_on_a_protocol_version_alert_names_the_versions() {
    let server = RawServer::start(raw::reply_after_read(raw::ALERT_PROTOCOL_VERSION));
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("handshake_failed", 1);
    let text = run.finding_text();
    assert!(
        ["TLS 1.0", "TLS 1.1", "TLS 1.2"]
            .iter()
            .any(|v| text.contains(v)),
        "the findings do not name a TLS version\n{}",
        run.dump()
    );
}

#[test]
fn handshake_failed_when_the_server_closes_after_the_client_hello() {
    let server = RawServer::start(raw::close_after_read());
    let run = Check::new(PUBLIC, server.port()).json();
    run.assert_verdict("handshake_failed", 1);
}

#[test]
fn handshake_failed_when_the_server_stalls_is_bounded_by_the_timeout() {
    let server = RawServer::start(raw::silent(Duration::from_secs(20)));
    let run = Check::new(PUBLIC, server.port())
        .args(["--timeout", "1"])
        .json();
    run.assert_verdict("handshake_failed", 1);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "a 1 s timeout took {:?}",
        run.elapsed
    );
}

// ---------------------------------------------------------------------------
// unreachable
// ---------------------------------------------------------------------------

#[test]
fn unreachable_on_a_closed_port() {
    let port = closed_port();
    let run = Check::new(PUBLIC, port).json();
    run.assert_verdict("unreachable", 3);
    assert!(run.target["chain"].as_array().is_none_or(Vec::is_empty));
}

#[test]
fn check_json_helper_reports_an_unreachable_target() {
    let port = closed_port();
    let scratch = Scratch::new();
    let roots = scratch.pem_file("roots.pem", &[unrelated_root()]);
    let (code, target, stderr) = check_json([
        format!("127.0.0.1:{port}").into(),
        "--no-http".into(),
        "--bundled-roots".into(),
        roots.clone().into_os_string(),
        "--os-roots".into(),
        roots.into_os_string(),
    ]);
    assert_eq!(code, 3, "{target:#}\n{stderr}");
    assert_eq!(target["verdict"], "unreachable", "{target:#}");
    assert_eq!(target["port"], port, "{target:#}");
}

// ---------------------------------------------------------------------------
// JSON shape
// ---------------------------------------------------------------------------

fn rfc3339(v: &Value) -> OffsetDateTime {
    let s = v.as_str().unwrap_or_else(|| panic!("{v} is not a string"));
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s:?} is not RFC 3339: {e}"))
}

#[test]
fn json_report_has_the_contract_fields() {
    let pki = public_pki();
    let server = TlsServer::start(&[&pki.leaf, &pki.inter], &pki.leaf);
    let target = format!("{PUBLIC}:{}", server.port());
    let run = Check::new(PUBLIC, server.port()).trust(&[&pki.root]).json();
    run.assert_verdict("clean", 0);

    assert_eq!(run.report["schema_version"], 1);
    assert_eq!(
        run.report["tool_version"],
        env!("CARGO_PKG_VERSION"),
        "{:#}",
        run.report
    );

    let t = &run.target;
    assert_eq!(t["input"], target.as_str());
    assert_eq!(t["host"], PUBLIC);
    assert_eq!(t["port"], server.port());
    assert_eq!(t["path"], "/");
    assert!(t["findings"].is_array(), "{}", run.dump());
    assert!(t["connection"].is_object(), "{}", run.dump());
    assert!(t["trust"].is_object(), "{}", run.dump());

    let chain = t["chain"].as_array().expect("chain is an array");
    assert_eq!(chain.len(), 2, "{}", run.dump());
    for (entry, cert) in chain.iter().zip([&pki.leaf, &pki.inter]) {
        for key in [
            "subject",
            "issuer",
            "sha256",
            "not_before",
            "not_after",
            "self_signed",
            "is_ca",
            "dns_names",
        ] {
            assert!(
                entry.get(key).is_some(),
                "chain entry lacks {key}: {entry:#}"
            );
        }
        let sha = entry["sha256"].as_str().expect("sha256 is a string");
        assert_eq!(sha.len(), 64, "{sha}");
        assert!(sha.chars().all(|c| c.is_ascii_hexdigit()), "{sha}");
        assert_eq!(sha.to_ascii_lowercase(), cert.sha256_hex());
        assert!(
            entry["subject"].as_str().unwrap_or("").contains(&cert.cn),
            "{entry:#}"
        );
        assert_eq!(
            rfc3339(&entry["not_before"]),
            cert.not_before().replace_nanosecond(0).unwrap()
        );
        assert_eq!(
            rfc3339(&entry["not_after"]),
            cert.not_after().replace_nanosecond(0).unwrap()
        );
        assert_eq!(entry["self_signed"], false, "{entry:#}");
        assert!(entry["dns_names"].is_array(), "{entry:#}");
    }
    assert!(chain[0]["issuer"]
        .as_str()
        .unwrap_or("")
        .contains(&pki.inter.cn));
    assert_eq!(chain[0]["is_ca"], false);
    assert_eq!(chain[1]["is_ca"], true);
    assert_eq!(chain[0]["dns_names"], serde_json::json!([PUBLIC]));
}
