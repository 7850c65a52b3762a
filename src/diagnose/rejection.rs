//! Rejections that are not about trust, in words: a verifier refused the
//! chain for a reason of its own (an algorithm, a usage, CA:TRUE on the
//! leaf), or the chain reaches a root a store holds through a link that
//! cannot be used. Says which certificate, and what it is.
//!
//! Pure: reads certificate facts and store verdicts.

use super::{capitalized, Evidence};
use crate::cert::chain::Role;
use crate::cert::CertFacts;
use crate::findings::{Finding, Verdict};
use crate::trust::verify::{ChainError, Verification};

/// A rejection that is not about trust, said with the certificate it is on.
pub(super) fn rejected_finding(
    err: &ChainError,
    chain: &[CertFacts],
    roles: &[(&CertFacts, Role)],
) -> Finding {
    Finding::error(
        Verdict::InvalidCertificate,
        format!("the chain is rejected: {}", err.describe()),
        invalid_detail(err, chain, roles),
    )
}

fn invalid_detail(err: &ChainError, chain: &[CertFacts], roles: &[(&CertFacts, Role)]) -> String {
    match err {
        ChainError::RequiredEkuNotFound => format!(
            "The leaf '{}' has an extended key usage without serverAuth, so it may not be used for a TLS server. Reissue it with serverAuth.",
            chain.first().map_or("", |c| c.name())
        ),
        ChainError::CaUsedAsEndEntity => "The server certificate carries CA:TRUE (it is a CA certificate, not a server certificate). Clients refuse a CA certificate as the server's own; reissue it as a leaf (CA:FALSE).".into(),
        ChainError::UnsupportedSignatureAlgorithm => weak_algorithm_detail(roles),
        ChainError::BadSignature => "A certificate's signature does not verify with its issuer's key. The chain may mix certificates of two CAs with the same name (a reissued intermediate), or a CA's path-length or name constraints may be the real cause: compare the sent intermediates with the CA's current ones.".into(),
        ChainError::UnsupportedCriticalExtension => roles
            .iter()
            .find_map(|(c, _)| c.ext.unknown_critical.first().map(|oid| (c, oid)))
            .map_or_else(
                || "A certificate carries an extension marked critical that no client recognises; clients must reject it (RFC 5280 §4.2). Reissue it without that extension, or with it non-critical.".to_string(),
                |(c, oid)| format!("'{}' carries extension {oid} marked critical, which no client recognises; clients must reject it (RFC 5280 §4.2). Reissue it without that extension, or with it non-critical.", c.name()),
            ),
        ChainError::Distrusted => "rustls carries a distrust list for CAs that browsers removed; this chain uses one of them. The server needs a certificate from another CA.".into(),
        other => format!("{}.", capitalized(&other.describe())),
    }
}

/// Which certificate is signed with a refused algorithm, or carries a key
/// too small, and what it is.
fn weak_algorithm_detail(roles: &[(&CertFacts, Role)]) -> String {
    let weak = roles.iter().find_map(|(c, role)| {
        let alg = c.signature_algorithm.to_ascii_lowercase();
        let what = if alg.contains("sha1") || alg.contains("md5") || alg.contains("md2") {
            format!("is signed with {}", c.signature_algorithm)
        } else {
            match c.rsa_bits() {
                Some(bits) if bits < 2048 => format!("has a {bits}-bit RSA key"),
                _ => return None,
            }
        };
        let role = match role {
            Role::Leaf => "the server certificate",
            Role::Intermediate => "the intermediate",
            Role::Anchor => "the root",
        };
        Some(format!("{role} '{}' {what}", c.name()))
    });
    match weak {
        Some(which) => format!("{}, which modern clients refuse (SHA-1 and MD5 signatures, RSA keys under 2048 bits). Reissue it with SHA-256 and RSA 2048+ or ECDSA P-256.", capitalized(&which)),
        None => "A certificate is signed with an algorithm modern clients refuse (SHA-1, MD5, or a key under 2048 bits). Reissue it with SHA-256 and RSA 2048+ or ECDSA P-256.".into(),
    }
}

/// webpki says "unknown issuer" both when a certificate is missing and when
/// the sent chain reaches a root the store holds but a link cannot be used.
/// Nothing is missing in the second case, so it is not `incomplete_chain`:
/// say which link breaks.
pub(super) fn unusable_link(
    e: &Evidence<'_>,
    v: &Verification,
    linked: &[usize],
    top: &CertFacts,
) -> Option<Finding> {
    if !top.self_signed && top.parse_error.is_none() && top.issuer_raw.len() <= 2 {
        // An empty Name is the 2-byte SEQUENCE header alone.
        return Some(Finding::error(
            Verdict::InvalidCertificate,
            format!("'{}' has an empty issuer name, so no issuer can be found", top.name()),
            "RFC 5280 §4.1.2.4 requires a non-empty issuer; verifiers find the issuing CA by that name. The CA must reissue the certificate.".to_string(),
        ));
    }
    let root = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.issuer_in_store.as_ref())?;
    let sent_cas = linked.iter().skip(1).filter_map(|&i| e.chain.get(i));
    if let Some(f) = weak_signer(sent_cas.clone(), root) {
        return Some(f);
    }
    let why = sent_cas
        .clone()
        .find(|c| !c.is_ca)
        .map(|c| format!("the sent certificate '{}' signs another but is not a CA (its basicConstraints lack CA:TRUE), so no verifier accepts it as an intermediate", c.name()))
        .or_else(|| {
            sent_cas.clone().find(|c| c.ext.key_usage_cert_sign == Some(false)).map(|c| {
                format!("the intermediate '{}' has a keyUsage without keyCertSign, so it may not sign certificates", c.name())
            })
        })
        .or_else(|| {
            (!top.is_signed_by(root)).then(|| format!(
                "'{}' names '{}' as its issuer, and a root of that name is installed, but that root's key did not sign it: the installed root is another generation of the CA (same name, different key)",
                top.name(),
                root.name()
            ))
        })
        .unwrap_or_else(|| format!(
            "the chain reaches '{}', which is installed, but a constraint on the path (path length, name constraints, key usage) stops it",
            root.name()
        ));
    Some(Finding::error(
        Verdict::InvalidCertificate,
        format!("the chain to '{}' cannot be used: {}", root.name(), why.split(',').next().unwrap_or(&why)),
        format!("Nothing is missing: {why}. Verifiers report this as an unknown issuer. The CA or the server's certificate file must be fixed."),
    ))
}

/// The chain links up to an installed root with every signature sound, but
/// a signer's RSA key is under webpki's 2048-bit floor: the key size, not
/// a missing or mismatched certificate, is why it cannot be used.
fn weak_signer<'a>(
    mut sent_cas: impl Iterator<Item = &'a CertFacts>,
    root: &'a CertFacts,
) -> Option<Finding> {
    let weak = |c: &CertFacts| c.rsa_bits().filter(|&b| b < 2048);
    let (role, cert, bits) = sent_cas
        .find_map(|c| Some(("the intermediate", c, weak(c)?)))
        .or_else(|| Some(("the root", root, weak(root)?)))?;
    Some(Finding::error(
        Verdict::InvalidCertificate,
        format!("the chain to '{}' cannot be used: {role} '{}' has a {bits}-bit RSA key", root.name(), cert.name()),
        format!("Nothing is missing, and every signature on the path is sound, but {role} '{}' has a {bits}-bit RSA key. rustls and OpenSSL at security level 2 (Debian's curl, Python 3.10+, Node 24.5+) refuse RSA keys under 2048 bits on any certificate of the path, the root included (OpenSSL says \"CA certificate key too weak\"); GnuTLS, Java, Go and Node before 24.5 accept 1024. The CA must be reissued with a key of at least 2048 bits (RSA 2048 or 3072, or ECDSA P-256).", cert.name()),
    ))
}
