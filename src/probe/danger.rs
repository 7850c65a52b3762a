//! The capturing verifier: it keeps whatever chain the server presents and
//! lets the handshake go on, so a chain no client would accept can still be
//! diagnosed.
//!
//! This is deliberately *not* verification — it lives in a module named
//! `danger`, as in rustls' own examples, so nobody mistakes it for one.
//! Trust is decided later, by `trust::verify`, against each store.
//! The handshake signatures are still checked for real: a server must prove
//! it holds the key of the certificate it sent.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// Accepts any chain and records it; checks handshake signatures.
#[derive(Debug)]
pub struct CapturingVerifier {
    captured: Mutex<Vec<CertificateDer<'static>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl CapturingVerifier {
    /// A verifier using the provider's signature algorithms.
    pub fn new(algorithms: WebPkiSupportedAlgorithms) -> Arc<Self> {
        Arc::new(CapturingVerifier {
            captured: Mutex::new(Vec::new()),
            algorithms,
        })
    }

    /// The chain the server presented, leaf first, as sent.
    pub fn take_chain(&self) -> Vec<CertificateDer<'static>> {
        self.captured
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut captured) = self.captured.lock() {
            *captured = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
