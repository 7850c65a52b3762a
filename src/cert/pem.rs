//! The `CERTIFICATE` blocks of a PEM bundle, decoded fast.
//!
//! A local `check` decodes one or two 200 KB bundles (the platform's,
//! certifi's); rustls-pki-types' decoder, written for secrets in constant
//! time, takes about 0.5 ms for each. Certificates are public: this finds
//! the blocks with memchr and decodes them with the `base64` crate, at
//! about a third of that. It takes only the plain shape every real bundle
//! has (`-----BEGIN CERTIFICATE-----` at a line start, base64 lines, the
//! matching END line); for anything else it answers `None` and the caller
//! uses pki-types, so every answer it gives is the one pki-types would give
//! (the tests compare the two).
//!
//! Pure; reads nothing.

use base64::Engine;
use memchr::memmem;
use rustls_pki_types::CertificateDer;

const BEGIN: &[u8] = b"-----BEGIN ";
const DASHES: &[u8] = b"-----";

/// Every `CERTIFICATE` block of `pem`, in order (blocks with other labels
/// skipped); `None` when the text is not in the plain shape.
pub fn certificates(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let mut out = Vec::new();
    let mut base64 = Vec::with_capacity(4096);
    let mut rest = pem;
    while let Some(at) = memmem::find(rest, BEGIN) {
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
        let end_line = [b"-----END ", label, DASHES].concat();
        let body_len = memmem::find(after.get(body_start..)?, &end_line)?;
        let body = after.get(body_start..body_start + body_len)?;
        if label == b"CERTIFICATE" {
            out.push(CertificateDer::from(decode(body, &mut base64)?));
        }
        rest = after.get(body_start + body_len + end_line.len()..)?;
    }
    Some(out)
}

/// The bytes of a block's base64 lines; `None` for anything but plain
/// lines of base64 (headers, characters inside a line, bad padding).
fn decode(body: &[u8], base64: &mut Vec<u8>) -> Option<Vec<u8>> {
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
    base64::engine::general_purpose::STANDARD
        .decode(&base64[..])
        .ok()
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
