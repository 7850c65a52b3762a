//! Facts about one certificate, read with x509-parser.
//!
//! [`CertFacts`] is what the rest of tlsdoctor knows about a certificate:
//! names, validity, CA flag, key, extensions that matter for diagnosis and
//! for the strict-profile lint. It is built from DER and never fails: a
//! certificate x509-parser cannot read still yields facts (the fingerprint,
//! and the parse error), because a diagnostic tool must describe broken input.
//!
//! x509-parser returns `Err` from an extension getter when the extension
//! appears twice; such a certificate is recorded as having a duplicate
//! extension rather than unwrapped.
//!
//! [`chain`] links certificates into chains and paths.

pub mod chain;
pub mod input;
pub mod pem;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Everything tlsdoctor reads from one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertFacts {
    /// Subject distinguished name, e.g. `C=US, O=Zscaler Inc., CN=Zscaler Root CA`.
    pub subject: String,
    pub issuer: String,
    /// The subject's common name, or the whole subject when there is none.
    #[serde(skip)]
    pub display_name: String,
    #[serde(skip)]
    pub issuer_display_name: String,
    /// SHA-256 of the whole certificate, lowercase hex.
    pub sha256: String,
    #[serde(serialize_with = "rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(serialize_with = "rfc3339")]
    pub not_after: OffsetDateTime,
    /// Issuer name equals subject name and the signature verifies with its own key.
    pub self_signed: bool,
    /// basicConstraints says CA:TRUE.
    pub is_ca: bool,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub key: String,
    pub signature_algorithm: String,
    pub serial: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_issuers: Vec<String>,
    /// Extension details used by the strict lint; not part of the JSON contract.
    #[serde(skip)]
    pub ext: ExtensionFacts,
    /// Raw subject and issuer DER (with the SEQUENCE header), for name chaining.
    #[serde(skip)]
    pub subject_raw: Vec<u8>,
    #[serde(skip)]
    pub issuer_raw: Vec<u8>,
    /// SHA-256 of the SubjectPublicKeyInfo, for the compromised-key table.
    #[serde(skip)]
    pub spki_sha256: [u8; 32],
    /// Set when x509-parser could not read the certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// Extension-level facts the strict-profile lint needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionFacts {
    /// `Some(critical)` when basicConstraints is present.
    pub basic_constraints_critical: Option<bool>,
    pub path_len: Option<u32>,
    /// `Some(key_cert_sign)` when keyUsage is present.
    pub key_usage_cert_sign: Option<bool>,
    pub key_usage_critical: Option<bool>,
    /// Extended key usage: None when absent.
    pub eku_server_auth: Option<bool>,
    pub eku_any: bool,
    pub eku_present: bool,
    pub has_san: bool,
    pub san_critical: bool,
    pub subject_empty: bool,
    pub version: u32,
    /// An extension that appears twice, or one x509-parser could not parse.
    pub malformed: Vec<String>,
    /// The issuer name has no attributes.
    pub issuer_empty: bool,
    /// The subject's commonName values, as text (for CA/B BR 7.1.4.3).
    pub common_names: Vec<String>,
    /// SAN dNSNames that are not in the preferred name syntax (RFC 5280
    /// §4.2.1.6: letters, digits, hyphens; a leading `*` label allowed).
    pub san_dns_not_preferred: Vec<String>,
    /// authorityKeyIdentifier, when present.
    pub aki: Option<AkiFacts>,
    /// subjectKeyIdentifier is marked critical.
    pub ski_critical: bool,
    /// nameConstraints, when present.
    pub name_constraints: Option<NameConstraintFacts>,
    /// authorityInfoAccess: `Some(number of access descriptions)` when present.
    pub aia_entries: Option<usize>,
    /// Critical extensions x509-parser does not know (dotted OIDs).
    pub unknown_critical: Vec<String>,
}

/// The shape of an authorityKeyIdentifier extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AkiFacts {
    pub critical: bool,
    pub has_key_id: bool,
    pub has_cert_issuer: bool,
    pub has_cert_serial: bool,
}

/// The shape of a nameConstraints extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameConstraintFacts {
    pub critical: bool,
    /// Number of permitted and excluded subtrees (absent counts as 0).
    pub permitted: usize,
    pub excluded: usize,
    /// dNSName constraints that start with a period (`.example.com`).
    pub dns_leading_period: Vec<String>,
}

/// The few facts needed to name a certificate in a list, read without
/// checking any signature (cheap enough for a whole CA bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertName {
    /// Subject distinguished name.
    pub subject: String,
    /// The subject's common name, or the whole subject.
    pub display_name: String,
    /// SHA-256 of the SubjectPublicKeyInfo.
    pub spki_sha256: [u8; 32],
}

impl CertName {
    /// Read a certificate's names; the parse error when it is not one.
    /// webpki reads the subject and key without the extensions (a bundle
    /// holds a hundred certificates); x509-parser names what is wrong.
    pub fn from_der(der: &[u8]) -> Result<CertName, String> {
        if let Some((name, spki)) = subject_and_key(der) {
            if let Ok((_, subject)) = x509_parser::x509::X509Name::from_der(&name) {
                return Ok(CertName {
                    display_name: common_name(&subject).unwrap_or_else(|| subject.to_string()),
                    subject: subject.to_string(),
                    spki_sha256: Sha256::digest(spki).into(),
                });
            }
        }
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let subject = cert.subject().to_string();
        Ok(CertName {
            display_name: common_name(cert.subject()).unwrap_or_else(|| subject.clone()),
            subject,
            spki_sha256: Sha256::digest(cert.public_key().raw).into(),
        })
    }
}

impl CertFacts {
    /// The root this certificate leads to when it tops a chain: itself when
    /// self-signed, else its issuer.
    pub fn root_display_name(&self) -> &str {
        if self.self_signed {
            &self.display_name
        } else {
            &self.issuer_display_name
        }
    }

    /// Read a DER certificate. Never fails; see the module doc.
    pub fn from_der(der: &[u8]) -> CertFacts {
        Self::read(der, SelfSignature::Verify)
    }

    /// Read a trust anchor a store holds: self-issued counts as
    /// self-signed. Nobody checks an anchor's own signature (webpki does
    /// not), and checking it would cost a signature per store and target.
    pub fn from_anchor_der(der: &[u8]) -> CertFacts {
        Self::read(der, SelfSignature::Trust)
    }

    fn read(der: &[u8], self_signature: SelfSignature) -> CertFacts {
        let sha256 = hex::encode(Sha256::digest(der));
        match X509Certificate::from_der(der) {
            Ok((_, cert)) => facts_of(&cert, der, sha256, self_signature),
            Err(e) => CertFacts {
                subject: String::new(),
                issuer: String::new(),
                display_name: format!("unreadable certificate {}", &sha256[..16]),
                issuer_display_name: String::new(),
                sha256,
                not_before: OffsetDateTime::UNIX_EPOCH,
                not_after: OffsetDateTime::UNIX_EPOCH,
                self_signed: false,
                is_ca: false,
                dns_names: Vec::new(),
                ip_addresses: Vec::new(),
                key: String::new(),
                signature_algorithm: String::new(),
                serial: String::new(),
                subject_key_id: None,
                authority_key_id: None,
                ca_issuers: Vec::new(),
                ext: ExtensionFacts::default(),
                subject_raw: Vec::new(),
                issuer_raw: Vec::new(),
                spki_sha256: [0; 32],
                parse_error: Some(e.to_string()),
                der: der.to_vec(),
            },
        }
    }

    /// Whether `self` names `issuer` as its issuer (names only).
    pub fn names_issuer(&self, issuer: &CertFacts) -> bool {
        self.parse_error.is_none()
            && !self.issuer_raw.is_empty()
            && self.issuer_raw == issuer.subject_raw
    }

    /// Whether `issuer`'s key verifies `self`'s signature (and the names chain).
    pub fn is_signed_by(&self, issuer: &CertFacts) -> bool {
        if !self.names_issuer(issuer) {
            return false;
        }
        let (Ok((_, child)), Ok((_, parent))) = (
            X509Certificate::from_der(&self.der),
            X509Certificate::from_der(&issuer.der),
        ) else {
            return false;
        };
        signature_verifies(&child, Some(parent.public_key()))
    }

    /// Whether the key in `spki_der` (a SubjectPublicKeyInfo) verifies this
    /// certificate's signature: who issued it, when the issuer is not at hand.
    pub fn is_signed_by_key(&self, spki_der: &[u8]) -> bool {
        let (Ok((_, cert)), Ok((_, key))) = (
            X509Certificate::from_der(&self.der),
            x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der),
        ) else {
            return false;
        };
        signature_verifies(&cert, Some(&key))
    }

    /// Whether the certificate is valid at `t`.
    pub fn valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// The RSA modulus size in bits, when the key is RSA.
    pub fn rsa_bits(&self) -> Option<usize> {
        self.key.strip_prefix("RSA ")?.parse().ok()
    }

    /// A short name for sentences: the CN, else the subject.
    pub fn name(&self) -> &str {
        &self.display_name
    }
}

/// Whether `key` (the certificate's own when `None`) verifies `cert`'s
/// signature. x509-parser refuses SHA-2 RSA signatures by keys under 2048
/// bits; those are checked again at aws-lc-rs's legacy 1024-bit floor, so
/// that who signed a certificate stays a fact even when the signer's key is
/// too small for some clients (Diagnose weighs the key size per client).
fn signature_verifies(
    cert: &X509Certificate<'_>,
    key: Option<&x509_parser::x509::SubjectPublicKeyInfo<'_>>,
) -> bool {
    use aws_lc_rs::signature as sig;
    use x509_parser::oid_registry::{OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA512WITHRSA};
    if cert.verify_signature(key).is_ok() {
        return true;
    }
    let algorithm = &cert.signature_algorithm.algorithm;
    let legacy: &dyn sig::VerificationAlgorithm = if *algorithm == OID_PKCS1_SHA256WITHRSA {
        &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
    } else if *algorithm == OID_PKCS1_SHA512WITHRSA {
        &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
    } else {
        return false;
    };
    let spki = key.unwrap_or_else(|| cert.public_key());
    sig::UnparsedPublicKey::new(legacy, &spki.subject_public_key.data)
        .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
        .is_ok()
}

/// Whether a self-issued certificate's own signature is verified.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SelfSignature {
    Verify,
    Trust,
}

fn facts_of(
    cert: &X509Certificate<'_>,
    der: &[u8],
    sha256: String,
    self_signature: SelfSignature,
) -> CertFacts {
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let display_name = common_name(cert.subject()).unwrap_or_else(|| subject.clone());
    let issuer_display_name = common_name(cert.issuer()).unwrap_or_else(|| issuer.clone());
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    let self_signed =
        self_issued && (self_signature == SelfSignature::Trust || signature_verifies(cert, None));

    let mut ext = ExtensionFacts {
        version: cert.version().0 + 1,
        subject_empty: cert.subject().iter_attributes().next().is_none(),
        issuer_empty: cert.issuer().iter_attributes().next().is_none(),
        common_names: cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_string))
            .collect(),
        ..ExtensionFacts::default()
    };
    let mut is_ca = false;
    match cert.basic_constraints() {
        Ok(Some(bc)) => {
            is_ca = bc.value.ca;
            ext.basic_constraints_critical = Some(bc.critical);
            ext.path_len = bc.value.path_len_constraint;
        }
        Ok(None) => {}
        Err(_) => ext.malformed.push("basicConstraints".into()),
    }
    match cert.key_usage() {
        Ok(Some(ku)) => {
            ext.key_usage_cert_sign = Some(ku.value.key_cert_sign());
            ext.key_usage_critical = Some(ku.critical);
        }
        Ok(None) => {}
        Err(_) => ext.malformed.push("keyUsage".into()),
    }
    match cert.extended_key_usage() {
        Ok(Some(eku)) => {
            ext.eku_present = true;
            ext.eku_server_auth = Some(eku.value.server_auth);
            ext.eku_any = eku.value.any;
        }
        Ok(None) => {}
        Err(_) => ext.malformed.push("extendedKeyUsage".into()),
    }

    let (dns_names, ip_addresses) = read_san(cert, &mut ext);
    let (subject_key_id, authority_key_id, ca_issuers) = read_extensions(cert, &mut ext);

    let spki = cert.public_key();
    CertFacts {
        subject,
        issuer,
        display_name,
        issuer_display_name,
        sha256,
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        self_signed,
        is_ca,
        dns_names,
        ip_addresses,
        key: describe_key(spki),
        signature_algorithm: describe_signature(&cert.signature_algorithm.algorithm),
        serial: cert.raw_serial_as_string(),
        subject_key_id,
        authority_key_id,
        ca_issuers,
        ext,
        subject_raw: cert.subject().as_raw().to_vec(),
        issuer_raw: cert.issuer().as_raw().to_vec(),
        spki_sha256: Sha256::digest(spki.raw).into(),
        parse_error: None,
        der: der.to_vec(),
    }
}

/// subjectAltName: DNS names and IP addresses, and its shape for the lint.
fn read_san(cert: &X509Certificate<'_>, ext: &mut ExtensionFacts) -> (Vec<String>, Vec<String>) {
    let mut dns_names = Vec::new();
    let mut ip_addresses = Vec::new();
    match cert.subject_alternative_name() {
        Ok(Some(san)) => {
            ext.has_san = true;
            ext.san_critical = san.critical;
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => {
                        if !is_preferred_dns_syntax(d) {
                            ext.san_dns_not_preferred.push(d.to_string());
                        }
                        dns_names.push(d.to_string());
                    }
                    GeneralName::IPAddress(bytes) => {
                        if let Some(ip) = ip_from_bytes(bytes) {
                            ip_addresses.push(ip);
                        }
                    }
                    GeneralName::Invalid(..) => ext.malformed.push("subjectAltName entry".into()),
                    _ => {}
                }
            }
        }
        Ok(None) => {}
        Err(_) => ext.malformed.push("subjectAltName".into()),
    }

    (dns_names, ip_addresses)
}

/// Key identifiers, AIA caIssuers, and the extensions the lint reads.
fn read_extensions(
    cert: &X509Certificate<'_>,
    ext: &mut ExtensionFacts,
) -> (Option<String>, Option<String>, Vec<String>) {
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    let mut ca_issuers = Vec::new();
    for extension in cert.iter_extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => {
                subject_key_id = Some(hex::encode(id.0));
                ext.ski_critical = extension.critical;
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| hex::encode(id.0));
                ext.aki = Some(AkiFacts {
                    critical: extension.critical,
                    has_key_id: aki.key_identifier.is_some(),
                    has_cert_issuer: aki.authority_cert_issuer.is_some(),
                    has_cert_serial: aki.authority_cert_serial.is_some(),
                });
            }
            ParsedExtension::NameConstraints(nc) => {
                let dns_leading_period = [&nc.permitted_subtrees, &nc.excluded_subtrees]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|t| match t.base {
                        GeneralName::DNSName(d) if d.starts_with('.') => Some(d.to_string()),
                        _ => None,
                    })
                    .collect();
                ext.name_constraints = Some(NameConstraintFacts {
                    critical: extension.critical,
                    permitted: nc.permitted_subtrees.as_ref().map_or(0, Vec::len),
                    excluded: nc.excluded_subtrees.as_ref().map_or(0, Vec::len),
                    dns_leading_period,
                });
            }
            ParsedExtension::UnsupportedExtension { .. } if extension.critical => {
                ext.unknown_critical.push(extension.oid.to_id_string());
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                ext.aia_entries = Some(aia.accessdescs.len());
                for desc in &aia.accessdescs {
                    // id-ad-caIssuers, 1.3.6.1.5.5.7.48.2
                    if desc.access_method.to_id_string() == "1.3.6.1.5.5.7.48.2" {
                        if let GeneralName::URI(uri) = desc.access_location {
                            ca_issuers.push(uri.to_string());
                        }
                    }
                }
            }
            ParsedExtension::ParseError { .. } => {
                ext.malformed
                    .push(format!("extension {}", extension.oid.to_id_string()));
            }
            _ => {}
        }
    }

    (subject_key_id, authority_key_id, ca_issuers)
}

/// Whether `der` reads as a certificate the way [`CertName::from_der`]
/// reads it (the same error when not), without naming it.
pub fn is_certificate(der: &[u8]) -> Result<(), String> {
    let named = subject_and_key(der)
        .is_some_and(|(name, _)| x509_parser::x509::X509Name::from_der(&name).is_ok());
    if named {
        return Ok(());
    }
    X509Certificate::from_der(der)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The subject Name and the SubjectPublicKeyInfo of `der`, each as whole
/// DER, as webpki reads them (without parsing the extensions); `None` when
/// webpki cannot read it.
fn subject_and_key(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let cert = rustls_pki_types::CertificateDer::from(der);
    let anchor = webpki::anchor_from_trusted_cert(&cert).ok()?;
    Some((
        der_sequence(anchor.subject.as_ref()),
        der_sequence(anchor.subject_public_key_info.as_ref()),
    ))
}

/// A DER SEQUENCE holding `contents` (webpki hands out contents without
/// their header).
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 4);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = bytes.get(first..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

fn common_name(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

/// RFC 5280 §4.2.1.6 "preferred name syntax" (RFC 1034 §3.5, RFC 1123
/// §2.1): labels of letters, digits and inner hyphens. A leftmost `*`
/// label is the wildcard form CAs issue, so it passes here.
fn is_preferred_dns_syntax(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

fn describe_key(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> String {
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_string(),
                    "1.3.132.0.34" => "P-384".to_string(),
                    "1.3.132.0.35" => "P-521".to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| format!("{} bits", point.key_size()));
            format!("ECDSA {curve}")
        }
        _ => match alg.as_str() {
            "1.3.101.112" => "Ed25519".into(),
            "1.3.101.113" => "Ed448".into(),
            _ => describe_oid(&spki.algorithm.algorithm),
        },
    }
}

/// A signature algorithm's name; the weak ones by the names OpenSSL prints,
/// which x509-parser's registry lacks for some.
fn describe_signature(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10040.4.3" => "dsa-with-SHA1".into(),
        _ => describe_oid(oid),
    }
}

fn describe_oid(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

/// RFC 3339 in UTC, e.g. `2026-01-03T00:00:00Z`.
pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The date part only, e.g. `2026-01-03`, for sentences.
pub fn format_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

#[cfg(test)]
mod tests;
