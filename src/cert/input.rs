//! Certificate files as users have them: PEM as pasted (text around the
//! blocks, CRLF, indentation), DER (one or several back to back, the
//! default `.cer`/`.crt` export of Windows' certificate wizard), PKCS#7
//! `.p7b` bundles in PEM or DER (read with RustCrypto's `cms`), and
//! OpenSSL's `TRUSTED CERTIFICATE` PEM (a certificate followed by trust
//! settings, which are dropped).
//!
//! Used by `inspect` and by every trust-store option. Reads bytes already in
//! memory; errors are one line, and never echo the input.

use cms::cert::x509::der::{Decode, Encode};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// PEM (any text around the blocks) or DER, one certificate or several.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    if contains(bytes, b"-----BEGIN ") {
        return parse_pem(bytes);
    }
    if bytes.first() == Some(&0x30) {
        return parse_der(bytes).or_else(|e| parse_pkcs7(bytes).map_err(|_| e));
    }
    let text_like = bytes
        .iter()
        .take(512)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    Err(if text_like {
        "no certificate found: expected PEM ('-----BEGIN CERTIFICATE-----' blocks) or DER"
            .to_string()
    } else {
        "not a certificate: neither PEM nor DER (binary data that is not an X.509 certificate)"
            .to_string()
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn parse_pem(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    // Pasted PEM comes indented, with CRLF, or with trailing spaces: trim
    // every line so the PEM reader sees the canonical form.
    let mut normalized = Vec::with_capacity(bytes.len());
    for line in bytes.split(|&b| b == b'\n') {
        normalized.extend_from_slice(line.trim_ascii());
        normalized.push(b'\n');
    }
    let mut certs = Vec::new();
    for (i, item) in CertificateDer::pem_slice_iter(&normalized).enumerate() {
        let der = item.map_err(|e| pem_error(&e, i + 1))?;
        if x509_parser::parse_x509_certificate(&der).is_err() {
            return Err(format!(
                "certificate block {} is not a valid X.509 certificate (corrupted or truncated base64?)",
                i + 1
            ));
        }
        certs.push(der);
    }
    // Blocks the certificate reader skips: PKCS#7 bundles and OpenSSL's
    // trusted certificates.
    for block in pem::parse_many(&normalized).unwrap_or_default() {
        match block.tag() {
            "PKCS7" => certs.extend(parse_pkcs7(block.contents())?),
            "TRUSTED CERTIFICATE" => certs.push(trusted_certificate(block.contents())?),
            _ => {}
        }
    }
    if certs.is_empty() {
        let what = if contains(bytes, b"PRIVATE KEY-----") {
            " (it holds a private key, not a certificate)"
        } else if contains(bytes, b"-----BEGIN CERTIFICATE REQUEST-----") {
            " (it is a certificate request, not a certificate)"
        } else {
            ""
        };
        return Err(format!("no PEM certificate found{what}"));
    }
    Ok(certs)
}

fn pem_error(e: &rustls_pki_types::pem::Error, block: usize) -> String {
    use rustls_pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { .. } => {
            format!("PEM block {block} is truncated: '-----BEGIN' without its '-----END' line")
        }
        E::IllegalSectionStart { .. } => {
            format!("PEM block {block} has a malformed '-----BEGIN' line")
        }
        E::Base64Decode(_) => {
            format!("PEM block {block} is not valid base64 (corrupted or truncated)")
        }
        E::SectionTooLarge => format!("PEM block {block} is too large"),
        other => format!("PEM block {block}: {other}"),
    }
}

fn parse_der(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match x509_parser::parse_x509_certificate(rest) {
            Ok((remaining, _)) => {
                let (cert, _) = rest.split_at(rest.len().saturating_sub(remaining.len()));
                certs.push(CertificateDer::from(cert.to_vec()));
                rest = remaining;
            }
            Err(_) if certs.is_empty() => {
                return Err("not a certificate: the DER data is not an X.509 certificate (truncated or another kind of file)".to_string())
            }
            Err(_) => {
                return Err(format!(
                    "certificate {} of the DER data is truncated or not a certificate",
                    certs.len() + 1
                ))
            }
        }
    }
    Ok(certs)
}

/// The certificates of a PKCS#7 (CMS) SignedData, DER: what Windows and
/// many IT departments export as `.p7b`.
fn parse_pkcs7(der: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let info = ContentInfo::from_der(der)
        .map_err(|e| format!("not a certificate, and not a PKCS#7 bundle either ({e})"))?;
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("a PKCS#7 file without SignedData ({e})"))?;
    let mut certs = Vec::new();
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(cert) = choice {
            let der = cert
                .to_der()
                .map_err(|e| format!("a certificate in the PKCS#7 bundle cannot be read ({e})"))?;
            certs.push(CertificateDer::from(der));
        }
    }
    if certs.is_empty() {
        return Err("the PKCS#7 bundle holds no certificate".into());
    }
    Ok(certs)
}

/// OpenSSL's `TRUSTED CERTIFICATE`: a certificate followed by its trust
/// settings (X509_CERT_AUX). The certificate alone is kept; tlsdoctor
/// judges trust itself.
fn trusted_certificate(der: &[u8]) -> Result<CertificateDer<'static>, String> {
    let (rest, _) = x509_parser::parse_x509_certificate(der)
        .map_err(|_| "a TRUSTED CERTIFICATE block that holds no valid certificate".to_string())?;
    let cert = der
        .get(..der.len().saturating_sub(rest.len()))
        .ok_or("a TRUSTED CERTIFICATE block that holds no valid certificate")?;
    Ok(CertificateDer::from(cert.to_vec()))
}
