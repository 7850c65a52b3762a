//! Conformance against x509-limbo (C2SP), through `inspect`'s code path.
//!
//! Every SERVER case with a peer name, except the CRL, "pedantic" and
//! max-chain-depth ones (a depth limit no path can reach is not one), runs in-process through [`tlsdoctor::pipeline::judge`]:
//! the case's trusted certificates are both the bundled and the OS store,
//! the chain is the peer plus the untrusted intermediates, the time is the
//! case's validation time. What counts as agreement:
//!
//! - SUCCESS: verdict `clean`, no error finding;
//! - FAILURE: not clean, with a verdict of the family the case tests (table
//!   below), or clean with a `strict_x509` warning naming the rule tested.
//!
//! The corpus is read from `$TLSDOCTOR_LIMBO` (set by `.ci/run`) or
//! `../shared/conformance/limbo.json`; without it the test is ignored. docs/conformance.md explains each
//! disagreement; [`KNOWN_DISAGREEMENTS`] lists them so a new one fails.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tlsdoctor::findings::{FindingKind, Severity, Verdict};
use tlsdoctor::observation::Observation;
use tlsdoctor::target::Target;
use tlsdoctor::trust::verify::Stores;
use tlsdoctor::trust::{StoreKind, TrustStore};

/// Agreement below this is a bug to find.
const THRESHOLD: f64 = 0.95;

/// Issue 13's floor: agreement must not drop below 162 of the 169 cases
/// selected from the corpus in `../shared/conformance` (2026-11-22).
const FLOOR: (usize, usize) = (162, 169);

use Verdict::*;

/// Case id prefix → the verdicts a FAILURE case may get when not clean.
/// The first matching prefix wins, so specific ids come before namespaces.
const FAMILIES: &[(&str, &[Verdict])] = &[
    // Time.
    ("rfc5280::validity::not-yet-valid", &[NotYetValid]),
    ("rfc5280::validity::notbefore", &[NotYetValid]),
    ("rfc5280::validity::", &[Expired]),
    // Names: the leaf is not valid for the name asked.
    ("webpki::san::", &[HostnameMismatch]),
    ("webpki::cn::", &[HostnameMismatch]),
    ("rfc5280::san::ip-in-dns", &[HostnameMismatch]),
    ("rfc5280::ca-as-leaf-wrong-san", &[HostnameMismatch]),
    // Name constraints: the chain is invalid. Many limbo NC leaves also do
    // not carry the asked name (a DirectoryName only, or another DNS name),
    // and a name mismatch outranks invalid_certificate (DESIGN.md).
    ("rfc5280::nc::", &[InvalidCertificate, HostnameMismatch]),
    ("webpki::nc::", &[InvalidCertificate, HostnameMismatch]),
    (
        "cve::cve-2025-61727",
        &[InvalidCertificate, HostnameMismatch],
    ),
    (
        "pathological::nc-dos",
        &[InvalidCertificate, HostnameMismatch],
    ),
    // Trust: no path to a trusted root because a certificate is missing or
    // the chain ends at an untrusted root.
    (
        "webpki::cryptographydotio-chain-missing-intermediate",
        &[IncompleteChain],
    ),
    (
        "rfc5280::chain-untrusted-root",
        &[PrivateCa, IncompleteChain],
    ),
    (
        "pathological::intermediate-cycle",
        &[IncompleteChain, PrivateCa],
    ),
    (
        "pathological::pathological-chain",
        &[InvalidCertificate, IncompleteChain, PrivateCa],
    ),
    // The compiled corpus gives these "root -> ICA -> EE" cases no ICA at
    // all (untrusted_intermediates is empty), so the chain as given is
    // missing its intermediate; with the ICA sent they are invalid_certificate.
    (
        "rfc5280::ica-ku-keycertsign",
        &[InvalidCertificate, IncompleteChain],
    ),
    (
        "rfc5280::intermediate-ca-missing-basic-constraints",
        &[InvalidCertificate, IncompleteChain],
    ),
    // Everything else a verifier rejects: bad signatures, keys, encodings,
    // extensions, CA/leaf confusion, path length, EKU.
    ("", &[InvalidCertificate]),
];

/// Case id → the words the `strict_x509` rule must contain when a FAILURE
/// case comes out clean (the rule limbo tests, by RFC / CA/B section).
const LINT_RULES: &[(&str, &str)] = &[
    ("rfc5280::aki::critical-aki", "§4.2.1.1"),
    ("rfc5280::aki::leaf-missing-aki", "§4.2.1.1"),
    ("rfc5280::aki::intermediate-missing-aki", "§4.2.1.1"),
    ("rfc5280::ski::", "§4.2.1.2"),
    ("rfc5280::validity::expired-root", "§6.1.3"),
    ("rfc5280::ca-empty-subject", "§4.1.2.6"),
    ("rfc5280::unknown-critical-extension-root", "§4.2:"),
    ("rfc5280::root-missing-basic-constraints", "§4.2.1.9"),
    ("rfc5280::root-non-critical-basic-constraints", "§4.2.1.9"),
    ("rfc5280::root-inconsistent-ca-extensions", "keyCertSign"),
    ("rfc5280::leaf-ku-keycertsign", "§4.2.1.9"),
    ("rfc5280::nc::invalid-dnsname-leading-period", "§4.2.1.10"),
    ("rfc5280::nc::not-allowed-in-ee", "§4.2.1.10"),
    ("rfc5280::san::noncritical-with-empty-subject", "§4.2.1.6"),
    ("rfc5280::san::underscore-dns", "preferred name syntax"),
    ("webpki::aki::", "§7.1.2.1.3"),
    ("webpki::cn::", "§7.1.4.3"),
    (
        "webpki::nc::intermediate-permitted-excluded-subtrees",
        "§7.1.2.5.2",
    ),
    (
        "webpki::san::san-critical-with-nonempty-subject",
        "§7.1.2.7.12",
    ),
    ("webpki::malformed-aia", "§4.2.2.1"),
];

/// Explained in docs/conformance.md; a case not listed here that disagrees
/// fails the test, and so does a listed case that starts to agree.
const KNOWN_DISAGREEMENTS: &[&str] = &[
    "pathlen::validation-ignores-pathlen-in-leaf",
    "rfc5280::ca-as-leaf",
    "pathlen::self-issued-certs-pathlen",
    "rfc5280::nc::permitted-self-issued",
    "rfc5280::nc::permitted-dns-match-noncritical",
    "rfc5280::pc::ica-noncritical-pc",
    "webpki::forbidden-rsa-not-divisible-by-8-in-root",
];

fn der(pem: &Value) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_str().unwrap_or_default().as_bytes())
        .expect("limbo PEM certificate")
}

fn selected(case: &Value) -> bool {
    let features = case["features"].to_string();
    case["validation_kind"] == "SERVER"
        && !case["expected_peer_name"].is_null()
        && !features.contains("has-crl")
        && !features.contains("pedantic")
        && !features.contains("max-chain-depth")
        && depth_cannot_bind(case)
        && case["crls"].as_array().is_none_or(Vec::is_empty)
}

/// A `max_chain_depth` at least as long as every certificate the case gives
/// cannot end a path early, so the case tests what it would test without it
/// (`pathological::intermediate-cycle-distinct-cas-max-depth` sets 255 on a
/// four-certificate case). The cases that test the limit itself carry the
/// `max-chain-depth` feature and stay out.
fn depth_cannot_bind(case: &Value) -> bool {
    let certs = 1 + ["trusted_certs", "untrusted_intermediates"]
        .iter()
        .map(|k| case[k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    let depth = &case["max_chain_depth"];
    depth.is_null() || depth.as_u64().is_some_and(|d| d >= certs as u64)
}

fn lookup<T: Copy>(table: &[(&str, T)], id: &str) -> Option<T> {
    table
        .iter()
        .find(|(p, _)| id.starts_with(p))
        .map(|(_, t)| *t)
}

/// Judge one case; `Err` says why tlsdoctor disagrees with limbo.
fn judge_case(case: &Value) -> Result<(), String> {
    let id = case["id"].as_str().unwrap_or_default();
    let roots: Vec<_> = case["trusted_certs"]
        .as_array()
        .unwrap()
        .iter()
        .map(der)
        .collect();
    let mut chain = vec![der(&case["peer_certificate"])];
    chain.extend(
        case["untrusted_intermediates"]
            .as_array()
            .unwrap()
            .iter()
            .map(der),
    );
    let at = case["validation_time"]
        .as_str()
        .map(|t| OffsetDateTime::parse(t, &Rfc3339).expect("limbo time"))
        .unwrap_or_else(OffsetDateTime::now_utc);
    let stores = Stores {
        bundled: TrustStore::from_certs(StoreKind::Bundled, "limbo", roots.clone()),
        os: TrustStore::from_certs(StoreKind::Os, "limbo", roots),
        custom: None,
    };
    let name = case["expected_peer_name"]["value"]
        .as_str()
        .unwrap_or_default();
    let target = Target::parse(name).map_err(|e| format!("peer name: {e}"))?;
    let observation = Observation {
        chain,
        ..Observation::default()
    };
    let d = tlsdoctor::pipeline::judge(target, observation, &stores, at).diagnosis;
    let errors: Vec<&str> = d
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.summary.as_str())
        .collect();
    let success = case["expected_result"] == "SUCCESS";
    match (success, d.verdict) {
        (true, Clean) if errors.is_empty() => Ok(()),
        (true, v) => Err(format!("expected clean, got {v}: {}", errors.join("; "))),
        (false, Clean) => {
            let Some(words) = lookup(LINT_RULES, id) else {
                return Err("expected a failure, got clean (no lint rule mapped)".into());
            };
            let named = d.findings.iter().any(|f| {
                f.kind == FindingKind::StrictX509
                    && f.rule.as_deref().is_some_and(|r| r.contains(words))
            });
            if named {
                Ok(())
            } else {
                Err(format!(
                    "expected a failure or a strict_x509 warning with '{words}', got clean"
                ))
            }
        }
        (false, v) => {
            let family = lookup(FAMILIES, id).unwrap_or(&[]);
            if family.contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "expected one of {family:?}, got {v}: {}",
                    errors.join("; ")
                ))
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(tool_limbo),
    ignore = "x509-limbo corpus not found (set TLSDOCTOR_LIMBO, or put shared/ beside the clone)"
)]
fn x509_limbo_agreement() {
    let path = crate::support::tool("limbo");
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let corpus: Value = serde_json::from_slice(&bytes).expect("limbo.json is JSON");
    let cases: Vec<&Value> = corpus["testcases"]
        .as_array()
        .expect("testcases")
        .iter()
        .filter(|c| selected(c))
        .collect();
    let mut disagreements = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or_default();
        if let Err(why) = judge_case(case) {
            disagreements.push((id.to_string(), why));
        }
    }
    let agreed = cases.len() - disagreements.len();
    let ratio = agreed as f64 / cases.len() as f64;
    let listing: String = disagreements
        .iter()
        .map(|(id, why)| format!("  {id}: {why}\n"))
        .collect();
    eprintln!(
        "x509-limbo: {agreed}/{} agree ({:.1}%)\n{listing}",
        cases.len(),
        ratio * 100.0
    );
    assert!(
        ratio >= THRESHOLD,
        "agreement {agreed}/{} is below {:.0}%; disagreements:\n{listing}",
        cases.len(),
        THRESHOLD * 100.0
    );
    assert!(
        agreed >= FLOOR.0 && cases.len() >= FLOOR.1,
        "agreement {agreed}/{} is below the floor {}/{}",
        cases.len(),
        FLOOR.0,
        FLOOR.1
    );
    let unexplained: Vec<&str> = disagreements
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| !KNOWN_DISAGREEMENTS.contains(id))
        .collect();
    assert!(
        unexplained.is_empty(),
        "new disagreements (explain them in docs/conformance.md or fix them):\n{listing}"
    );
    let now_agree: Vec<&&str> = KNOWN_DISAGREEMENTS
        .iter()
        .filter(|k| !disagreements.iter().any(|(id, _)| id == **k))
        .collect();
    assert!(
        now_agree.is_empty(),
        "these cases now agree: remove them from KNOWN_DISAGREEMENTS and docs/conformance.md: {now_agree:?}"
    );
}
