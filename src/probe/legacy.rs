//! The legacy offer: when a server refuses every cipher suite rustls offers,
//! ask once more with the suites rustls does not implement — ECDHE with
//! CBC, DHE, static RSA key exchange — and record which one the server
//! picks, so Diagnose can name the cause (a CBC-only, DHE-only or
//! static-RSA server) instead of guessing.
//!
//! This sends one TLS 1.2 ClientHello built here and reads the first
//! record back; it never completes a handshake (no key exchange is done,
//! nothing is decrypted). Bounded by the stage deadline and 16 KiB read.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{open_tcp, ProbeOptions};
use crate::observation::{Failure, HandshakeErrorKind, LegacyAnswer, Observation};
use crate::target::{HostKind, Target};

/// The suites offered: ECDHE-CBC, DHE (GCM and CBC), static RSA (GCM and CBC).
const SUITES: &[u16] = &[
    0xc027, 0xc028, 0xc013, 0xc014, 0xc023, 0xc024, 0xc009, 0xc00a, // ECDHE-RSA/ECDSA CBC
    0x009e, 0x009f, 0x0067, 0x006b, 0x0033, 0x0039, // DHE-RSA
    0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035, 0x000a, // RSA key exchange
];

/// Send the legacy offer on `stream` and read the answer.
pub async fn ask(mut stream: TcpStream, sni: Option<&str>, timeout: Duration) -> LegacyAnswer {
    let hello = client_hello(sni);
    let work = async {
        stream.write_all(&hello).await.ok()?;
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 4096];
        while buf.len() < 16 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(chunk.get(..n)?);
            if let Some(answer) = parse_answer(&buf) {
                return Some(answer);
            }
        }
        parse_answer(&buf)
    };
    tokio::time::timeout(timeout, work)
        .await
        .ok()
        .flatten()
        .unwrap_or(LegacyAnswer::Refused)
}

/// The server refused the handshake before sending a certificate, with the
/// alert servers send when no cipher suite or key exchange is in common.
pub(super) fn no_suite_in_common(obs: &Observation) -> bool {
    obs.chain.is_empty()
        && matches!(
            &obs.failure,
            Some(Failure::Handshake { kind: HandshakeErrorKind::Alert(a), .. })
                if a == "handshake_failure" || a == "insufficient_security"
        )
}

/// Ask once more on a new connection, with the suites rustls lacks.
pub(super) async fn legacy_offer(target: &Target, options: &ProbeOptions) -> Option<LegacyAnswer> {
    let mut scratch = Observation::default();
    let stream = open_tcp(target, options, &mut scratch).await?;
    let sni = matches!(target.host_kind, HostKind::Dns).then_some(target.host.as_str());
    Some(ask(stream, sni, options.timeout).await)
}

/// A TLS 1.2 ClientHello offering [`SUITES`], with SNI, groups, point
/// formats and signature algorithms.
fn client_hello(sni: Option<&str>) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(name) = sni {
        let name = name.as_bytes();
        let list_len = name.len() + 3;
        push_ext(&mut ext, 0x0000, &{
            let mut v = u16_bytes(list_len).to_vec();
            v.push(0);
            v.extend_from_slice(&u16_bytes(name.len()));
            v.extend_from_slice(name);
            v
        });
    }
    // supported_groups: x25519, secp256r1, secp384r1, ffdhe2048.
    push_ext(&mut ext, 0x000a, &[0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 1, 0]);
    push_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
                                         // signature_algorithms: rsa_pkcs1_sha256/384, ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha1.
    push_ext(&mut ext, 0x000d, &[0, 10, 4, 1, 5, 1, 4, 3, 8, 4, 2, 1]);
    let mut body = vec![3, 3]; // TLS 1.2
    body.extend_from_slice(&[0x5a; 32]); // random: nothing is ever derived from it
    body.push(0); // no session id
    body.extend_from_slice(&u16_bytes(SUITES.len() * 2));
    for suite in SUITES {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    body.extend_from_slice(&u16_bytes(ext.len()));
    body.extend_from_slice(&ext);
    let mut handshake = vec![1];
    handshake.extend_from_slice(&u24_bytes(body.len()));
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 3, 1];
    record.extend_from_slice(&u16_bytes(handshake.len()));
    record.extend_from_slice(&handshake);
    record
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16_bytes(data.len()));
    out.extend_from_slice(data);
}

fn u16_bytes(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes()
}

fn u24_bytes(n: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    [a, b, c]
}

/// The answer in the first record, once enough of it arrived.
fn parse_answer(buf: &[u8]) -> Option<LegacyAnswer> {
    let (&content_type, rest) = buf.split_first()?;
    if content_type == 0x15 {
        return Some(LegacyAnswer::Refused);
    }
    // Handshake record: type(1) version(2) length(2), then ServerHello:
    // type(1)=2 length(3) version(2) random(32) session_id_len(1) id suite(2).
    let hs = rest.get(4..)?;
    if content_type != 0x16 || hs.first() != Some(&2) {
        return Some(LegacyAnswer::Refused);
    }
    let id_len = usize::from(*hs.get(38)?);
    let suite = hs.get(39 + id_len..41 + id_len)?;
    Some(LegacyAnswer::Chose(u16::from_be_bytes([
        *suite.first()?,
        *suite.get(1)?,
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_chosen_suite_or_a_refusal() {
        let mut hello = vec![0x16, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3];
        hello.extend_from_slice(&[7; 32]);
        hello.push(0);
        hello.extend_from_slice(&[0xc0, 0x13, 0]);
        assert_eq!(parse_answer(&hello), Some(LegacyAnswer::Chose(0xc013)));
        assert_eq!(
            parse_answer(&[0x15, 3, 3, 0, 2, 2, 40]),
            Some(LegacyAnswer::Refused)
        );
        assert_eq!(parse_answer(&[0x16, 3, 3]), None);
    }

    #[test]
    fn the_hello_is_one_well_formed_record() {
        let hello = client_hello(Some("example.com"));
        let len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(hello.len(), 5 + len);
        assert_eq!(hello[5], 1);
    }
}
