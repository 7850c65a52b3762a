//! Probe: the only code that touches the network.
//!
//! One probe is resolve → connect → TLS handshake, each stage under its own
//! deadline, producing one plain [`Observation`]. Probe never decides: a
//! failed stage is recorded as a [`Failure`] with enough detail for
//! Diagnose (the first bytes the server sent, the alert it sent, whether a
//! chain was seen before things went wrong).
//!
//! Stages stay separate functions so later ways in and out (STARTTLS, an
//! HTTP/2 probe) slot in between without touching the others. A proxy is
//! one such way in: when [`proxy::select`] picks one, resolve and connect
//! reach the proxy and [`proxy::tunnel`] opens a CONNECT tunnel to the
//! target before the handshake; redirect hops of the HTTP probe take the
//! same route.

mod client_auth;
mod danger;
pub mod h2;
mod hops;
pub mod http;
mod legacy;
pub mod limits;
pub mod proxy;
mod recording;
pub mod repeat;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::observation::{
    AddressSource, ConnectErrorKind, Failure, HandshakeErrorKind, HttpObservation, HttpProtocol,
    HttpStop, Observation, ProxyErrorKind, Resolution, TlsParams,
};
use crate::target::{HostKind, ResolveOverride, Target};
use client_auth::ClientAuthRecorder;
use danger::CapturingVerifier;
use recording::RecordingStream;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Deadline for each stage (resolve, connect, proxy CONNECT, handshake,
    /// each HTTP exchange); the HTTP stage as a whole gets three.
    pub timeout: Duration,
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveOverride>,
    /// Run the HTTP probe after a completed handshake.
    pub http: bool,
    /// Which proxy to use.
    pub proxy: ProxyChoice,
}

/// Where the proxy setting comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxyChoice {
    /// `HTTPS_PROXY`/`https_proxy`, `ALL_PROXY`, `NO_PROXY` (curl's rules).
    #[default]
    FromEnvironment,
    /// `--proxy URL`: always this proxy.
    Url(String),
    /// `--no-proxy`: connect directly.
    Direct,
}

impl ProxyChoice {
    /// Check a `--proxy` URL before anything is probed: `Err` says what is
    /// wrong (for a usage error, exit 2) and never holds the URL's credentials.
    pub fn validate(&self) -> Result<(), String> {
        let ProxyChoice::Url(url) = self else {
            return Ok(());
        };
        let proxy = proxy::ProxyUrl::parse(url).map_err(|e| format!("--proxy: {e}"))?;
        if proxy.scheme != "http" {
            return Err(format!(
                "--proxy {}: tlsdoctor speaks only to http:// proxies (HTTP CONNECT), not {}://",
                proxy.display(),
                proxy.scheme
            ));
        }
        Ok(())
    }
}

/// The TLS stream a probe works on.
type Tls = TlsStream<RecordingStream<TcpStream>>;

/// ALPN as browsers and HTTP/2-capable clients offer it.
const ALPN_BROWSER: &[&[u8]] = &[b"h2", b"http/1.1"];
/// ALPN for the HTTP/1.1 probe's own connections.
const ALPN_HTTP1: &[&[u8]] = &[b"http/1.1"];

/// Which ClientHello a handshake sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hello {
    /// What current clients send: an X25519MLKEM768 key share first
    /// (about 1,500 bytes).
    Large,
    /// A classic, small ClientHello: X25519 only (about 300 bytes).
    Classic,
}

/// Probe one target. Never fails: problems are part of the observation.
pub async fn probe(target: &Target, options: &ProbeOptions) -> Observation {
    probe_once(target, options, true).await
}

/// A repeated attempt (`--repeat`): the same probe without the legacy offer,
/// whose extra connection would shift what the attempts measure.
pub async fn probe_again(target: &Target, options: &ProbeOptions) -> Observation {
    probe_once(target, options, false).await
}

async fn probe_once(target: &Target, options: &ProbeOptions, legacy_offer: bool) -> Observation {
    let mut obs = Observation::default();

    let Some(stream) = open_tcp(target, options, &mut obs).await else {
        return obs;
    };

    let started = Instant::now();
    let mut tls = handshake(target, stream, options.timeout, Hello::Large, &mut obs).await;
    obs.timings.handshake = started.elapsed();
    let mut hello = Hello::Large;
    if tls.is_none() && hello_maybe_dropped(&obs) {
        if let Some(classic) = classic_retry(target, options, &mut obs).await {
            tls = Some(classic);
            hello = Hello::Classic;
        }
    }
    if legacy_offer && legacy::no_suite_in_common(&obs) {
        obs.legacy_offer = legacy::legacy_offer(target, options).await;
    }

    // A connection spent learning about client authentication (see
    // `settle_client_auth`) leaves a completed handshake and no stream.
    let spent = tls.is_none() && obs.tls.is_some() && obs.failure.is_none();
    if options.http && (tls.is_some() || spent) {
        let started = Instant::now();
        let connected = obs.connected.filter(|_| obs.proxy.is_none());
        obs.http = Some(probe_http(target, tls, hello, connected, options).await);
        obs.timings.http = started.elapsed();
    }
    obs
}

/// A handshake that ended in a reset, EOF or timeout before the server sent
/// a byte: what a path that drops large ClientHellos looks like.
fn hello_maybe_dropped(obs: &Observation) -> bool {
    matches!(
        &obs.failure,
        Some(Failure::Handshake {
            kind: HandshakeErrorKind::Reset
                | HandshakeErrorKind::ClosedByPeer
                | HandshakeErrorKind::TimedOut,
            ..
        })
    ) && obs.bytes_received == 0
}

/// Connect again and shake hands with a classic ClientHello. On success the
/// classic handshake's facts replace the failed one's in `obs`, and the
/// large hello's failure moves to `obs.large_hello`.
async fn classic_retry(
    target: &Target,
    options: &ProbeOptions,
    obs: &mut Observation,
) -> Option<Tls> {
    let mut retry = Observation::default();
    let stream = open_tcp(target, options, &mut retry).await?;
    let started = Instant::now();
    let Some(tls) = handshake(target, stream, options.timeout, Hello::Classic, &mut retry).await
    else {
        if let Some(Failure::Handshake { message, .. }) = &mut obs.failure {
            message.push_str(
                "; a classic ClientHello (X25519 only) failed too, so its size is not the cause",
            );
        }
        return None;
    };
    retry.timings.handshake = obs.timings.handshake + started.elapsed();
    retry.timings.resolve += obs.timings.resolve;
    retry.timings.connect += obs.timings.connect;
    retry.large_hello = obs.failure.take();
    *obs = retry;
    Some(tls)
}

/// Resolve, connect and (through a proxy) tunnel to `target`, recording
/// each stage in `obs`. `None` when a stage failed (`obs.failure` says why).
///
/// Through a proxy, the addresses and the connection are the proxy's: the
/// proxy resolves the target's name itself, as curl lets it.
async fn open_tcp(
    target: &Target,
    options: &ProbeOptions,
    obs: &mut Observation,
) -> Option<TcpStream> {
    let via = match proxy::select_from_process(&options.proxy, &target.host, target.port) {
        Ok(via) => via,
        Err(e) => {
            obs.failure = Some(Failure::Proxy {
                kind: ProxyErrorKind::Unsupported,
                message: e.to_string(),
            });
            return None;
        }
    };
    if let Some(p) = &via {
        obs.proxy = Some(p.display());
        if p.scheme != "http" {
            obs.failure = Some(Failure::Proxy {
                kind: ProxyErrorKind::Unsupported,
                message: format!(
                    "the proxy {} is a {} proxy; tlsdoctor speaks only to http:// proxies (HTTP CONNECT)",
                    p.display(),
                    p.scheme
                ),
            });
            return None;
        }
    }
    let hop = match &via {
        Some(p) => match Target::parse(&p.authority()) {
            Ok(t) => t,
            Err(e) => {
                obs.failure = Some(Failure::Proxy {
                    kind: ProxyErrorKind::Unsupported,
                    message: format!("the proxy {}: {e}", p.display()),
                });
                return None;
            }
        },
        None => target.clone(),
    };
    let as_proxy_failure = |f: Failure| match (&via, f) {
        (Some(p), f) => Failure::Proxy {
            kind: ProxyErrorKind::Unreachable,
            message: format!("the proxy {}: {}", p.display(), failure_text(&f)),
        },
        (None, f) => f,
    };

    let started = Instant::now();
    let resolved = resolve(&hop, options).await;
    obs.timings.resolve = started.elapsed();
    obs.resolution = match resolved {
        Ok(resolution) => resolution,
        Err(failure) => {
            obs.failure = Some(as_proxy_failure(failure));
            return None;
        }
    };

    let started = Instant::now();
    let connected = connect(&obs.resolution.addresses, options.timeout).await;
    let (mut stream, addr) = match connected {
        Ok(ok) => ok,
        Err(failure) => {
            obs.timings.connect = started.elapsed();
            obs.failure = Some(as_proxy_failure(failure));
            return None;
        }
    };
    obs.connected = Some(addr);
    if let Some(p) = &via {
        // The CONNECT exchange counts as part of connecting, under its own deadline.
        if let Err(failure) =
            proxy::tunnel(&mut stream, p, &target.authority(), options.timeout).await
        {
            obs.timings.connect = started.elapsed();
            obs.failure = Some(failure);
            return None;
        }
    }
    obs.timings.connect = started.elapsed();
    Some(stream)
}

/// How the first HTTP request is made.
enum First {
    /// HTTP/1.1 on the handshake's connection.
    Reuse(Box<Tls>),
    /// Already answered (over HTTP/2 on the handshake's connection).
    Answered(http::Head),
    /// HTTP/1.1 on a new connection.
    Fresh,
}

/// GET the target's path and follow https redirects. The first request
/// uses the handshake's connection: HTTP/2 when `h2` was negotiated (and,
/// when that fails, HTTP/1.1 again on a second connection), HTTP/1.1
/// otherwise. Redirect hops speak HTTP/1.1.
async fn probe_http(
    target: &Target,
    tls: Option<Tls>,
    hello: Hello,
    connected: Option<SocketAddr>,
    options: &ProbeOptions,
) -> HttpObservation {
    let Some(url) = http::start_url(target) else {
        return HttpObservation {
            stop: HttpStop::Failed("cannot form a request URL".into()),
            ..HttpObservation::default()
        };
    };
    let (mut first, h2) = match tls {
        Some(tls) if tls.get_ref().1.alpn_protocol() == Some(b"h2") => {
            // Outside the budget below: a stall costs one --timeout more at most.
            let (h2, head) = h2::exchange(tls, &url, options.timeout).await;
            (head.map_or(First::Fresh, First::Answered), Some(h2))
        }
        Some(tls) => (First::Reuse(Box::new(tls)), None),
        None => (First::Fresh, None),
    };
    let protocol = if matches!(first, First::Answered(_)) {
        HttpProtocol::H2
    } else {
        HttpProtocol::Http1
    };
    let route = hops::Route { target, connected };
    let mut obs = hops::follow_redirects(url, &mut first, hello, &route, options).await;
    obs.protocol = protocol;
    obs.h2 = h2;
    obs
}

fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Resolve { message }
        | Failure::Connect { message, .. }
        | Failure::Handshake { message, .. }
        | Failure::Proxy { message, .. } => message.clone(),
    }
}

async fn resolve(target: &Target, options: &ProbeOptions) -> Result<Resolution, Failure> {
    if let Some(addr) = options.resolve.iter().find_map(|r| r.applies_to(target)) {
        return Ok(Resolution {
            source: AddressSource::Override,
            addresses: vec![addr],
        });
    }
    if let HostKind::Ip(ip) = target.host_kind {
        return Ok(Resolution {
            source: AddressSource::Literal,
            addresses: vec![SocketAddr::new(ip, target.port)],
        });
    }
    let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
    match tokio::time::timeout(options.timeout, lookup).await {
        Ok(Ok(addrs)) => {
            let addresses: Vec<SocketAddr> = addrs.collect();
            if addresses.is_empty() {
                return Err(Failure::Resolve {
                    message: format!("{} has no address records", target.host),
                });
            }
            Ok(Resolution {
                source: AddressSource::Dns,
                addresses,
            })
        }
        Ok(Err(e)) => Err(Failure::Resolve {
            message: format!("cannot resolve {}: {e}", target.host),
        }),
        Err(_) => Err(Failure::Resolve {
            message: format!(
                "resolving {} took longer than {:?}",
                target.host, options.timeout
            ),
        }),
    }
}

/// Try each address in turn; the whole stage shares one deadline.
async fn connect(
    addresses: &[SocketAddr],
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), Failure> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last = None;
    for &addr in addresses {
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                // The handshake is a few small writes: do not wait for ACKs.
                let _ = stream.set_nodelay(true);
                return Ok((stream, addr));
            }
            Ok(Err(e)) if limits::is_out_of_fds(&e) => {
                // No other address will do better: the limit is ours.
                return Err(Failure::Connect {
                    kind: ConnectErrorKind::OutOfFileDescriptors,
                    message: format!("{addr}: {}", limits::out_of_fds_message(&e)),
                });
            }
            Ok(Err(e)) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => ConnectErrorKind::Refused,
                    std::io::ErrorKind::TimedOut => ConnectErrorKind::TimedOut,
                    std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable => ConnectErrorKind::Unreachable,
                    _ => ConnectErrorKind::Other,
                };
                last = Some(Failure::Connect {
                    kind,
                    message: format!("{addr}: {e}"),
                });
            }
            Err(_) => {
                return Err(Failure::Connect {
                    kind: ConnectErrorKind::TimedOut,
                    message: format!("{addr}: no answer within {timeout:?}"),
                })
            }
        }
    }
    Err(last.unwrap_or(Failure::Connect {
        kind: ConnectErrorKind::Other,
        message: "no address to connect to".into(),
    }))
}

fn client_config(
    verifier: Arc<CapturingVerifier>,
    client_auth: Arc<ClientAuthRecorder>,
    alpn: &[&[u8]],
    hello: Hello,
) -> Result<ClientConfig, rustls::Error> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    if hello == Hello::Classic {
        provider.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519];
    }
    let provider = Arc::new(provider);
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(client_auth);
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// The handshake of the probe proper: chain captured, parameters recorded.
async fn handshake(
    target: &Target,
    stream: TcpStream,
    timeout: Duration,
    hello: Hello,
    obs: &mut Observation,
) -> Option<Tls> {
    let algorithms =
        rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
    let verifier = CapturingVerifier::new(algorithms);
    let client_auth = ClientAuthRecorder::new();
    let config = match client_config(verifier.clone(), client_auth.clone(), ALPN_BROWSER, hello) {
        Ok(c) => c,
        Err(e) => {
            obs.failure = Some(handshake_failure(HandshakeErrorKind::Other, e.to_string()));
            return None;
        }
    };
    let server_name = match ServerName::try_from(target.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            obs.failure = Some(handshake_failure(
                HandshakeErrorKind::Other,
                format!("invalid server name: {e}"),
            ));
            return None;
        }
    };
    let sni = matches!(server_name, ServerName::DnsName(_));
    let (recording, record) = RecordingStream::new(stream);
    let connector = TlsConnector::from(Arc::new(config));
    let result = tokio::time::timeout(timeout, connector.connect(server_name, recording)).await;
    obs.chain = verifier.take_chain();
    (obs.first_bytes, obs.bytes_received) = record.snapshot();
    obs.client_auth = client_auth.take();

    match result {
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            obs.tls = Some(tls_params(conn, sni));
            settle_client_auth(tls, timeout, obs).await
        }
        Ok(Err(e)) => {
            let (kind, message) = classify_handshake_error(&e);
            obs.failure = Some(handshake_failure(kind, message));
            None
        }
        Err(_) => {
            let message = format!(
                "no complete TLS handshake within {timeout:?} ({} bytes received)",
                obs.bytes_received
            );
            obs.failure = Some(handshake_failure(HandshakeErrorKind::TimedOut, message));
            None
        }
    }
}

/// After a completed handshake in which the server asked for a client
/// certificate under TLS 1.3: learn whether it refuses to go on without one
/// (its alert comes only after the client's handshake ends). The connection
/// is spent either way; the HTTP probe opens a new one. A refusal is the
/// handshake's failure, as it is under TLS 1.2.
async fn settle_client_auth(mut tls: Tls, timeout: Duration, obs: &mut Observation) -> Option<Tls> {
    let tls13 = tls.get_ref().1.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
    let Some(request) = obs.client_auth.as_mut().filter(|_| tls13) else {
        return Some(tls);
    };
    match client_auth::settle(&mut tls, timeout).await {
        Some(alert) => {
            request.refused_after_handshake = Some(alert.clone());
            obs.failure = Some(handshake_failure(
                HandshakeErrorKind::Alert(alert.clone()),
                format!("the server sent the alert {alert} after the handshake"),
            ));
            None
        }
        None => None,
    }
}

fn handshake_failure(kind: HandshakeErrorKind, message: String) -> Failure {
    Failure::Handshake { kind, message }
}

/// The negotiated parameters of an established client connection.
fn tls_params(conn: &rustls::ClientConnection, sni: bool) -> TlsParams {
    TlsParams {
        version: conn
            .protocol_version()
            .map(version_name)
            .unwrap_or_default(),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        key_exchange: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        sni,
    }
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        other => format!("{other:?}"),
    }
}

/// tokio-rustls wraps rustls errors in `io::Error(InvalidData, ..)`.
fn classify_handshake_error(e: &std::io::Error) -> (HandshakeErrorKind, String) {
    use rustls::{AlertDescription, Error as TlsError, PeerIncompatible};
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
    {
        let kind = match tls {
            TlsError::AlertReceived(AlertDescription::ProtocolVersion)
            | TlsError::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13) => {
                HandshakeErrorKind::ProtocolVersion
            }
            TlsError::AlertReceived(alert) => HandshakeErrorKind::Alert(alert_name(*alert)),
            TlsError::InvalidMessage(_) => HandshakeErrorKind::InvalidMessage,
            TlsError::InvalidCertificate(rustls::CertificateError::BadSignature) => {
                HandshakeErrorKind::BadSignature
            }
            TlsError::InvalidCertificate(cert) => {
                // rustls prints these as Rust debug text
                // (`Other(OtherError(UnsupportedCriticalExtension))`): keep a name.
                let name = certificate_error_name(cert);
                let message = format!(
                    "the server's certificate was refused: {}",
                    name.replace('_', " ")
                );
                return (HandshakeErrorKind::CertificateRejected(name), message);
            }
            _ => HandshakeErrorKind::Other,
        };
        return (kind, tls.to_string());
    }
    let kind = match e.kind() {
        std::io::ErrorKind::UnexpectedEof => HandshakeErrorKind::ClosedByPeer,
        std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => HandshakeErrorKind::Reset,
        _ => HandshakeErrorKind::Other,
    };
    (kind, e.to_string())
}

/// A certificate error's variant as a snake_case name, looking inside
/// rustls' `Other` for webpki's error: `unsupported_critical_extension`.
fn certificate_error_name(e: &rustls::CertificateError) -> String {
    let debug = match e {
        rustls::CertificateError::Other(other) => other
            .0
            .downcast_ref::<webpki::Error>()
            .map_or_else(|| "other".to_string(), |w| format!("{w:?}")),
        other => format!("{other:?}"),
    };
    let variant = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default();
    snake_case(variant)
}

/// `HandshakeFailure` → `handshake_failure`, as the TLS RFCs write them.
fn alert_name(alert: rustls::AlertDescription) -> String {
    snake_case(&format!("{alert:?}"))
}

/// `CamelCase` → `camel_case`.
fn snake_case(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len() + 4);
    for (i, ch) in debug.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_choice_validation_hides_credentials() {
        assert!(ProxyChoice::FromEnvironment.validate().is_ok());
        assert!(ProxyChoice::Direct.validate().is_ok());
        assert!(ProxyChoice::Url("http://u:p@proxy:3128".into())
            .validate()
            .is_ok());
        for bad in [
            "http://u:hunter2@:1",
            "socks5://u:hunter2@p:1",
            "http://u:hunter2@p:x",
        ] {
            let err = ProxyChoice::Url(bad.into()).validate().unwrap_err();
            assert!(
                err.starts_with("--proxy") && !err.contains("hunter2"),
                "{err}"
            );
        }
    }

    #[test]
    fn alert_names_read_like_the_rfc() {
        assert_eq!(
            alert_name(rustls::AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::UnrecognisedName),
            "unrecognised_name"
        );
    }
}
