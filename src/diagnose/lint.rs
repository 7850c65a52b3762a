//! The strict-profile lint: what stricter validators reject and rustls,
//! browsers and curl accept.
//!
//! webpki ignores most of a trust anchor and several RFC 5280 profile rules
//! (NOTES.md). Python 3.13+ (`VERIFY_X509_STRICT` in the default context),
//! pyca/cryptography (and so sslyze) and OpenSSL `-x509_strict` check them.
//! Each broken rule becomes a `strict_x509` warning naming the rule and the
//! clients that reject the chain. The verdict never changes because of it.

use crate::cert::CertFacts;
use crate::findings::{Finding, FindingKind};

/// Clients that enforce the RFC 5280 profile rules below.
pub const STRICT_CLIENTS: &[&str] = &[
    "Python 3.13+ (ssl.VERIFY_X509_STRICT, on by default)",
    "pyca/cryptography (sslyze)",
    "OpenSSL -x509_strict",
];

/// One broken rule on one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, with its source, e.g. "RFC 5280 §4.2.1.9: basicConstraints MUST be critical in CA certificates".
    pub rule: &'static str,
    /// The short OpenSSL-style message clients print.
    pub message: &'static str,
}

/// Rules broken by `cert`. `is_anchor` marks a root from a trust store.
pub fn violations(cert: &CertFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    if cert.parse_error.is_some() {
        return out;
    }
    let ext = &cert.ext;
    if cert.is_ca {
        if ext.basic_constraints_critical == Some(false) {
            out.push(Violation {
                rule: "RFC 5280 §4.2.1.9: basicConstraints MUST be marked critical in a CA certificate",
                message: "Basic Constraints of CA cert not marked critical",
            });
        }
        if ext.key_usage_cert_sign.is_none() {
            out.push(Violation {
                rule: "RFC 5280 §4.2.1.3: a CA certificate MUST carry keyUsage (with keyCertSign)",
                message: "CA cert does not include key usage extension",
            });
        }
        if cert.subject_key_id.is_none() {
            out.push(Violation {
                rule: "RFC 5280 §4.2.1.2: a CA certificate MUST carry subjectKeyIdentifier",
                message: "Missing Subject Key Identifier",
            });
        }
    }
    if !cert.self_signed && cert.authority_key_id.is_none() {
        out.push(Violation {
            rule: "RFC 5280 §4.2.1.1: authorityKeyIdentifier MUST be present except in self-signed certificates",
            message: "Missing Authority Key Identifier",
        });
    }
    out
}

/// A `strict_x509` warning for every rule broken by the given certificates
/// (the verified path, with its root).
pub fn lint(certs: &[&CertFacts]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cert in certs {
        for v in violations(cert) {
            let mut f = Finding::warning(
                FindingKind::StrictX509,
                format!(
                    "{}: {} — stricter clients reject the chain",
                    cert.name(),
                    v.message
                ),
                format!(
                    "{} breaks {}. rustls, browsers and curl accept it, but {} fail with \"{}\".",
                    cert.name(),
                    v.rule,
                    STRICT_CLIENTS.join(", "),
                    v.message
                ),
            );
            f.rule = Some(v.rule.to_string());
            f.rejected_by = STRICT_CLIENTS.iter().map(|s| s.to_string()).collect();
            findings.push(f);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> CertFacts {
        let der = &webpki_root_certs::TLS_SERVER_ROOT_CERTS[0];
        CertFacts::from_der(der)
    }

    #[test]
    fn a_compliant_root_passes() {
        let isrg = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| CertFacts::from_der(c))
            .find(|f| f.display_name == "ISRG Root X1")
            .unwrap();
        assert!(violations(&isrg).is_empty());
    }

    #[test]
    fn non_critical_basic_constraints_on_a_ca() {
        let mut cert = root();
        cert.is_ca = true;
        cert.ext.basic_constraints_critical = Some(false);
        cert.ext.key_usage_cert_sign = Some(true);
        cert.subject_key_id = Some("00".into());
        let findings = lint(&[&cert]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].rule.as_deref().unwrap().contains("§4.2.1.9"));
        assert!(findings[0]
            .rejected_by
            .iter()
            .any(|c| c.contains("Python 3.13")));
    }

    #[test]
    fn missing_aki_only_matters_below_the_root() {
        let mut cert = root();
        cert.authority_key_id = None;
        cert.self_signed = true;
        assert!(!violations(&cert)
            .iter()
            .any(|v| v.message.contains("Authority")));
        cert.self_signed = false;
        assert!(violations(&cert)
            .iter()
            .any(|v| v.message.contains("Authority")));
    }
}
