//! The strict-profile lint: what stricter validators reject and rustls,
//! browsers and curl-with-rustls accept.
//!
//! webpki ignores most of a trust anchor and several RFC 5280 / CA/B Forum
//! profile rules (NOTES.md). Python 3.13+ (`VERIFY_X509_STRICT` in the
//! default context, which is OpenSSL's `X509_V_FLAG_X509_STRICT`),
//! pyca/cryptography's verifier (and so sslyze) and OpenSSL `-x509_strict`
//! check some of them — not all of them, and not the same ones. Each broken
//! rule becomes a `strict_x509` warning naming the rule and exactly the
//! clients that reject the chain because of it:
//!
//! - OpenSSL strict: `check_extensions()` in `crypto/x509/x509_vfy.c` under
//!   `X509_V_FLAG_X509_STRICT` (basicConstraints critical on a CA, keyUsage on
//!   a CA, no keyCertSign on a leaf, non-empty issuer and CA subject, SAN
//!   critical when the subject is empty, AKI/SKI not critical, AKI keyid on
//!   every certificate but the last, SKI on every CA), plus `check_ca()` in
//!   `v3_purp.c` (a CA without basicConstraints).
//! - OpenSSL in every mode: validity of every certificate including the
//!   root, unhandled critical extensions, a CA keyUsage without keyCertSign.
//! - pyca/cryptography: `policy/mod.rs` and `policy/extension.rs` of
//!   `cryptography-x509-verification` (AKI required on leaves and never
//!   critical, the CA/B AKI shape, basicConstraints present and critical on
//!   CAs, keyUsage with keyCertSign on CAs, SAN criticality against the
//!   subject, no nameConstraints on leaves, non-empty nameConstraints,
//!   well-formed AIA, unknown critical extensions, the root's validity).
//!   It does *not* require an SKI on CAs nor an AKI on intermediates.
//!
//! This module reads [`CertFacts`] only; it never changes the verdict.

use time::OffsetDateTime;

use crate::cert::{format_date, CertFacts};
use crate::findings::{Finding, FindingKind};

/// Python's default context since 3.13 sets OpenSSL's strict flag.
pub const PYTHON_STRICT: &str = "Python 3.13+ (ssl default context, VERIFY_X509_STRICT)";
/// `openssl verify -x509_strict`, and any program that sets the flag.
pub const OPENSSL_STRICT: &str = "OpenSSL -x509_strict";
/// OpenSSL without any flag: curl, Python of every version, Ruby, PHP, git.
pub const OPENSSL_ANY: &str =
    "OpenSSL in every mode (curl and git with OpenSSL, Python, Ruby, PHP)";
/// pyca/cryptography's X.509 verifier, used by sslyze.
pub const PYCA: &str = "pyca/cryptography (sslyze)";

const STRICT: &[&str] = &[PYTHON_STRICT, OPENSSL_STRICT];
const STRICT_AND_PYCA: &[&str] = &[PYTHON_STRICT, OPENSSL_STRICT, PYCA];
const EVERY_OPENSSL_AND_PYCA: &[&str] = &[OPENSSL_ANY, PYTHON_STRICT, OPENSSL_STRICT, PYCA];
const PYCA_ONLY: &[&str] = &[PYCA];
/// The rule is broken, but no client we track rejects the chain for it;
/// certificate linters (zlint, pkilint) and CA/B-profile validators do.
const NONE_TRACKED: &[&str] = &[];

pub use crate::cert::chain::Role;

/// One broken rule on one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, with its source, e.g. "RFC 5280 §4.2.1.9: basicConstraints MUST be critical in a CA certificate".
    pub rule: &'static str,
    /// What is wrong with this certificate, in the words clients print.
    pub message: String,
    /// The clients that reject the chain because of it (may be empty).
    pub rejected_by: &'static [&'static str],
}

fn v(
    rule: &'static str,
    message: impl Into<String>,
    rejected_by: &'static [&'static str],
) -> Violation {
    Violation {
        rule,
        message: message.into(),
        rejected_by,
    }
}

/// Rules broken by `cert` in `role`, judged at `now`.
pub fn violations(cert: &CertFacts, role: Role, now: OffsetDateTime) -> Vec<Violation> {
    let mut out = Vec::new();
    if cert.parse_error.is_some() {
        return out;
    }
    // Validity is in whole seconds (as in Diagnose's time rules).
    let now = now.replace_nanosecond(0).unwrap_or(now);
    // A certificate that issues another on the path acts as a CA, whatever
    // its basicConstraints say.
    let acts_as_ca = role != Role::Leaf || cert.is_ca;

    if role == Role::Anchor {
        anchor_rules(cert, now, &mut out);
    }
    if acts_as_ca {
        ca_rules(cert, role, &mut out);
    } else {
        non_ca_rules(cert, &mut out);
    }
    if role == Role::Leaf {
        leaf_rules(cert, &mut out);
    }
    common_rules(cert, role, acts_as_ca, &mut out);
    out
}

/// The trust anchor's own validity (OpenSSL and pyca check it; webpki does not).
fn anchor_rules(cert: &CertFacts, now: OffsetDateTime, out: &mut Vec<Violation>) {
    if now > cert.not_after {
        out.push(v(
            "RFC 5280 §6.1.3: every certificate on the path, the trust anchor included, must be within its validity",
            format!("the root expired on {}", format_date(cert.not_after)),
            EVERY_OPENSSL_AND_PYCA,
        ));
    } else if now < cert.not_before {
        out.push(v(
            "RFC 5280 §6.1.3: every certificate on the path, the trust anchor included, must be within its validity",
            format!("the root is not valid until {}", format_date(cert.not_before)),
            EVERY_OPENSSL_AND_PYCA,
        ));
    }
}

/// Rules for a certificate acting as a CA on the path.
fn ca_rules(cert: &CertFacts, role: Role, out: &mut Vec<Violation>) {
    let ext = &cert.ext;
    match ext.basic_constraints_critical {
        None if role != Role::Leaf => out.push(v(
            "RFC 5280 §4.2.1.9: a CA certificate MUST carry basicConstraints (CA:TRUE, critical)",
            "CA certificate without basicConstraints",
            // OpenSSL's check_ca() tolerates a keyUsage with keyCertSign
            // unless -x509_strict; without one it refuses in every mode.
            if ext.key_usage_cert_sign == Some(true) {
                STRICT_AND_PYCA
            } else {
                EVERY_OPENSSL_AND_PYCA
            },
        )),
        Some(false) if cert.is_ca => out.push(v(
            "RFC 5280 §4.2.1.9: basicConstraints MUST be marked critical in a CA certificate",
            "Basic Constraints of CA cert not marked critical",
            STRICT_AND_PYCA,
        )),
        _ => {}
    }
    match ext.key_usage_cert_sign {
        None if cert.is_ca => out.push(v(
            "RFC 5280 §4.2.1.3: a CA certificate MUST carry keyUsage with keyCertSign",
            "CA cert does not include key usage extension",
            STRICT_AND_PYCA,
        )),
        Some(false) if role != Role::Leaf => out.push(v(
            "RFC 5280 §4.2.1.3/§4.2.1.9: a CA's keyUsage MUST assert keyCertSign to sign certificates",
            "CA keyUsage lacks keyCertSign",
            EVERY_OPENSSL_AND_PYCA,
        )),
        _ => {}
    }
    if cert.is_ca && cert.subject_key_id.is_none() {
        out.push(v(
            "RFC 5280 §4.2.1.2: a CA certificate MUST carry subjectKeyIdentifier",
            "Missing Subject Key Identifier",
            STRICT,
        ));
    }
    if ext.subject_empty && cert.is_ca {
        out.push(v(
            "RFC 5280 §4.1.2.6: a CA certificate MUST have a non-empty subject",
            "Subject name is empty",
            STRICT_AND_PYCA,
        ));
    }
    if let Some(aki) = ext.aki.as_ref() {
        aki_shape_rules(cert, aki, role, out);
    }
    if let Some(nc) = &ext.name_constraints {
        if nc.permitted == 0 && nc.excluded == 0 {
            out.push(v(
                "RFC 5280 §4.2.1.10, CA/B Forum BR §7.1.2.5.2: nameConstraints MUST hold a permitted or an excluded subtree",
                "nameConstraints with no subtrees",
                PYCA_ONLY,
            ));
        }
        for name in &nc.dns_leading_period {
            out.push(v(
                "RFC 5280 §4.2.1.10: a dNSName constraint is a domain name; a leading period is the URI form only",
                format!("dNSName constraint '{name}' starts with a period"),
                PYCA_ONLY,
            ));
        }
    }
}

/// The shape of a CA's authorityKeyIdentifier. pyca/cryptography requires
/// a keyIdentifier in the AKI of every CA it checks, the intermediates
/// included ("authorityKeyIdentifier must contain keyIdentifier"), and
/// accepts an AKI that also names the issuer and serial; OpenSSL and Python
/// check neither. The CA/B Forum rules for roots are profile rules only.
fn aki_shape_rules(
    cert: &CertFacts,
    aki: &crate::cert::AkiFacts,
    role: Role,
    out: &mut Vec<Violation>,
) {
    if !aki.has_key_id {
        out.push(v(
            "RFC 5280 §4.2.1.1, CA/B Forum BR §7.1.2.1.3/§7.1.2.2.4: a CA's authorityKeyIdentifier MUST contain keyIdentifier",
            "authorityKeyIdentifier must contain keyIdentifier",
            PYCA_ONLY,
        ));
    }
    if role != Role::Anchor {
        return;
    }
    if aki.has_cert_issuer || aki.has_cert_serial {
        out.push(v(
            "CA/B Forum BR §7.1.2.1.3: a root's authorityKeyIdentifier MUST NOT contain authorityCertIssuer or authorityCertSerialNumber",
            "authorityKeyIdentifier names the issuer or serial",
            NONE_TRACKED,
        ));
    }
    if aki.has_key_id
        && cert.self_signed
        && cert.authority_key_id.is_some()
        && cert.subject_key_id.is_some()
        && cert.authority_key_id != cert.subject_key_id
    {
        out.push(v(
            "CA/B Forum BR §7.1.2.1.3: a root's authorityKeyIdentifier keyIdentifier MUST equal its subjectKeyIdentifier",
            "authorityKeyIdentifier does not match subjectKeyIdentifier",
            NONE_TRACKED,
        ));
    }
}

/// Rules for a certificate that is not a CA.
fn non_ca_rules(cert: &CertFacts, out: &mut Vec<Violation>) {
    let ext = &cert.ext;
    if ext.key_usage_cert_sign == Some(true) {
        out.push(v(
            "RFC 5280 §4.2.1.9: keyCertSign MUST NOT be asserted when cA is not (a leaf)",
            "keyCertSign set in a non-CA certificate",
            STRICT_AND_PYCA,
        ));
    }
    if ext.name_constraints.is_some() {
        out.push(v(
            "RFC 5280 §4.2.1.10: nameConstraints MUST be used only in a CA certificate",
            "nameConstraints in a leaf certificate",
            PYCA_ONLY,
        ));
    }
}

/// Rules for the server's certificate.
fn leaf_rules(cert: &CertFacts, out: &mut Vec<Violation>) {
    let ext = &cert.ext;
    if ext.has_san && ext.subject_empty && !ext.san_critical {
        out.push(v(
            "RFC 5280 §4.2.1.6: with an empty subject, subjectAltName MUST be critical",
            "Subject empty and Subject Alt Name extension not critical",
            STRICT_AND_PYCA,
        ));
    }
    if ext.has_san && !ext.subject_empty && ext.san_critical {
        out.push(v(
            "CA/B Forum BR §7.1.2.7.12: subjectAltName MUST NOT be critical when the subject is not empty",
            "subjectAltName critical with a non-empty subject",
            PYCA_ONLY,
        ));
    }
    for name in &ext.san_dns_not_preferred {
        out.push(v(
            "RFC 5280 §4.2.1.6: a dNSName MUST be in the preferred name syntax (letters, digits, hyphens)",
            format!("subjectAltName '{name}' is not a valid host name"),
            PYCA_ONLY,
        ));
    }
    if ext.has_san {
        for cn in &ext.common_names {
            let copied = cert
                .dns_names
                .iter()
                .chain(&cert.ip_addresses)
                .any(|n| n == cn);
            if !copied {
                out.push(v(
                    "CA/B Forum BR §7.1.4.3: the subject commonName MUST be a character-for-character copy of a subjectAltName entry",
                    format!("commonName '{cn}' is not one of the subjectAltNames"),
                    NONE_TRACKED,
                ));
            }
        }
    }
}

/// Rules for every certificate on the path.
fn common_rules(cert: &CertFacts, role: Role, acts_as_ca: bool, out: &mut Vec<Violation>) {
    let ext = &cert.ext;
    if role != Role::Anchor && !cert.self_signed && cert.authority_key_id.is_none() {
        out.push(v(
        "RFC 5280 §4.2.1.1: authorityKeyIdentifier (with keyIdentifier) MUST be present except in self-signed certificates",
        "Missing Authority Key Identifier",
        // pyca requires it on leaves only; OpenSSL strict on every
        // certificate but the last of the path.
        if role == Role::Leaf { STRICT_AND_PYCA } else { STRICT },
    ));
    }
    if ext.aki.as_ref().is_some_and(|a| a.critical) {
        out.push(v(
            "RFC 5280 §4.2.1.1: authorityKeyIdentifier MUST be marked non-critical",
            "Authority Key Identifier marked critical",
            STRICT_AND_PYCA,
        ));
    }
    if ext.ski_critical {
        out.push(v(
            "RFC 5280 §4.2.1.2: subjectKeyIdentifier MUST be marked non-critical",
            "Subject Key Identifier marked critical",
            // pyca checks the SKI's criticality on CAs only.
            if acts_as_ca { STRICT_AND_PYCA } else { STRICT },
        ));
    }
    if ext.issuer_empty {
        out.push(v(
            "RFC 5280 §4.1.2.4: the issuer field MUST contain a non-empty name",
            "Issuer name is empty",
            STRICT_AND_PYCA,
        ));
    }
    if ext.aia_entries == Some(0)
        || ext
            .malformed
            .iter()
            .any(|m| m.ends_with("1.3.6.1.5.5.7.1.1"))
    {
        out.push(v(
        "RFC 5280 §4.2.2.1: authorityInfoAccess MUST hold one or more well-formed AccessDescriptions",
        "malformed Authority Information Access",
        PYCA_ONLY,
    ));
    }
    for oid in &ext.unknown_critical {
        out.push(v(
        "RFC 5280 §4.2: a certificate-using system MUST reject a certificate with a critical extension it does not recognise",
        format!("unhandled critical extension {oid}"),
        EVERY_OPENSSL_AND_PYCA,
    ));
    }
}

/// Whether any rule broken on the path makes Python 3.13+ reject it.
pub fn breaks_python(path: &[(&CertFacts, Role)], now: OffsetDateTime) -> bool {
    path.iter().any(|(c, role)| {
        violations(c, *role, now)
            .iter()
            .any(|v| v.rejected_by.contains(&PYTHON_STRICT))
    })
}

/// A `strict_x509` warning for every rule broken by the given certificates
/// (the path the verifier built, leaf first, with its root last).
pub fn lint(path: &[(&CertFacts, Role)], now: OffsetDateTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (cert, role) in path {
        for violation in violations(cert, *role, now) {
            findings.push(finding(cert, violation));
        }
    }
    findings
}

fn finding(cert: &CertFacts, v: Violation) -> Finding {
    let name = if cert.name().is_empty() {
        "(empty subject)"
    } else {
        cert.name()
    };
    let who = if v.rejected_by.is_empty() {
        "No client tlsdoctor tracks rejects the chain for this alone, but CA/B Forum-profile validators and certificate linters (zlint, pkilint) flag it, and a public CA must not issue it.".to_string()
    } else {
        format!(
            "rustls, browsers and curl with rustls or Schannel accept it, but {} reject the chain (\"{}\").",
            v.rejected_by.join(", "),
            v.message
        )
    };
    let summary = if v.rejected_by.is_empty() {
        format!("{name}: {} — breaks the certificate profile", v.message)
    } else {
        format!("{name}: {} — stricter clients reject the chain", v.message)
    };
    let mut f = Finding::warning(
        FindingKind::StrictX509,
        summary,
        format!("'{name}' breaks {}. {who}", v.rule),
    );
    f.rule = Some(v.rule.to_string());
    f.rejected_by = v.rejected_by.iter().map(|s| s.to_string()).collect();
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn isrg() -> CertFacts {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| CertFacts::from_der(c))
            .find(|f| f.display_name == "ISRG Root X1")
            .unwrap()
    }

    #[test]
    fn a_compliant_root_passes() {
        assert!(violations(&isrg(), Role::Anchor, NOW).is_empty());
    }

    #[test]
    fn non_critical_basic_constraints_on_a_ca() {
        let mut cert = isrg();
        cert.ext.basic_constraints_critical = Some(false);
        let findings = lint(&[(&cert, Role::Anchor)], NOW);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].rule.as_deref().unwrap().contains("§4.2.1.9"));
        assert!(findings[0]
            .rejected_by
            .iter()
            .any(|c| c.contains("Python 3.13")));
    }

    #[test]
    fn missing_aki_only_matters_below_the_root() {
        let mut cert = isrg();
        cert.authority_key_id = None;
        assert!(!violations(&cert, Role::Anchor, NOW)
            .iter()
            .any(|v| v.message.contains("Authority")));
        cert.self_signed = false;
        let leaf = violations(&cert, Role::Leaf, NOW);
        let aki = leaf
            .iter()
            .find(|v| v.message.contains("Authority"))
            .unwrap();
        assert!(aki.rejected_by.contains(&PYCA));
        // pyca does not require an AKI on intermediates; OpenSSL strict does.
        let ica = violations(&cert, Role::Intermediate, NOW);
        let aki = ica
            .iter()
            .find(|v| v.message.contains("Authority"))
            .unwrap();
        assert!(!aki.rejected_by.contains(&PYCA) && aki.rejected_by.contains(&OPENSSL_STRICT));
    }

    #[test]
    fn an_expired_root_breaks_every_openssl_but_not_rustls() {
        let root = isrg();
        let later = root.not_after + time::Duration::days(1);
        let found = violations(&root, Role::Anchor, later);
        assert!(
            found.iter().any(|v| v.rejected_by.contains(&OPENSSL_ANY)),
            "{found:?}"
        );
        // The same certificate sent as an intermediate is a time verdict, not a lint.
        assert!(violations(&root, Role::Intermediate, later).is_empty());
    }

    #[test]
    fn missing_ski_is_openssl_strict_only() {
        let mut root = isrg();
        root.subject_key_id = None;
        let found = violations(&root, Role::Anchor, NOW);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rejected_by, STRICT);
    }

    #[test]
    fn a_common_name_must_copy_a_san() {
        let mut leaf = isrg();
        leaf.is_ca = false;
        leaf.self_signed = false;
        leaf.authority_key_id = Some("01".into());
        leaf.ext.basic_constraints_critical = None;
        leaf.ext.key_usage_cert_sign = None;
        leaf.ext.has_san = true;
        leaf.dns_names = vec!["example.com".into()];
        leaf.ext.common_names = vec!["Example.COM".into()];
        let found = violations(&leaf, Role::Leaf, NOW);
        assert!(found[0].rule.contains("7.1.4.3"), "{found:?}");
        leaf.ext.common_names = vec!["example.com".into()];
        assert!(violations(&leaf, Role::Leaf, NOW).is_empty());
    }
}
