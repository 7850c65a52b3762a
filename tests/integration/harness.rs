//! Tests of the test harness itself (no tlsdoctor involved): the servers send
//! what the end-to-end tests rely on, so a failure there is the product's.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Records the chain and accepts it; handshake signatures are still checked.
#[derive(Debug)]
struct Capture {
    chain: Mutex<Vec<Vec<u8>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        *self.chain.lock().unwrap() = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Connects, sends a GET, returns (chain as sent, ALPN, TLS version, response).
fn fetch(port: u16) -> (Vec<Vec<u8>>, Option<Vec<u8>>, String, String) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let capture = Arc::new(Capture {
        chain: Mutex::new(Vec::new()),
        provider: Arc::clone(&provider),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = ServerName::try_from("api.example.com").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let _ = tls.write_all(b"GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
    let version = format!("{:?}", tls.conn.protocol_version());
    let chain = capture.chain.lock().unwrap().clone();
    (
        chain,
        alpn,
        version,
        String::from_utf8_lossy(&response).into_owned(),
    )
}

#[test]
fn tls_server_sends_the_chain_in_the_order_given() {
    let root = root_ca("Harness Root", "Harness");
    let inter = intermediate_ca("Harness Intermediate", &root);
    let leaf = leaf(&["api.example.com"], &inter);

    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let (chain, alpn, version, response) = fetch(server.port());
    assert_eq!(chain, vec![leaf.der.to_vec(), inter.der.to_vec()]);
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(version, "Some(TLSv1_3)");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
    assert_eq!(server.connections(), 1);

    // Misordered: the intermediate first, still signed with the leaf's key.
    let server = TlsServer::start(&[&inter, &leaf], &leaf);
    // The handshake signature is checked against chain[0] (the intermediate),
    // so the handshake fails; what matters is that the order was kept.
    let (chain, ..) = fetch(server.port());
    assert_eq!(chain, vec![inter.der.to_vec(), leaf.der.to_vec()]);
}

#[test]
fn raw_server_behaviours_send_their_bytes() {
    for (behaviour, expected) in [
        (
            RawServer::start(raw::reply_after_read(raw::HTTP_400)),
            raw::HTTP_400,
        ),
        (
            RawServer::start(raw::send_on_accept(raw::SSH_BANNER)),
            raw::SSH_BANNER,
        ),
        (
            RawServer::start(raw::reply_after_read(raw::ALERT_PROTOCOL_VERSION)),
            raw::ALERT_PROTOCOL_VERSION,
        ),
        (RawServer::start(raw::close_after_read()), &b""[..]),
    ] {
        let mut sock = TcpStream::connect(("127.0.0.1", behaviour.port())).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // A fake ClientHello record header with a 4-byte body.
        sock.write_all(&[0x16, 0x03, 0x01, 0x00, 0x04, 1, 0, 0, 0])
            .unwrap();
        let mut got = Vec::new();
        sock.read_to_end(&mut got).unwrap();
        assert_eq!(got, expected);
    }
}

#[test]
fn silent_server_stays_silent_and_closed_port_refuses() {
    let server = RawServer::start(raw::silent(Duration::from_secs(2)));
    let mut sock = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = sock.read(&mut [0u8; 16]).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));

    let port = closed_port();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
