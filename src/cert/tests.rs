//! Tests of the certificate facts (`cert.rs`).

use super::*;

#[test]
fn cert_names_read_cheaply_match_a_full_parse() {
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let (_, cert) = X509Certificate::from_der(der).unwrap();
        let full = CertName {
            subject: cert.subject().to_string(),
            display_name: common_name(cert.subject()).unwrap_or_else(|| cert.subject().to_string()),
            spki_sha256: Sha256::digest(cert.public_key().raw).into(),
        };
        assert_eq!(CertName::from_der(der).unwrap(), full);
    }
    assert!(CertName::from_der(b"junk").is_err());
    assert_eq!(
        is_certificate(b"junk"),
        CertName::from_der(b"junk").map(|_| ())
    );
    assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .all(|c| is_certificate(c).is_ok()));
    for len in [0, 0x7f, 0x80, 0xff, 0x100, 0x1_0000] {
        let wrapped = der_sequence(&vec![0; len]);
        let (rest, header) =
            x509_parser::der_parser::der::der_read_element_header(&wrapped).unwrap();
        assert_eq!(header.length().definite().unwrap(), len);
        assert_eq!(rest.len(), len);
    }
}

#[test]
fn garbage_yields_facts_not_a_panic() {
    let facts = CertFacts::from_der(b"not a certificate");
    assert!(facts.parse_error.is_some());
    assert_eq!(facts.sha256.len(), 64);
    assert!(!facts.is_signed_by(&facts));
}

#[test]
fn reads_a_mozilla_root() {
    let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .find(|c| CertFacts::from_der(c).display_name == "ISRG Root X1")
        .expect("ISRG Root X1 is in the Mozilla list");
    let f = CertFacts::from_der(der);
    assert!(f.self_signed && f.is_ca, "{f:?}");
    assert_eq!(f.key, "RSA 4096");
    assert_eq!(f.ext.basic_constraints_critical, Some(true));
    assert_eq!(f.ext.key_usage_cert_sign, Some(true));
    assert!(f.subject.contains("CN=ISRG Root X1"));
    assert_eq!(format_date(f.not_after), "2035-06-04");
    assert!(f.is_signed_by(&f));
}

/// A self-signed sha256WithRSAEncryption root with a 1024-bit key and
/// a 2048-bit CA it signed (openssl req -x509 / openssl x509 -req):
/// who signed what is read even where x509-parser's floor refuses the key.
#[test]
fn a_1024_bit_rsa_signer_is_still_recognised() {
    let pem = include_str!("testdata/rsa1024-root-and-child.pem");
    let ders: Vec<Vec<u8>> = ::pem::parse_many(pem)
        .unwrap()
        .into_iter()
        .map(::pem::Pem::into_contents)
        .collect();
    let (root, child) = (CertFacts::from_der(&ders[0]), CertFacts::from_der(&ders[1]));
    assert_eq!(root.key, "RSA 1024");
    assert!(root.self_signed, "{root:?}");
    assert!(child.is_signed_by(&root));
    assert!(!root.is_signed_by(&child));
    let mut forged = ders[1].clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(!CertFacts::from_der(&forged).is_signed_by(&root));
}

#[test]
fn dates_format_in_utc() {
    let t = OffsetDateTime::from_unix_timestamp(1_767_398_400).unwrap();
    assert_eq!(format_time(t), "2026-01-03T00:00:00Z");
    assert_eq!(format_date(t), "2026-01-03");
}
