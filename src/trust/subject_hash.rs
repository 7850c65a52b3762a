//! OpenSSL's subject-name hash (`X509_NAME_hash_ex`, `openssl x509 -hash`).
//!
//! A hashed certificate directory (`/etc/ssl/certs`, made by `openssl
//! rehash` or `update-ca-certificates`) names each CA `<hash>.<n>` after its
//! subject, so a CA can be found by name with one lookup instead of reading
//! every file — which is how OpenSSL, and so curl, searches such a directory.
//!
//! The hash is the first four bytes (little-endian) of the SHA-1 of the
//! name's canonical encoding (OpenSSL `x509_name_canon`): each string value
//! converted to UTF-8, stripped of leading and trailing white space, inner
//! white space collapsed to one space, ASCII lower-cased, and re-encoded as
//! a UTF8String; the RDN SETs are concatenated without the outer SEQUENCE.
//! Tested against `openssl x509 -hash` output.

use x509_parser::der_parser::asn1_rs::{Class, FromDer};
use x509_parser::x509::X509Name;

/// The OpenSSL hash of a DER-encoded Name (with its SEQUENCE header), or
/// `None` when the name uses something this does not canonicalise.
pub fn openssl_name_hash(name_der: &[u8]) -> Option<u32> {
    let (_, name) = X509Name::from_der(name_der).ok()?;
    let mut canon = Vec::new();
    for rdn in name.iter() {
        let mut entries: Vec<Vec<u8>> = Vec::new();
        for attr in rdn.iter() {
            let value = attr.attr_value();
            if value.class() != Class::Universal {
                return None;
            }
            let (tag, data) = match canonical_string(value.tag().0, value.data) {
                Some(text) => (UTF8_STRING, text.into_bytes()),
                None => (u8::try_from(value.tag().0).ok()?, value.data.to_vec()),
            };
            let mut entry = tlv(OBJECT_IDENTIFIER, attr.attr_type().as_bytes());
            entry.extend(tlv(tag, &data));
            entries.push(tlv(SEQUENCE, &entry));
        }
        // DER orders the members of a SET OF by their encodings.
        entries.sort();
        canon.extend(tlv(SET, &entries.concat()));
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &canon);
    let first: [u8; 4] = digest.as_ref().get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(first))
}

const UTF8_STRING: u8 = 0x0c;
const OBJECT_IDENTIFIER: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

/// The canonical text of a string value, for the string types OpenSSL
/// canonicalises (`ASN1_MASK_CANON`); `None` for any other type.
fn canonical_string(tag: u32, data: &[u8]) -> Option<String> {
    let text: String = match tag {
        12 => String::from_utf8_lossy(data).into_owned(), // UTF8String
        // PrintableString, T61String (read as Latin-1, as OpenSSL does),
        // IA5String, VisibleString.
        19 | 20 | 22 | 26 => data.iter().map(|&b| char::from(b)).collect(),
        30 => char::decode_utf16(data.chunks(2).map(|p| {
            u16::from_be_bytes([
                p.first().copied().unwrap_or(0),
                p.get(1).copied().unwrap_or(0),
            ])
        }))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(), // BMPString
        28 => data
            .chunks(4)
            .filter_map(|q| <[u8; 4]>::try_from(q).ok())
            .map(|q| char::from_u32(u32::from_be_bytes(q)).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(), // UniversalString
        _ => return None,
    };
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.trim_matches(is_space).chars() {
        if is_space(c) {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    Some(out)
}

/// OpenSSL's `ossl_isspace`: ASCII white space only.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

/// One DER TLV with a low tag number.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::CertFacts;

    fn hash_of(cn: &str) -> String {
        let root = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| CertFacts::from_der(der))
            .find(|f| f.display_name == cn)
            .unwrap_or_else(|| panic!("{cn} in the Mozilla list"));
        format!("{:08x}", openssl_name_hash(&root.subject_raw).unwrap())
    }

    /// Expected values from `openssl x509 -noout -subject_hash` (OpenSSL 3.0).
    #[test]
    fn matches_openssl() {
        for (cn, expected) in EXPECTED {
            assert_eq!(hash_of(cn), *expected, "{cn}");
        }
    }

    #[test]
    fn canonical_form() {
        assert_eq!(
            canonical_string(19, b"  Foo   Bar CA ").as_deref(),
            Some("foo bar ca")
        );
        assert_eq!(
            canonical_string(12, "Ünïcode  X".as_bytes()).as_deref(),
            Some("Ünïcode x")
        );
        assert_eq!(
            canonical_string(30, &[0, b'A', 0, b'b']).as_deref(),
            Some("ab")
        );
        assert_eq!(canonical_string(2, b"\x01"), None);
        assert_eq!(tlv(0x04, &[0; 200]).get(..3), Some(&[0x04, 0x81, 200][..]));
    }

    /// Mozilla roots and their `openssl x509 -noout -subject_hash` (OpenSSL 3.0):
    /// ASCII and UTF-8 names, PrintableString and UTF8String values, one name
    /// with several OUs. (All 145 roots of a Debian /etc/ssl/certs matched.)
    const EXPECTED: &[(&str, &str)] = &[
        ("ISRG Root X1", "4042bcee"),
        ("DigiCert Global Root G2", "607986c7"),
        ("NetLock Arany (Class Gold) Főtanúsítvány", "988a38cb"),
        ("Microsec e-Szigno Root CA 2009", "8160b96c"),
        ("TUBITAK Kamu SM SSL Kok Sertifikasi - Surum 1", "ff34af3f"),
        ("Hongkong Post Root CA 3", "68dd7389"),
    ];
}
