//! Verify a captured chain against one store, the way rustls would, and
//! learn what rustls' single error hides.
//!
//! webpki checks time before issuers and the chain before the name, and
//! returns one error. So this module asks separate questions (NOTES.md):
//! - is the chain trusted at the asked time? (what a client sees now)
//! - if that failed on time: is it trusted at a time inside the chain's
//!   common validity? (so an expired interception chain is still named as
//!   interception, and an expired chain to an unknown root is not "expired"
//!   only)
//! - is the leaf valid for the name, on its own?
//!
//! Pure given its inputs: no I/O, no clock.

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};

use super::{StoreKind, TrustStore};
use crate::cert::CertFacts;

/// Why a store did not accept a chain, in words stable enough for JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// The store has no usable roots, so nothing can verify.
    NoRoots,
    UnknownIssuer,
    Expired,
    NotYetValid,
    CaUsedAsEndEntity,
    EndEntityUsedAsCa,
    BadSignature,
    UnsupportedSignatureAlgorithm,
    RequiredEkuNotFound,
    NameConstraintViolation,
    PathLenConstraintViolated,
    Distrusted,
    TooComplex,
    UnsupportedCriticalExtension,
    /// Malformed, in words (e.g. "a malformed extension").
    BadEncoding(String),
    NotValidForName,
    Other(String),
}

impl ChainError {
    fn from_webpki(e: &webpki::Error) -> ChainError {
        use webpki::Error as E;
        #[allow(deprecated)]
        match e {
            E::UnknownIssuer => ChainError::UnknownIssuer,
            E::CertExpired { .. } => ChainError::Expired,
            E::CertNotValidYet { .. } => ChainError::NotYetValid,
            E::CaUsedAsEndEntity => ChainError::CaUsedAsEndEntity,
            E::EndEntityUsedAsCa => ChainError::EndEntityUsedAsCa,
            E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => {
                ChainError::BadSignature
            }
            E::UnsupportedSignatureAlgorithm
            | E::UnsupportedSignatureAlgorithmContext(_)
            | E::UnsupportedSignatureAlgorithmForPublicKey
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
                ChainError::UnsupportedSignatureAlgorithm
            }
            E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
                ChainError::RequiredEkuNotFound
            }
            E::NameConstraintViolation => ChainError::NameConstraintViolation,
            E::PathLenConstraintViolated => ChainError::PathLenConstraintViolated,
            E::CertDistrusted => ChainError::Distrusted,
            E::CertNotValidForName(_) => ChainError::NotValidForName,
            E::MaximumPathDepthExceeded
            | E::MaximumSignatureChecksExceeded
            | E::MaximumPathBuildCallsExceeded
            | E::MaximumNameConstraintComparisonsExceeded => ChainError::TooComplex,
            E::UnsupportedCriticalExtension => ChainError::UnsupportedCriticalExtension,
            E::BadDer | E::BadDerTime | E::TrailingData(_) => {
                ChainError::BadEncoding("invalid DER encoding".into())
            }
            E::UnsupportedCertVersion => {
                ChainError::BadEncoding("a certificate version other than 3".into())
            }
            E::ExtensionValueInvalid | E::MalformedExtensions => {
                ChainError::BadEncoding("a malformed extension".into())
            }
            E::MalformedDnsIdentifier => ChainError::BadEncoding("a malformed DNS name".into()),
            E::MalformedNameConstraint => {
                ChainError::BadEncoding("malformed name constraints".into())
            }
            E::InvalidCertValidity => {
                ChainError::BadEncoding("a validity period that ends before it starts".into())
            }
            E::InvalidSerialNumber => ChainError::BadEncoding("an invalid serial number".into()),
            E::EmptyEkuExtension => ChainError::BadEncoding("an empty extended key usage".into()),
            E::UnsupportedNameType => ChainError::BadEncoding("an unsupported name type".into()),
            other => ChainError::Other(words_of_variant(&format!("{other:?}"))),
        }
    }

    /// The JSON name, e.g. `unknown_issuer`.
    pub fn as_str(&self) -> &str {
        match self {
            ChainError::NoRoots => "no_roots",
            ChainError::UnknownIssuer => "unknown_issuer",
            ChainError::Expired => "expired",
            ChainError::NotYetValid => "not_yet_valid",
            ChainError::CaUsedAsEndEntity => "ca_used_as_end_entity",
            ChainError::EndEntityUsedAsCa => "end_entity_used_as_ca",
            ChainError::BadSignature => "bad_signature",
            ChainError::UnsupportedSignatureAlgorithm => "unsupported_signature_algorithm",
            ChainError::RequiredEkuNotFound => "required_eku_not_found",
            ChainError::NameConstraintViolation => "name_constraint_violation",
            ChainError::PathLenConstraintViolated => "path_len_constraint_violated",
            ChainError::Distrusted => "distrusted",
            ChainError::TooComplex => "path_too_complex",
            ChainError::UnsupportedCriticalExtension => "unsupported_critical_extension",
            ChainError::BadEncoding(_) => "bad_encoding",
            ChainError::NotValidForName => "not_valid_for_name",
            ChainError::Other(_) => "other",
        }
    }

    /// A phrase for sentences: "the issuer is unknown".
    pub fn describe(&self) -> String {
        match self {
            ChainError::NoRoots => "the store holds no usable root".into(),
            ChainError::UnknownIssuer => "no path to a trusted root (unknown issuer)".into(),
            ChainError::Expired => "a certificate has expired".into(),
            ChainError::NotYetValid => "a certificate is not valid yet".into(),
            ChainError::CaUsedAsEndEntity => {
                "the server certificate is a CA certificate (CA:TRUE) used as a leaf".into()
            }
            ChainError::EndEntityUsedAsCa => "a leaf certificate was used to sign another".into(),
            ChainError::BadSignature => "a signature does not verify with its issuer's key".into(),
            ChainError::UnsupportedSignatureAlgorithm => {
                "a signature algorithm is not supported (e.g. SHA-1, or RSA under 2048 bits)".into()
            }
            ChainError::RequiredEkuNotFound => {
                "the leaf's extended key usage does not allow TLS server authentication".into()
            }
            ChainError::NameConstraintViolation => {
                "a CA's name constraints forbid this name".into()
            }
            ChainError::PathLenConstraintViolated => {
                "a CA's path length constraint is exceeded".into()
            }
            ChainError::Distrusted => "the chain uses a CA that rustls distrusts".into(),
            ChainError::TooComplex => {
                "path building gave up (too many certificates or signatures)".into()
            }
            ChainError::UnsupportedCriticalExtension => {
                "a certificate carries a critical extension no client recognises".into()
            }
            ChainError::BadEncoding(what) => format!("a certificate is malformed ({what})"),
            ChainError::NotValidForName => "the leaf is not valid for this name".into(),
            ChainError::Other(what) => format!("rejected ({what})"),
        }
    }

    /// Whether this is a time error that a re-verification can see past.
    pub fn is_time(&self) -> bool {
        matches!(self, ChainError::Expired | ChainError::NotYetValid)
    }
}

/// A webpki error variant's name in words: `CertRevoked` → `cert revoked`.
fn words_of_variant(debug: &str) -> String {
    let variant = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default();
    let mut out = String::with_capacity(variant.len() + 4);
    for (i, ch) in variant.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

impl Serialize for ChainError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A verified path: which root it ended at and which sent certificates it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFound {
    /// Index into the store's `certs`.
    pub anchor: usize,
    /// Indices into the presented chain (0 = leaf) of the certificates used.
    pub chain_indices: Vec<usize>,
}

/// What one store says about a chain.
#[derive(Debug, Clone)]
pub struct StoreVerdict {
    pub kind: StoreKind,
    pub source: String,
    pub roots: usize,
    pub load_errors: Vec<String>,
    /// At the asked time: what a client sees.
    pub at_time: Result<PathFound, ChainError>,
    /// At a time inside the chain's common validity, when `at_time` failed on
    /// time and such a time exists; the trust question without the clock.
    pub at_valid_time: Option<Result<PathFound, ChainError>>,
    /// Facts of the root the path ended at (from either check).
    pub anchor: Option<CertFacts>,
    /// When no path was built: a root of this store whose name is the
    /// issuer of the top of the sent chain. The chain then reaches the
    /// store and something else (a sent CA that cannot sign, another key
    /// under the same name) stops it; nothing is missing.
    pub issuer_in_store: Option<CertFacts>,
    /// When no path was built and the server sent a self-signed root: this
    /// store's copy of it (same name and key). The store holds the root,
    /// yet cannot use it (a key too small for webpki, a bad signature).
    pub root_in_store: Option<CertFacts>,
    /// The user named this store's files (`--os-roots` and the like).
    pub user_named: bool,
}

impl StoreVerdict {
    /// Trusted at the asked time.
    pub fn trusted(&self) -> bool {
        self.at_time.is_ok()
    }

    /// The result that answers "would this store trust the chain, time aside".
    pub fn trust_result(&self) -> &Result<PathFound, ChainError> {
        match (&self.at_time, &self.at_valid_time) {
            (Err(e), Some(r)) if e.is_time() => r,
            _ => &self.at_time,
        }
    }

    /// Trusted when time is set aside.
    pub fn trusted_ignoring_time(&self) -> bool {
        self.trust_result().is_ok()
    }
}

/// Convert a time for webpki.
pub fn unix_time(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        t.unix_timestamp().max(0) as u64
    ))
}

/// Verify `chain` (leaf first, as sent) against `store` at `at`, for TLS
/// server authentication. `issuers` are the DER issuer names of the sent
/// certificates (`None` when one could not be read): a path can end only
/// at an anchor one of them names, so only those anchors are built. Name
/// checks are separate: see [`check_name`].
pub fn verify_chain(
    store: &TrustStore,
    chain: &[CertificateDer<'_>],
    issuers: Option<&[&[u8]]>,
    at: OffsetDateTime,
) -> Result<PathFound, ChainError> {
    let Some(leaf) = chain.first() else {
        return Err(ChainError::Other("no certificate".into()));
    };
    if store.anchors.is_empty() {
        return Err(ChainError::NoRoots);
    }
    let ee = EndEntityCert::try_from(leaf).map_err(|e| ChainError::from_webpki(&e))?;
    let names: Option<Vec<&[u8]>> =
        issuers.and_then(|i| i.iter().map(|n| der_contents(n)).collect());
    let (numbers, anchors): (Vec<usize>, Vec<TrustAnchor<'_>>) =
        super::anchors::anchors_named(&store.anchors, &store.certs, names.as_deref())
            .into_iter()
            .unzip();
    let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
    let path = ee
        .verify_for_usage(
            algs.all,
            &anchors,
            chain.get(1..).unwrap_or_default(),
            unix_time(at),
            KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(|e| ChainError::from_webpki(&e))?;
    let anchor = path.anchor();
    let anchor_index = anchors
        .iter()
        .position(|a| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        })
        .and_then(|at| numbers.get(at).copied())
        .unwrap_or(0);
    let mut chain_indices = vec![0];
    for used in path.intermediate_certificates() {
        if let Some(i) = chain.iter().position(|c| c.as_ref() == used.der().as_ref()) {
            chain_indices.push(i);
        }
    }
    Ok(PathFound {
        anchor: anchor_index,
        chain_indices,
    })
}

/// Is the leaf valid for `host`, on its own? (SAN only, as webpki.)
pub fn check_name(leaf: &CertificateDer<'_>, host: &str) -> Result<(), ChainError> {
    let name = ServerName::try_from(host).map_err(|e| ChainError::Other(e.to_string()))?;
    let ee = EndEntityCert::try_from(leaf).map_err(|e| ChainError::from_webpki(&e))?;
    ee.verify_is_valid_for_subject_name(&name)
        .map_err(|e| ChainError::from_webpki(&e))
}

/// A time inside the common validity of the given certificates, if any.
pub fn common_valid_time(certs: &[&CertFacts]) -> Option<OffsetDateTime> {
    let start = certs.iter().map(|c| c.not_before).max()?;
    let end = certs.iter().map(|c| c.not_after).min()?;
    (start <= end).then(|| start + (end - start) / 2)
}

/// Verify against one store at `at`, and again inside the validity window
/// when `at` fails on time.
pub fn verify_store(
    store: &TrustStore,
    chain: &[CertificateDer<'_>],
    facts: &[CertFacts],
    at: OffsetDateTime,
) -> StoreVerdict {
    let issuers: Option<Vec<&[u8]>> = (facts.len() == chain.len())
        .then(|| {
            facts
                .iter()
                .map(|f| f.parse_error.is_none().then_some(f.issuer_raw.as_slice()))
                .collect()
        })
        .flatten();
    let at_time = verify_chain(store, chain, issuers.as_deref(), at);
    let at_valid_time = match &at_time {
        Err(e) if e.is_time() => {
            let linked: Vec<&CertFacts> = crate::cert::chain::linked(facts)
                .into_iter()
                .filter_map(|i| facts.get(i))
                .collect();
            common_valid_time(&linked).map(|t| verify_chain(store, chain, issuers.as_deref(), t))
        }
        _ => None,
    };
    let anchor = [&at_time, at_valid_time.as_ref().unwrap_or(&at_time)]
        .into_iter()
        .find_map(|r| r.as_ref().ok())
        .and_then(|p| store.certs.get(p.anchor))
        .map(|der| CertFacts::from_anchor_der(der));
    let built = matches!((&at_time, &at_valid_time), (Ok(_), _) | (_, Some(Ok(_))));
    let top = crate::cert::chain::linked(facts)
        .last()
        .and_then(|&i| facts.get(i))
        .filter(|_| !built);
    let issuer_in_store = top
        .filter(|top| !top.self_signed && !top.issuer_raw.is_empty())
        .and_then(|top| store_root_named(store, &top.issuer_raw, |root| top.names_issuer(root)));
    let root_in_store = top.filter(|top| top.self_signed).and_then(|top| {
        store_root_named(store, &top.subject_raw, |root| {
            root.spki_sha256 == top.spki_sha256
        })
    });
    StoreVerdict {
        kind: store.kind,
        source: store.source.clone(),
        roots: store.usable_roots(),
        load_errors: store.load_errors.clone(),
        at_time,
        at_valid_time,
        anchor,
        issuer_in_store,
        root_in_store,
        user_named: store.user_named,
    }
}

/// A root of `store` whose subject is the DER name `name` and that passes
/// `accept`. Names are matched on the anchors first: parsing every root (and
/// checking its self-signature) costs milliseconds per store.
fn store_root_named(
    store: &TrustStore,
    name: &[u8],
    accept: impl Fn(&CertFacts) -> bool,
) -> Option<CertFacts> {
    let contents = der_contents(name)?;
    store
        .anchors
        .named(contents)
        .filter_map(|i| store.certs.get(i))
        .map(|der| CertFacts::from_anchor_der(der))
        .find(|root| accept(root))
}

/// The contents of a DER TLV (without its tag and length), as webpki keeps
/// a trust anchor's subject; `None` when `der` is not one well-formed TLV.
fn der_contents(der: &[u8]) -> Option<&[u8]> {
    let (&first_len, rest) = der.get(1..)?.split_first()?;
    let (len, body) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let n = usize::from(first_len & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (len_bytes, body) = (rest.get(..n)?, rest.get(n..)?);
        (
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
            body,
        )
    };
    (body.len() == len).then_some(body)
}

/// What every store, and the name check, say about one chain.
#[derive(Debug, Clone)]
pub struct Verification {
    pub bundled: StoreVerdict,
    pub os: StoreVerdict,
    /// Present when the user declared roots with `--ca-file`.
    pub custom: Option<StoreVerdict>,
    /// Is the leaf valid for the name asked, on its own.
    pub name: Result<(), ChainError>,
}

/// The stores a chain is verified against.
#[derive(Debug, Clone)]
pub struct Stores {
    pub bundled: TrustStore,
    pub os: TrustStore,
    pub custom: Option<TrustStore>,
}

/// Verify a non-empty chain against every store at `at`, and check the name.
pub fn verify_all(
    stores: &Stores,
    chain: &[CertificateDer<'_>],
    facts: &[CertFacts],
    host: &str,
    at: OffsetDateTime,
) -> Option<Verification> {
    let leaf = chain.first()?;
    Some(Verification {
        bundled: verify_store(&stores.bundled, chain, facts, at),
        os: verify_store(&stores.os, chain, facts, at),
        custom: stores
            .custom
            .as_ref()
            .map(|s| verify_store(s, chain, facts, at)),
        name: check_name(leaf, host),
    })
}

#[cfg(test)]
mod der_tests {
    use super::der_contents;

    #[test]
    fn der_contents_strips_tag_and_length() {
        assert_eq!(
            der_contents(&[0x30, 0x02, 0xaa, 0xbb]),
            Some(&[0xaa, 0xbb][..])
        );
        let long: Vec<u8> = [0x30, 0x81, 0x80].into_iter().chain([7u8; 0x80]).collect();
        assert_eq!(der_contents(&long).map(<[u8]>::len), Some(0x80));
        assert_eq!(der_contents(&[0x30, 0x05, 0xaa]), None);
        assert_eq!(der_contents(&[0x30]), None);
        assert_eq!(der_contents(&[]), None);
    }
}
