//! Reading a certificate chain from files, for `tlsdoctor inspect`: the
//! Probe stage replaced by a file reader.
//!
//! It owns turning what people paste into a chain, leaf first: PEM with
//! several certificates in any order, text between the blocks (the output of
//! `openssl s_client -showcerts`, a browser export), CRLF line ends and
//! indentation; DER (one or more certificates back to back); `-` for stdin.
//! It puts the certificates in order (leaf, then each issuer) and records the
//! file's order when it differed, so Diagnose can say so.
//!
//! It must not judge anything: Verify and Diagnose are the same code as for
//! `check`. Bad input (not a certificate, truncated PEM, junk, an empty or
//! huge file) is an error with one clear line; nothing larger than
//! [`MAX_INPUT_BYTES`] is ever read into memory.

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;

use crate::cert::input::parse_certificates;
use crate::cert::CertFacts;
use crate::target::Target;

/// A chain file larger than this is not a chain (a long chain is ~10 KB, a
/// whole CA bundle ~250 KB). Checked before reading, and again while reading
/// (stdin, or a file that grows).
pub const MAX_INPUT_BYTES: u64 = 4 << 20;

/// A chain read from files, leaf first.
#[derive(Debug, Clone, Default)]
pub struct ChainFile {
    pub certs: Vec<CertificateDer<'static>>,
    /// The files' positions of `certs`, when the files' order was different.
    pub file_order: Option<Vec<usize>>,
}

/// More certificates than this is not a chain (the Mozilla bundle holds
/// about 150): refused before ordering, whose cost grows with the square.
pub const MAX_CERTIFICATES: usize = 1000;

/// Read every certificate from the given files (`-` is stdin) and put them
/// in chain order. The error is one line that names the file.
pub fn read_chain(files: &[PathBuf]) -> Result<ChainFile, String> {
    let mut certs = Vec::new();
    for file in files {
        let bytes = read_bounded(file)?;
        let parsed = parse_certificates(&bytes).map_err(|e| format!("{}: {e}", label(file)))?;
        add_unique(&mut certs, parsed).map_err(|e| format!("{}: {e}", label(file)))?;
    }
    Ok(order_chain(certs))
}

/// [`read_chain`] over bytes already in memory: one PEM or DER input, put in
/// chain order. The error is one line.
pub fn parse_chain_bytes(bytes: &[u8]) -> Result<ChainFile, String> {
    let mut certs = Vec::new();
    add_unique(&mut certs, parse_certificates(bytes)?)?;
    Ok(order_chain(certs))
}

/// Append the certificates not yet in `certs`: the same certificate twice
/// (a pasted chain plus a bundle) adds nothing.
fn add_unique(
    certs: &mut Vec<CertificateDer<'static>>,
    new: Vec<CertificateDer<'static>>,
) -> Result<(), String> {
    for cert in new {
        if !certs.contains(&cert) {
            if certs.len() == MAX_CERTIFICATES {
                return Err(format!(
                    "more than {MAX_CERTIFICATES} certificates: not a certificate chain"
                ));
            }
            certs.push(cert);
        }
    }
    Ok(())
}

fn order_chain(certs: Vec<CertificateDer<'static>>) -> ChainFile {
    let facts: Vec<CertFacts> = certs.iter().map(|c| CertFacts::from_der(c)).collect();
    let order = crate::cert::chain::order(&facts);
    let identity = order.iter().enumerate().all(|(i, &p)| i == p);
    let ordered = order
        .iter()
        .filter_map(|&i| certs.get(i).cloned())
        .collect();
    ChainFile {
        certs: ordered,
        file_order: (!identity).then_some(order),
    }
}

/// The target to judge a chain for when no `--host` was given: the first
/// name the leaf is issued for (a wildcard's domain), so that locality
/// (public or local name) follows the certificate. Its name is not checked.
pub fn leaf_target(chain: &ChainFile) -> Result<Target, String> {
    let leaf = chain.certs.first().map(|c| CertFacts::from_der(c));
    let names = leaf
        .iter()
        .flat_map(|l| l.dns_names.iter().chain(&l.ip_addresses))
        .map(|n| n.trim_start_matches("*.").to_string());
    names
        .chain(leaf.iter().map(|l| l.name().to_string()))
        .find_map(|n| Target::parse(&n).ok())
        .ok_or_else(|| "the leaf names no host: give the name to check with --host".to_string())
}

fn label(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        format!("'{}'", path.display())
    }
}

/// Read a file or stdin, refusing anything over [`MAX_INPUT_BYTES`].
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let name = label(path);
    let too_large = || {
        format!(
            "{name} is larger than {} MiB: not a certificate chain",
            MAX_INPUT_BYTES >> 20
        )
    };
    use crate::untrusted::{files::read_all_limited, read_limited, ReadLimitError};
    let read = if path.as_os_str() == "-" {
        read_all_limited(std::io::stdin().lock(), MAX_INPUT_BYTES)
    } else {
        read_limited(path, MAX_INPUT_BYTES)
    };
    let bytes = read.map_err(|e| match e {
        ReadLimitError::TooLarge(_) => too_large(),
        ReadLimitError::Directory => format!("{name} is a directory, not a certificate file"),
        e => format!("cannot read {name}: {e}"),
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(format!(
            "{name} is empty: expected PEM ('-----BEGIN CERTIFICATE-----') or DER certificates"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_empty_and_text_are_refused_with_one_line() {
        for (input, expect) in [
            (&b"\x00\x01\x02garbage\xff"[..], "not a certificate"),
            (
                b"hello, this is not a certificate\n",
                "no certificate found",
            ),
            (b"\x30\x03\x02\x01\x00", "not a certificate"),
            (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "truncated"),
            (
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "private key",
            ),
        ] {
            let err = parse_certificates(input).unwrap_err();
            assert!(err.contains(expect), "{err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn mozilla_roots_round_trip_through_pem_with_crlf_and_chatter() {
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS[..3];
        let mut text = String::from("Certificate chain\r\n 0 s:CN = x\r\n");
        for der in roots {
            let b64 = pem_body(der);
            text.push_str("   -----BEGIN CERTIFICATE-----\r\n");
            text.push_str(&b64.replace('\n', "\r\n"));
            text.push_str("-----END CERTIFICATE-----   \r\nsome text between\r\n");
        }
        let certs = parse_certificates(text.as_bytes()).unwrap();
        assert_eq!(certs.len(), 3);
        assert_eq!(certs[0].as_ref(), roots[0].as_ref());
        // DER, two back to back.
        let mut der = roots[0].to_vec();
        der.extend_from_slice(&roots[1]);
        assert_eq!(parse_certificates(&der).unwrap().len(), 2);
    }

    fn pem_body(der: &[u8]) -> String {
        // Minimal base64 for the test; the crate has no encoder dependency.
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in der.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(T[(n >> (18 - 6 * k)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out.as_bytes()
            .chunks(64)
            .map(|l| format!("{}\n", String::from_utf8_lossy(l)))
            .collect()
    }
}
