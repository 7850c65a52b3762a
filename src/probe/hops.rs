//! Redirect hops of the HTTP probe: where a checked server's redirect may
//! lead (DESIGN.md, Untrusted input → Redirects), the fresh connection each
//! hop makes, and what the last one to another host or port saw (the
//! destination Diagnose judges like a target).

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;
use url::Url;

use super::client_auth::ClientAuthRecorder;
use super::danger::CapturingVerifier;
use super::http::{self, FetchError};
use super::recording::RecordingStream;
use super::{
    classify_handshake_error, client_config, failure_text, handshake_failure, open_tcp, proxy,
    resolve, tls_params, First, Hello, ProbeOptions, Tls, ALPN_HTTP1,
};
use crate::observation::{Destination, HandshakeErrorKind, HttpObservation, Observation};
use crate::target::{is_public_ip, ResolveOverride, Target};

/// What a redirect hop's route depends on: the target it came from and
/// the address the probe connected to (none through a proxy).
pub(super) struct Route<'a> {
    pub(super) target: &'a Target,
    pub(super) connected: Option<SocketAddr>,
}

pub(super) async fn follow_redirects(
    url: Url,
    first: &mut First,
    hello: Hello,
    route: &Route<'_>,
    options: &ProbeOptions,
) -> HttpObservation {
    let Route { target, connected } = *route;
    // Every hop has its own stage deadlines, but a server that answers each
    // one just in time must not stretch the check to hops × stages × timeout.
    let budget = options.timeout * HTTP_BUDGET_STAGES;
    let deadline = tokio::time::Instant::now() + budget;
    // What the last hop to another host or port saw: the destination.
    let destination: Arc<std::sync::Mutex<Option<(Url, Observation)>>> = Arc::default();
    let origin_authority = target.authority();
    let mut observed = http::follow(url, |url, hop| {
        let reuse = if hop == 0 {
            std::mem::replace(first, First::Fresh)
        } else {
            First::Fresh
        };
        let destination = Arc::clone(&destination);
        let origin_authority = origin_authority.clone();
        let options = options.clone();
        async move {
            let work = async {
                let mut stream = match reuse {
                    First::Answered(head) => return Ok(head),
                    First::Reuse(stream) => *stream,
                    First::Fresh => {
                        let options = hop_route(target, connected, &url, &options).await?;
                        let mut seen = Observation::default();
                        let opened = open_https(&url, hello, &options, &mut seen).await;
                        let elsewhere = Target::parse(url.as_str())
                            .is_ok_and(|t| t.authority() != origin_authority);
                        if let (true, Ok(mut slot)) = (elsewhere, destination.lock()) {
                            *slot = Some((url.clone(), seen));
                        }
                        opened.map_err(FetchError::Failed)?
                    }
                };
                http::exchange(&mut stream, &url, options.timeout)
                    .await
                    .map_err(|e| FetchError::Failed(e.to_string()))
            };
            tokio::time::timeout_at(deadline, work)
                .await
                .unwrap_or_else(|_| {
                    Err(FetchError::Failed(format!(
                        "the HTTP probe as a whole took longer than {budget:?} ({HTTP_BUDGET_STAGES} × --timeout)"
                    )))
                })
        }
    })
    .await;
    let last = observed.hops.last().map(|h| h.url.clone());
    let found = destination.lock().ok().and_then(|mut slot| slot.take());
    observed.destination = found
        .filter(|(url, _)| last.as_deref() == Some(url.as_str()))
        .map(|(url, observation)| {
            Box::new(Destination {
                url: url.to_string(),
                observation,
            })
        });
    observed
}

/// Where a redirect hop may connect (DESIGN.md, Untrusted input →
/// Redirects): the options for it, with the address pinned, or why the
/// hop is not followed.
///
/// - an address the user pinned with `--resolve` is used as given;
/// - the target's own host reuses the address the probe connected to (no
///   new DNS answer can move it);
/// - any other host is reached only when its name is public and every
///   address DNS gives for it is public. Through a proxy, which resolves
///   names itself, only the name can be checked.
async fn hop_route(
    origin: &Target,
    connected: Option<SocketAddr>,
    url: &Url,
    options: &ProbeOptions,
) -> Result<ProbeOptions, FetchError> {
    let hop = Target::parse(url.as_str()).map_err(|e| FetchError::Failed(e.to_string()))?;
    if options.resolve.iter().any(|r| r.applies_to(&hop).is_some()) {
        return Ok(options.clone());
    }
    let pin = |addr: std::net::IpAddr| {
        let mut pinned = options.clone();
        pinned.resolve.push(ResolveOverride {
            host: hop.host.clone(),
            port: hop.port,
            addr,
        });
        pinned
    };
    if hop.host.eq_ignore_ascii_case(&origin.host) {
        return Ok(match connected {
            Some(addr) => pin(addr.ip()),
            None => options.clone(),
        });
    }
    if hop.is_local() {
        return Err(FetchError::NotFollowed(format!(
            "{} is a local name or address; a checked server's redirect is never followed there",
            hop.authority()
        )));
    }
    if proxy::select_from_process(&options.proxy, &hop.host, hop.port).is_ok_and(|v| v.is_some()) {
        return Ok(options.clone());
    }
    let resolution = resolve(&hop, options)
        .await
        .map_err(|f| FetchError::Failed(failure_text(&f)))?;
    match resolution.addresses.iter().find(|a| !is_public_ip(a.ip())) {
        Some(private) => Err(FetchError::NotFollowed(format!(
            "{} resolves to {}, which is not a public address; a checked server's redirect is never followed there",
            hop.host,
            private.ip()
        ))),
        None => Ok(resolution
            .addresses
            .first()
            .map_or_else(|| options.clone(), |a| pin(a.ip()))),
    }
}

/// The HTTP stage, all hops together, gets this many stage deadlines.
pub(super) const HTTP_BUDGET_STAGES: u32 = 3;

/// A fresh https connection for a redirect hop (HTTP/1.1 only), recording
/// what it saw in `obs` as a probe of that destination would: the chain,
/// the TLS parameters, or where it failed. Diagnose judges a destination on
/// another host or port like a target.
async fn open_https(
    url: &Url,
    hello: Hello,
    options: &ProbeOptions,
    obs: &mut Observation,
) -> Result<Tls, String> {
    let target = Target::parse(url.as_str()).map_err(|e| e.to_string())?;
    let Some(stream) = open_tcp(&target, options, obs).await else {
        return Err(obs.failure.as_ref().map(failure_text).unwrap_or_default());
    };
    let verifier = CapturingVerifier::new(
        rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms,
    );
    let client_auth = ClientAuthRecorder::new();
    let config = client_config(verifier.clone(), client_auth.clone(), ALPN_HTTP1, hello)
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(target.host.clone()).map_err(|e| e.to_string())?;
    let sni = matches!(name, ServerName::DnsName(_));
    let (recording, record) = RecordingStream::new(stream);
    let result = tokio::time::timeout(
        options.timeout,
        TlsConnector::from(Arc::new(config)).connect(name, recording),
    )
    .await;
    obs.chain = verifier.take_chain();
    (obs.first_bytes, obs.bytes_received) = record.snapshot();
    obs.client_auth = client_auth.take();
    let (kind, message) = match result {
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            obs.tls = Some(tls_params(conn, sni));
            return Ok(tls);
        }
        Ok(Err(e)) => classify_handshake_error(&e),
        Err(_) => (
            HandshakeErrorKind::TimedOut,
            format!("no complete TLS handshake within {:?}", options.timeout),
        ),
    };
    let text = format!(
        "TLS handshake with {} failed: {message}",
        target.authority()
    );
    obs.failure = Some(handshake_failure(kind, message));
    Err(text)
}
