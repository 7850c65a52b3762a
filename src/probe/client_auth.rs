//! The server's request for a client certificate, recorded: a client-cert
//! resolver that notes the CertificateRequest (and the CA names it lists)
//! and offers no certificate, as a client without one does.
//!
//! Records only; whether the server then refuses is seen by the handshake
//! (TLS 1.2) or right after it ([`settle`], TLS 1.3). Must not judge.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use crate::observation::ClientAuthRequest;

/// Offers no client certificate; remembers that one was asked for.
#[derive(Debug, Default)]
pub struct ClientAuthRecorder {
    requested: Mutex<Option<Vec<Vec<u8>>>>,
}

impl ClientAuthRecorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// What the server asked for, when it asked.
    pub fn take(&self) -> Option<ClientAuthRequest> {
        let names = self.requested.lock().ok()?.take()?;
        Some(ClientAuthRequest {
            acceptable_issuers: names.iter().map(|n| name_text(n)).collect(),
            refused_after_handshake: None,
        })
    }
}

impl ResolvesClientCert for ClientAuthRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        if let Ok(mut slot) = self.requested.lock() {
            *slot = Some(root_hint_subjects.iter().map(|n| n.to_vec()).collect());
        }
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// A CA name from a CertificateRequest (a DER Name, as sent) as text; its
/// bytes in hex when it does not parse.
fn name_text(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => hex::encode(der),
    }
}

/// TLS 1.3 ends the client's handshake before the server has seen the
/// (empty) client certificate: a server that requires one refuses with an
/// alert just after. Say goodbye (close_notify) and read what comes back
/// within `timeout`: the alert's name when the server refused, `None` when
/// it closed calmly (the certificate was optional) or stayed silent.
pub async fn settle<S>(tls: &mut S, timeout: Duration) -> Option<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let exchange = async {
        // A write error here means the server already closed: read anyway.
        let _ = tls.shutdown().await;
        let mut buf = [0u8; 512];
        for _ in 0..64 {
            match tls.read(&mut buf).await {
                Ok(0) => return None,
                Ok(_) => continue,
                Err(e) => return alert_of(&e),
            }
        }
        None
    };
    tokio::time::timeout(timeout, exchange).await.ok().flatten()
}

fn alert_of(e: &std::io::Error) -> Option<String> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(alert) => Some(super::alert_name(*alert)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_as_text() {
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "Test CA" } } }
        let name = [
            0x30, 0x12, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x07, b'T',
            b'e', b's', b't', b' ', b'C', b'A',
        ];
        assert_eq!(name_text(&name), "CN=Test CA");
        assert_eq!(name_text(&[0xff]), "ff");
    }
}
