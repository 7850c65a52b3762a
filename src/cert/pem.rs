//! The `CERTIFICATE` blocks of a PEM bundle, decoded fast.
//!
//! A local `check` decodes one or two 200 KB bundles (the platform's,
//! certifi's); rustls-pki-types' decoder, written for secrets in constant
//! time, takes about 0.5 ms for each. Certificates are public: this finds
//! the blocks with memchr and decodes them with SIMD base64 (base64-simd),
//! about a tenth of that. It takes only the plain shape every real bundle
//! has (`-----BEGIN CERTIFICATE-----` at a line start, base64 lines, the
//! matching END line); for anything else it answers `None` and the caller
//! uses pki-types, so every answer it gives is the one pki-types would give
//! (the tests compare the two).
//!
//! Pure; reads nothing.

use std::ops::Range;

use memchr::memmem;
use rustls_pki_types::CertificateDer;

const BEGIN: &[u8] = b"-----BEGIN ";
const DASHES: &[u8] = b"-----";
const END_CERTIFICATE: &[u8] = b"-----END CERTIFICATE-----";

/// Every `CERTIFICATE` block of `pem`, in order (blocks with other labels
/// skipped), each its own copy; `None` when the text is not in the plain
/// shape.
pub fn certificates(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let decoded = decode_certificates(pem)?;
    Some(
        decoded
            .certs
            .iter()
            .filter_map(|r| decoded.der.get(r.clone()))
            .map(|der| CertificateDer::from(der.to_vec()))
            .collect(),
    )
}

/// The `CERTIFICATE` blocks of a bundle, decoded into one buffer: a
/// bundle's 150 certificates cost one allocation, not 150.
#[derive(Debug, Default)]
pub struct Decoded {
    /// Every certificate's DER, one after another.
    pub der: Vec<u8>,
    /// Where each certificate lies in `der`, in order.
    pub certs: Vec<Range<usize>>,
}

/// Every `CERTIFICATE` block of `pem`, in order (blocks with other labels
/// skipped); `None` when the text is not in the plain shape.
pub fn decode_certificates(pem: &[u8]) -> Option<Decoded> {
    // Searchers built once: building one per search cost more than the
    // search in a bundle of 150 blocks.
    let begin = memmem::Finder::new(BEGIN);
    let end_certificate = memmem::Finder::new(END_CERTIFICATE);
    let mut out = Decoded {
        der: Vec::with_capacity(pem.len() / 4 * 3),
        certs: Vec::new(),
    };
    let mut base64 = Vec::with_capacity(4096);
    let mut rest = pem;
    while let Some(at) = begin.find(rest) {
        if at > 0 && rest.get(at - 1) != Some(&b'\n') {
            return None;
        }
        let after = rest.get(at + BEGIN.len()..)?;
        let line_end = memchr::memchr(b'\n', after)?;
        let label = after
            .get(..line_end)?
            .trim_ascii_end()
            .strip_suffix(DASHES)?;
        let body_start = line_end + 1;
        let tail = after.get(body_start..)?;
        let (body_len, end_len) = if label == b"CERTIFICATE" {
            (end_certificate.find(tail)?, END_CERTIFICATE.len())
        } else {
            let end_line = [b"-----END ", label, DASHES].concat();
            (memmem::find(tail, &end_line)?, end_line.len())
        };
        let body = tail.get(..body_len)?;
        if label == b"CERTIFICATE" {
            let start = out.der.len();
            decode(body, &mut base64, &mut out.der)?;
            out.certs.push(start..out.der.len());
        }
        rest = tail.get(body_len + end_len..)?;
    }
    Some(out)
}

/// Append the bytes of a block's base64 lines to `der`; `None` for
/// anything but plain lines of base64 (headers, characters inside a line,
/// bad padding).
fn decode(body: &[u8], base64: &mut Vec<u8>, der: &mut Vec<u8>) -> Option<()> {
    base64.clear();
    let mut rest = body;
    while !rest.is_empty() {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(at) => (rest.get(..at)?, rest.get(at + 1..)?),
            None => (rest, &[][..]),
        };
        base64.extend_from_slice(line.trim_ascii());
        rest = next;
    }
    base64_simd::STANDARD.decode_append(&base64[..], der).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    fn pki_types(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
        CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .ok()
    }

    fn encode(der: &[u8]) -> String {
        pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec())).replace("\r\n", "\n")
    }

    fn mozilla_bundle() -> String {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| encode(c))
            .collect()
    }

    #[test]
    fn a_whole_bundle_decodes_as_pki_types_decodes_it() {
        let bundle = mozilla_bundle();
        let fast = certificates(bundle.as_bytes()).unwrap();
        assert_eq!(fast.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
        assert_eq!(Some(fast), pki_types(bundle.as_bytes()));
    }

    #[test]
    fn the_shapes_real_bundles_have_agree_with_pki_types() {
        let one = encode(&webpki_root_certs::TLS_SERVER_ROOT_CERTS[0]);
        let two = encode(&webpki_root_certs::TLS_SERVER_ROOT_CERTS[1]);
        let cases = [
            String::new(),
            "no pem here\n".to_string(),
            // Comments between blocks, as Debian's and certifi's bundles have.
            format!("# Issuer: CN=one\n# Label: \"one\"\n{one}\n# two\n{two}"),
            // CRLF line ends.
            one.replace('\n', "\r\n"),
            // Other labels are skipped.
            format!("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n{two}"),
            // No newline after the last END line.
            one.trim_end().to_string(),
        ];
        for case in cases {
            let fast = certificates(case.as_bytes());
            assert!(fast.is_some(), "plain shape refused: {case:?}");
            assert_eq!(fast, pki_types(case.as_bytes()), "{case:?}");
        }
    }

    #[test]
    fn non_canonical_padding_gets_pki_types_answer_or_none() {
        // A certificate whose base64 ends in padding, its last data
        // character changed so that the bits the padding drops are not zero.
        let padded = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| encode(c))
            .find(|pem| pem.contains("=\n-----END"))
            .expect("a root whose base64 is padded");
        let at = padded.find('=').unwrap() - 1;
        let last = padded.as_bytes()[at];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let value = alphabet.iter().position(|&c| c == last).unwrap();
        let changed = alphabet[value ^ 1] as char;
        let mut odd = padded.clone();
        odd.replace_range(at..=at, &changed.to_string());
        let fast = certificates(odd.as_bytes());
        assert!(
            fast.is_none() || fast == pki_types(odd.as_bytes()),
            "fast decoder accepted what pki-types answers differently"
        );
    }

    #[test]
    fn anything_else_is_left_to_pki_types() {
        let one = encode(&webpki_root_certs::TLS_SERVER_ROOT_CERTS[0]);
        let lines: Vec<&str> = one.lines().collect();
        let cases = [
            // A header line inside the block.
            one.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
            // A character that is not base64.
            one.replacen(lines[2], &format!("{}*", &lines[2][1..]), 1),
            // No END line.
            lines[..lines.len() - 1].join("\n"),
            // BEGIN in the middle of a line.
            format!("junk {one}"),
        ];
        for case in cases {
            assert_eq!(certificates(case.as_bytes()), None, "{case:?}");
        }
    }
}
