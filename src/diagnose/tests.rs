//! Diagnose rules on hand-built evidence: no network, no certificates
//! parsed, every fact stated in the test.

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::observation::{Failure, HandshakeErrorKind, Observation};
use crate::trust::verify::{ChainError, PathFound, StoreVerdict, Verification};
use crate::trust::StoreKind;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

/// A certificate described by its names and dates only.
fn cert(cn: &str, issuer_cn: &str) -> CertFacts {
    let mut c = CertFacts::from_der(b"");
    c.parse_error = None;
    c.subject = format!("CN={cn}");
    c.issuer = format!("CN={issuer_cn}");
    c.display_name = cn.to_string();
    c.issuer_display_name = issuer_cn.to_string();
    c.subject_raw = cn.as_bytes().to_vec();
    c.issuer_raw = issuer_cn.as_bytes().to_vec();
    c.sha256 = format!("{:x}", md5ish(cn));
    c.not_before = datetime!(2026-01-01 0:00 UTC);
    c.not_after = datetime!(2027-06-01 0:00 UTC);
    c.self_signed = cn == issuer_cn;
    c.is_ca = cn == issuer_cn;
    c.subject_key_id = Some("01".into());
    c.authority_key_id = Some("02".into());
    c.ext.basic_constraints_critical = Some(true);
    c.ext.key_usage_cert_sign = Some(c.is_ca);
    c
}

/// A stable distinct fingerprint per name.
fn md5ish(s: &str) -> u128 {
    s.bytes().fold(0xcbf29ce484222325u128, |h, b| {
        (h ^ b as u128).wrapping_mul(0x100000001b3)
    })
}

fn ca(cn: &str, issuer_cn: &str) -> CertFacts {
    let mut c = cert(cn, issuer_cn);
    c.is_ca = true;
    c.ext.key_usage_cert_sign = Some(true);
    c
}

fn leaf(name: &str, issuer_cn: &str) -> CertFacts {
    let mut c = cert(name, issuer_cn);
    c.dns_names = vec![name.to_string()];
    c
}

fn store(
    kind: StoreKind,
    result: Result<Vec<usize>, ChainError>,
    anchor: Option<CertFacts>,
) -> StoreVerdict {
    StoreVerdict {
        kind,
        source: "test".into(),
        roots: 1,
        load_errors: Vec::new(),
        at_time: result.map(|chain_indices| PathFound {
            anchor: 0,
            chain_indices,
        }),
        at_valid_time: None,
        anchor,
        issuer_in_store: None,
        root_in_store: None,
        user_named: false,
    }
}

fn trusted(kind: StoreKind, path: Vec<usize>, anchor: CertFacts) -> StoreVerdict {
    store(kind, Ok(path), Some(anchor))
}

fn rejected(kind: StoreKind, err: ChainError) -> StoreVerdict {
    store(kind, Err(err), None)
}

fn verification(bundled: StoreVerdict, os: StoreVerdict) -> Verification {
    Verification {
        bundled,
        os,
        custom: None,
        name: Ok(()),
    }
}

fn run(host: &str, chain: &[CertFacts], v: &Verification) -> Diagnosis {
    run_with(host, chain, Some(v), Observation::default(), false)
}

fn run_with(
    host: &str,
    chain: &[CertFacts],
    v: Option<&Verification>,
    obs: Observation,
    via_proxy: bool,
) -> Diagnosis {
    let target = Target::parse(host).unwrap();
    diagnose(&Evidence {
        target: &target,
        observation: &obs,
        chain,
        verification: v,
        now: NOW,
        platform: Platform::Linux,
        via_proxy,
    })
}

fn error_kinds(d: &Diagnosis) -> Vec<Verdict> {
    d.findings.iter().filter_map(Finding::verdict).collect()
}

#[test]
fn clean_when_both_stores_trust() {
    let root = ca("Good Root", "Good Root");
    let chain = [
        leaf("api.example.com", "Good CA"),
        ca("Good CA", "Good Root"),
    ];
    let v = verification(
        trusted(StoreKind::Bundled, vec![0, 1], root.clone()),
        trusted(StoreKind::Os, vec![0, 1], root),
    );
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::Clean, "{d:#?}");
    assert!(error_kinds(&d).is_empty());
}

#[test]
fn os_store_outdated_is_a_warning_on_a_clean_verdict() {
    let root = ca("Good Root", "Good Root");
    let chain = [leaf("api.example.com", "Good Root")];
    let v = verification(
        trusted(StoreKind::Bundled, vec![0], root),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::Clean);
    assert!(d
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::OsStoreOutdated));
}

#[test]
fn os_trusted_public_name_is_interception_and_names_the_vendor() {
    let root = ca("Zscaler Root CA", "Zscaler Root CA");
    let chain = [
        leaf("api.openai.com", "Zscaler Intermediate Root CA"),
        ca("Zscaler Intermediate Root CA", "Zscaler Root CA"),
    ];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0, 1], root),
    );
    let d = run("api.openai.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    let f = &d.findings[0];
    assert_eq!(f.vendor.as_deref(), Some("Zscaler"));
    assert!(f.summary.contains("Zscaler"), "{}", f.summary);
    assert!(
        f.detail.contains("certifi"),
        "names the clients that fail: {}",
        f.detail
    );
    assert!(f.remedies.iter().any(|r| !r.avoid), "safe fixes");
    assert!(f.remedies.iter().any(|r| r.avoid), "fixes to avoid");
}

#[test]
fn os_trusted_unknown_root_on_public_name_is_interception_without_vendor() {
    let root = ca("Acme Inspection Root", "Acme Inspection Root");
    let chain = [leaf("pypi.org", "Acme Inspection Root")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    let d = run("pypi.org", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    assert_eq!(d.findings[0].vendor, None);
}

#[test]
fn os_trusted_local_name_is_private_ca() {
    let root = ca("mkcert development CA", "mkcert development CA");
    let chain = [leaf("app.localhost", "mkcert development CA")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    assert_eq!(run("app.localhost", &chain, &v).verdict, Verdict::PrivateCa);
}

#[test]
fn a_vendor_name_in_no_store_is_only_a_claim() {
    // DESIGN.md row 6: a root named like Zscaler's that no store holds.
    let chain = [
        leaf("github.com", "Zscaler Intermediate Root CA"),
        ca("Zscaler Intermediate Root CA", "Zscaler Root CA"),
    ];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("github.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    let f = &d.findings[0];
    assert_eq!(f.vendor, None, "a claimed vendor is not named as verified");
    assert!(!f.summary.contains("re-signed by Zscaler"), "{}", f.summary);
    assert!(
        f.detail.contains("unverified") && f.detail.contains("attacker"),
        "{}",
        f.detail
    );
    assert!(
        !f.remedies
            .iter()
            .any(|r| !r.avoid && r.action.to_lowercase().contains("install")),
        "{:?}",
        f.remedies
    );
    assert_eq!(
        run("intranet.local", &chain, &v).verdict,
        Verdict::PrivateCa
    );
}

#[test]
fn a_vendor_name_in_the_os_store_is_the_vendor() {
    // Row 4: matched by name and in a store, on a local name too.
    let root = ca("Zscaler Root CA", "Zscaler Root CA");
    let chain = [leaf("intranet.local", "Zscaler Root CA")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    let d = run("intranet.local", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    assert_eq!(d.findings[0].vendor.as_deref(), Some("Zscaler"));
}

#[test]
fn a_vendor_word_in_the_leaf_name_names_no_vendor() {
    let chain = [
        leaf("edellroot.example.com", "Some CA"),
        ca("Some CA", "Some CA"),
    ];
    let mut l = chain[0].clone();
    l.subject = "CN=Zscaler Root CA.example.com".into();
    let chain = [l, chain[1].clone()];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("edellroot.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::PrivateCa, "row 9: {:?}", d.findings[0]);
    assert!(
        d.findings.iter().all(|f| f.vendor.is_none()),
        "{:?}",
        d.findings
    );
}

#[test]
fn a_proxy_makes_an_untrusted_public_chain_interception() {
    let chain = [
        leaf("api.example.com", "Some CA"),
        ca("Some CA", "Some Root"),
    ];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run_with(
        "api.example.com",
        &chain,
        Some(&v),
        Observation::default(),
        true,
    );
    assert_eq!(d.verdict, Verdict::CorporateInterception);
}

#[test]
fn a_plain_tunnel_re_signs_nothing_for_a_local_name() {
    // Row 7, local: private_ca, and NO_PROXY probably lacks the name.
    let chain = [leaf("localhost", "Some CA"), ca("Some CA", "Some Root")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run_with("localhost", &chain, Some(&v), Observation::default(), true);
    assert_eq!(d.verdict, Verdict::PrivateCa);
    assert!(
        d.findings[0].detail.contains("NO_PROXY"),
        "{}",
        d.findings[0].detail
    );
    // Row 5 comes before row 7: an OS-trusted private root stays private_ca.
    let root = ca("Corp Root", "Corp Root");
    let chain = [leaf("app.internal", "Corp Root")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    let d = run_with(
        "app.internal",
        &chain,
        Some(&v),
        Observation::default(),
        true,
    );
    assert_eq!(d.verdict, Verdict::PrivateCa);
}

#[test]
fn self_signed_wins_over_os_trust_and_ca_flag() {
    let mut me = cert("localhost", "localhost");
    me.is_ca = true; // openssl req -x509 style
    me.dns_names = vec!["localhost".into()];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::CaUsedAsEndEntity),
        rejected(StoreKind::Os, ChainError::CaUsedAsEndEntity),
    );
    let d = run("localhost", &[me], &v);
    assert_eq!(d.verdict, Verdict::SelfSigned, "{d:#?}");
}

#[test]
fn missing_intermediate_on_public_name_is_incomplete_chain_with_aia() {
    let mut l = leaf("api.example.com", "Example Issuing CA R3");
    l.ca_issuers = vec!["http://ca.example/r3.der".into()];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("api.example.com", &[l.clone()], &v);
    assert_eq!(d.verdict, Verdict::IncompleteChain);
    assert!(d.findings[0].summary.contains("Example Issuing CA R3"));
    assert!(d.findings[0].detail.contains("http://ca.example/r3.der"));
    // The same shape on a local name: its CA is just not installed.
    let mut l = leaf("db.internal", "Corp Issuing CA");
    l.ca_issuers.clear();
    assert_eq!(run("db.internal", &[l], &v).verdict, Verdict::PrivateCa);
}

#[test]
fn sent_root_in_no_store_is_private_ca() {
    let chain = [
        leaf("api.example.com", "Unknown Root"),
        ca("Unknown Root", "Unknown Root"),
    ];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::PrivateCa);
    assert!(
        d.findings[0].detail.contains("inspection"),
        "public names get the may-be-inspection note"
    );
}

#[test]
fn declared_ca_is_not_a_trust_problem() {
    let root = ca("Corp Root", "Corp Root");
    let chain = [leaf("api.example.com", "Corp Root")];
    let mut v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    v.custom = Some(trusted(StoreKind::Custom, vec![0], root));
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::Clean, "{d:#?}");
    assert!(d.findings.iter().any(|f| f.kind == FindingKind::DeclaredCa));
}

#[test]
fn expired_names_the_certificate_and_date_and_keeps_trust_classification() {
    let root = ca("Zscaler Root CA", "Zscaler Root CA");
    let mut l = leaf("api.example.com", "Zscaler Root CA");
    l.not_before = datetime!(2019-01-01 0:00 UTC);
    l.not_after = datetime!(2020-01-01 0:00 UTC);
    let mut os = rejected(StoreKind::Os, ChainError::Expired);
    os.at_valid_time = Some(Ok(PathFound {
        anchor: 0,
        chain_indices: vec![0],
    }));
    os.anchor = Some(root);
    let mut bundled = rejected(StoreKind::Bundled, ChainError::Expired);
    bundled.at_valid_time = Some(Err(ChainError::UnknownIssuer));
    let v = verification(bundled, os);
    let d = run("api.example.com", &[l], &v);
    let kinds = error_kinds(&d);
    assert!(kinds.contains(&Verdict::Expired), "{kinds:?}");
    assert!(
        kinds.contains(&Verdict::CorporateInterception),
        "expiry does not hide trust: {kinds:?}"
    );
    let expired = d
        .findings
        .iter()
        .find(|f| f.verdict() == Some(Verdict::Expired))
        .unwrap();
    assert!(
        expired.summary.contains("api.example.com") && expired.summary.contains("2020-01-01"),
        "{}",
        expired.summary
    );
}

#[test]
fn expired_intermediate_is_named_as_the_intermediate() {
    let root = ca("Good Root", "Good Root");
    let mut inter = ca("Good CA", "Good Root");
    inter.not_after = datetime!(2026-03-01 0:00 UTC);
    let chain = [leaf("api.example.com", "Good CA"), inter];
    let mut b = rejected(StoreKind::Bundled, ChainError::Expired);
    b.at_valid_time = Some(Ok(PathFound {
        anchor: 0,
        chain_indices: vec![0, 1],
    }));
    b.anchor = Some(root.clone());
    let mut o = b.clone();
    o.kind = StoreKind::Os;
    let d = run("api.example.com", &chain, &verification(b, o));
    assert_eq!(d.verdict, Verdict::Expired);
    assert!(
        d.findings[0]
            .summary
            .starts_with("the intermediate 'Good CA'"),
        "{}",
        d.findings[0].summary
    );
}

#[test]
fn not_yet_valid_and_expiring_soon() {
    let root = ca("Good Root", "Good Root");
    let mut l = leaf("api.example.com", "Good Root");
    l.not_before = datetime!(2099-01-01 0:00 UTC);
    l.not_after = datetime!(2100-01-01 0:00 UTC);
    let mut b = rejected(StoreKind::Bundled, ChainError::NotYetValid);
    b.at_valid_time = Some(Ok(PathFound {
        anchor: 0,
        chain_indices: vec![0],
    }));
    b.anchor = Some(root);
    let mut o = b.clone();
    o.kind = StoreKind::Os;
    let v = verification(b, o);
    assert_eq!(
        run("api.example.com", &[l.clone()], &v).verdict,
        Verdict::NotYetValid
    );

    l.not_before = datetime!(2026-01-01 0:00 UTC);
    l.not_after = NOW + time::Duration::days(3);
    let root = ca("Good Root", "Good Root");
    let v = verification(
        trusted(StoreKind::Bundled, vec![0], root.clone()),
        trusted(StoreKind::Os, vec![0], root),
    );
    let d = run("api.example.com", &[l], &v);
    assert_eq!(d.verdict, Verdict::Clean);
    assert!(d
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::ExpiresSoon));
}

#[test]
fn hostname_mismatch_lists_the_names() {
    let root = ca("Good Root", "Good Root");
    let mut l = leaf("other.example.com", "Good Root");
    l.dns_names.push("www.other.example.com".into());
    let mut v = verification(
        trusted(StoreKind::Bundled, vec![0], root.clone()),
        trusted(StoreKind::Os, vec![0], root),
    );
    v.name = Err(ChainError::NotValidForName);
    let d = run("api.example.com", &[l], &v);
    assert_eq!(d.verdict, Verdict::HostnameMismatch);
    assert!(
        d.findings[0]
            .summary
            .contains("other.example.com, www.other.example.com"),
        "{}",
        d.findings[0].summary
    );
}

#[test]
fn trust_problem_outranks_name_problem() {
    let root = ca("Zscaler Root CA", "Zscaler Root CA");
    let mut v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    v.name = Err(ChainError::NotValidForName);
    let d = run(
        "api.example.com",
        &[leaf("wrong.example.com", "Zscaler Root CA")],
        &v,
    );
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    assert!(error_kinds(&d).contains(&Verdict::HostnameMismatch));
}

#[test]
fn other_verifier_errors_are_invalid_certificate() {
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::RequiredEkuNotFound),
        rejected(StoreKind::Os, ChainError::RequiredEkuNotFound),
    );
    let d = run(
        "api.example.com",
        &[
            leaf("api.example.com", "Good CA"),
            ca("Good CA", "Good Root"),
        ],
        &v,
    );
    assert_eq!(d.verdict, Verdict::InvalidCertificate);
    assert!(d.findings[0].detail.contains("serverAuth"));
}

#[test]
fn ca_first_is_a_chain_order_problem_not_a_handshake_one() {
    let chain = [
        ca("Good CA", "Good Root"),
        leaf("api.example.com", "Good CA"),
    ];
    let obs = Observation {
        failure: Some(Failure::Handshake {
            kind: HandshakeErrorKind::BadSignature,
            message: "invalid peer certificate: BadSignature".into(),
        }),
        ..Observation::default()
    };
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::CaUsedAsEndEntity),
        rejected(StoreKind::Os, ChainError::CaUsedAsEndEntity),
    );
    let d = run_with("api.example.com", &chain, Some(&v), obs, false);
    assert_eq!(d.verdict, Verdict::InvalidCertificate);
    assert_eq!(d.findings[0].kind, FindingKind::ChainOrder);
    assert!(
        d.findings[0]
            .summary
            .contains("'api.example.com' must come first"),
        "{}",
        d.findings[0].summary
    );
}

#[test]
fn not_tls_quotes_the_server() {
    let obs = Observation {
        failure: Some(Failure::Handshake {
            kind: HandshakeErrorKind::InvalidMessage,
            message: "x".into(),
        }),
        first_bytes: b"HTTP/1.0 400 Bad Request\r\n".to_vec(),
        ..Observation::default()
    };
    let d = run_with("localhost:8080", &[], None, obs, false);
    assert_eq!(d.verdict, Verdict::NotTls);
    assert!(d.findings[0]
        .summary
        .contains("\"HTTP/1.0 400 Bad Request\""));
}

#[test]
fn handshake_failures_say_what_happened() {
    let failing = |kind: HandshakeErrorKind, received: usize| {
        let obs = Observation {
            failure: Some(Failure::Handshake {
                kind,
                message: "m".into(),
            }),
            bytes_received: received,
            first_bytes: vec![0x15, 0x03, 0x03],
            ..Observation::default()
        };
        run_with("localhost", &[], None, obs, false)
    };
    let d = failing(HandshakeErrorKind::ProtocolVersion, 7);
    assert_eq!(d.verdict, Verdict::HandshakeFailed);
    assert!(d.findings[0].summary.contains("TLS 1.0/1.1"));
    let d = failing(HandshakeErrorKind::TimedOut, 0);
    assert!(d.findings[0].summary.contains("never answered"));
    let d = failing(HandshakeErrorKind::Alert("handshake_failure".into()), 7);
    assert!(d.findings[0].summary.contains("handshake_failure"));
}

#[test]
fn an_oversized_handshake_message_is_named_not_called_a_middlebox() {
    let obs = Observation {
        failure: Some(Failure::Handshake {
            kind: HandshakeErrorKind::InvalidMessage,
            message: "received corrupt message of type HandshakePayloadTooLarge".into(),
        }),
        bytes_received: 70_000,
        first_bytes: vec![0x16, 0x03, 0x03],
        ..Observation::default()
    };
    let d = run_with("localhost", &[], None, obs, false);
    assert_eq!(d.verdict, Verdict::HandshakeFailed);
    assert!(d.findings[0].summary.contains("larger than clients accept"));
    assert!(d.findings[0].detail.contains("64 KiB"));
    assert!(!d.findings[0].detail.contains("middlebox"));
}

#[test]
fn connection_failures_are_unreachable() {
    let obs = Observation {
        failure: Some(Failure::Connect {
            kind: crate::observation::ConnectErrorKind::Refused,
            message: "refused".into(),
        }),
        ..Observation::default()
    };
    let d = run_with("localhost:1", &[], None, obs, false);
    assert_eq!(d.verdict, Verdict::Unreachable);
}

#[test]
fn strict_lint_flags_a_non_critical_root_and_warns_python_users() {
    let mut root = ca("Zscaler Root CA", "Zscaler Root CA");
    root.ext.basic_constraints_critical = Some(false);
    let chain = [leaf("api.openai.com", "Zscaler Root CA")];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        trusted(StoreKind::Os, vec![0], root),
    );
    let d = run("api.openai.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    let lint = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::StrictX509)
        .expect("strict_x509 warning");
    assert!(lint
        .rule
        .as_deref()
        .unwrap_or("")
        .contains("basicConstraints"));
    let all_text: String = d.findings[0]
        .remedies
        .iter()
        .map(|r| format!("{} {}", r.action, r.commands.join(" ")))
        .collect();
    assert!(
        all_text.contains("3.13"),
        "the Python 3.13 caveat is in the fix: {all_text}"
    );
}

#[test]
fn compromised_key_roots_get_a_loud_warning() {
    let mut root = ca("localhost", "localhost");
    // SPKI SHA-256 of webpack-dev-server's published CA (badssl.com).
    root.spki_sha256 =
        hex::decode("2bd1e667ec9ebbe02b9a7da264210c99b3eac1cc9141a0e30e3f623eaccec4e1")
            .unwrap()
            .try_into()
            .unwrap();
    let chain = [leaf("api.example.com", "localhost"), root.clone()];
    let v = verification(
        rejected(StoreKind::Bundled, ChainError::UnknownIssuer),
        rejected(StoreKind::Os, ChainError::UnknownIssuer),
    );
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::CorporateInterception);
    assert!(d
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::CompromisedRoot));
    assert_eq!(run("app.localhost", &chain, &v).verdict, Verdict::PrivateCa);
}

#[test]
fn a_reordered_chain_file_is_a_warning_naming_the_files_order() {
    let root = ca("Root", "Root");
    let chain = [leaf("api.example.com", "Inter"), ca("Inter", "Root")];
    let v = verification(
        trusted(StoreKind::Bundled, vec![0, 1], root.clone()),
        trusted(StoreKind::Os, vec![0, 1], root),
    );
    let obs = Observation {
        // The file held the intermediate first.
        file_order: Some(vec![1, 0]),
        ..Observation::default()
    };
    let d = run_with("api.example.com", &chain, Some(&v), obs, false);
    assert_eq!(d.verdict, Verdict::Clean, "{d:#?}");
    let order = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ChainOrder)
        .expect("chain_order finding");
    assert_eq!(order.severity, crate::findings::Severity::Warning);
    assert!(
        order.detail.contains("'Inter', 'api.example.com'"),
        "{order:#?}"
    );
}

#[test]
fn the_first_expiry_on_the_path_is_an_info_finding() {
    let root = ca("Root", "Root");
    let mut inter = ca("Inter", "Root");
    inter.not_after = datetime!(2027-01-03 0:00 UTC);
    let chain = [leaf("api.example.com", "Inter"), inter];
    let v = verification(
        trusted(StoreKind::Bundled, vec![0, 1], root.clone()),
        trusted(StoreKind::Os, vec![0, 1], root),
    );
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::Clean);
    let note = d
        .findings
        .iter()
        .find(|f| f.severity == crate::findings::Severity::Info && f.summary.contains("expires"))
        .expect("horizon note");
    assert!(
        note.summary.contains(
            "the intermediate 'Inter' expires on 2027-01-03, before the server certificate"
        ),
        "{note:#?}"
    );
}

#[test]
fn unknown_issuer_that_reaches_an_installed_root_is_not_a_missing_intermediate() {
    // The server sends an "intermediate" without CA:TRUE; its issuer is installed.
    let root = ca("Root", "Root");
    let mut not_a_ca = cert("Inter", "Root");
    not_a_ca.is_ca = false;
    let chain = [leaf("api.example.com", "Inter"), not_a_ca];
    let mut bundled = rejected(StoreKind::Bundled, ChainError::UnknownIssuer);
    bundled.issuer_in_store = Some(root);
    let v = verification(bundled, rejected(StoreKind::Os, ChainError::UnknownIssuer));
    let d = run("api.example.com", &chain, &v);
    assert_eq!(d.verdict, Verdict::InvalidCertificate, "{d:#?}");
    assert!(
        d.findings[0].detail.contains("is not a CA"),
        "{:#?}",
        d.findings[0]
    );
}

#[test]
fn a_failing_redirect_destination_decides_the_verdict_and_says_where() {
    let target = Diagnosis {
        verdict: Verdict::Clean,
        findings: Vec::new(),
    };
    let dest = Diagnosis {
        verdict: Verdict::HandshakeFailed,
        findings: vec![Finding::error(
            Verdict::HandshakeFailed,
            "a.example:1010 speaks only TLS 1.0/1.1",
            "Modern clients refuse it.",
        )],
    };
    let merged = with_destination(target, "a.example:1010", &dest);
    assert_eq!(merged.verdict, Verdict::HandshakeFailed);
    assert!(merged.findings[0]
        .summary
        .starts_with("at the redirect's destination a.example:1010"));
    // A less severe destination leaves the target's verdict.
    let target = Diagnosis {
        verdict: Verdict::NotTls,
        findings: vec![Finding::error(Verdict::NotTls, "x", "")],
    };
    assert_eq!(
        with_destination(target, "a:1", &dest).verdict,
        Verdict::NotTls
    );
}

#[test]
fn a_refusal_after_a_client_certificate_request_is_mutual_tls() {
    use crate::observation::ClientAuthRequest;
    let with = |kind: HandshakeErrorKind, request: Option<ClientAuthRequest>| {
        let obs = Observation {
            failure: Some(Failure::Handshake {
                kind,
                message: "m".into(),
            }),
            first_bytes: vec![0x16, 0x03, 0x03],
            client_auth: request,
            ..Observation::default()
        };
        run_with("api.example.com:8443", &[], None, obs, false)
    };
    let asked = || {
        Some(ClientAuthRequest {
            acceptable_issuers: vec!["CN=Client CA".into()],
            refused_after_handshake: None,
        })
    };
    let d = with(
        HandshakeErrorKind::Alert("handshake_failure".into()),
        asked(),
    );
    assert_eq!(d.verdict, Verdict::HandshakeFailed);
    assert!(d.findings[0]
        .summary
        .contains("requires a client certificate"));
    assert!(d.findings[0].detail.contains("'CN=Client CA'"));
    let commands: Vec<&String> = d.findings[0]
        .remedies
        .iter()
        .flat_map(|r| &r.commands)
        .collect();
    assert!(
        commands
            .iter()
            .any(|c| c.contains("s_client -connect api.example.com:8443 -cert")),
        "{commands:?}"
    );
    let d = with(HandshakeErrorKind::ClosedByPeer, asked());
    assert!(d.findings[0]
        .summary
        .contains("requires a client certificate"));
    // No request seen: the alert is not called mutual TLS.
    let d = with(HandshakeErrorKind::Alert("handshake_failure".into()), None);
    assert!(!d.findings[0].summary.contains("client certificate"));
    // A failure of our own (the server's certificate refused) is not the server's refusal.
    let d = with(HandshakeErrorKind::BadSignature, asked());
    assert!(!d.findings[0].summary.contains("client certificate"));
}

#[test]
fn an_optional_client_certificate_request_is_a_note() {
    let obs = Observation {
        client_auth: Some(crate::observation::ClientAuthRequest::default()),
        ..Observation::default()
    };
    let d = run_with("api.example.com", &[], None, obs, false);
    let note = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Connection)
        .expect("a connection note");
    assert_eq!(note.severity, crate::findings::Severity::Info);
    assert!(note.summary.contains("accepts connections without one"));
}
