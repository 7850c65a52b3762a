//! The raw facts one probe gathered: plain data, no judgement.
//!
//! Probe fills an [`Observation`]; Verify and Diagnose read it. Nothing in
//! here decides anything, so a hand-built Observation is a complete test
//! input for Diagnose. It also holds what a client did when `--run-clients`
//! ran it ([`Observed`]): Machine records it, Diagnose reads it.

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;

/// Everything one probe of one target saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// How the address was found, and every candidate.
    pub resolution: Resolution,
    /// The address a TCP connection was made to.
    pub connected: Option<SocketAddr>,
    /// Where the probe stopped, when it did not complete the handshake.
    pub failure: Option<Failure>,
    /// Negotiated parameters, when the handshake completed.
    pub tls: Option<TlsParams>,
    /// The certificates the server presented, in the order sent (may be
    /// captured even when the handshake later failed).
    pub chain: Vec<CertificateDer<'static>>,
    /// The first bytes the server sent (at most [`FIRST_BYTES_KEPT`]).
    pub first_bytes: Vec<u8>,
    /// All bytes received during the handshake.
    pub bytes_received: usize,
    /// How long each stage took.
    pub timings: Timings,
    /// The HTTP probe, when it ran (after a completed handshake, unless `--no-http`).
    pub http: Option<HttpObservation>,
    /// The proxy the connection was tunnelled through, credentials removed.
    pub proxy: Option<String>,
    /// For a chain read from a file: the file's positions of the chain as
    /// put in order (leaf first), when the file's order was different.
    pub file_order: Option<Vec<usize>>,
    /// The large (post-quantum) ClientHello failed and a classic one got
    /// through: what the large one ran into. The rest of the observation
    /// (chain, parameters, HTTP) comes from the classic handshake.
    pub large_hello: Option<Failure>,
    /// For a chain read from a file without `--host`: no name was asked, so
    /// the leaf's names are not checked.
    pub name_unchecked: bool,
    /// After the server refused every suite rustls offers: what it did
    /// with the legacy offer.
    pub legacy_offer: Option<LegacyAnswer>,
    /// The server asked for a client certificate (the probe sends none).
    pub client_auth: Option<ClientAuthRequest>,
}

/// A server's CertificateRequest, as the probe saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAuthRequest {
    /// The CA names the server said it accepts (untrusted text; often empty).
    pub acceptable_issuers: Vec<String>,
    /// TLS 1.3: the alert the server sent just after the handshake, when it
    /// refused to go on without a certificate.
    pub refused_after_handshake: Option<String>,
}

/// What the HTTP probe saw: one entry per request, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpObservation {
    pub hops: Vec<HttpHop>,
    /// Why the probe stopped.
    pub stop: HttpStop,
    /// The protocol that answered the first request.
    pub protocol: HttpProtocol,
    /// The HTTP/2 exchange, when the handshake negotiated `h2`. When it
    /// failed, the first request was made again with HTTP/1.1 on a second
    /// connection (`hops` holds that one).
    pub h2: Option<H2Observation>,
    /// When the redirects ended on another host or port: what the
    /// connection there saw, to be judged like a target.
    pub destination: Option<Box<Destination>>,
}

/// A redirect's destination on another host or port, as probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The URL requested there (may hold query secrets: redact before printing).
    pub url: String,
    pub observation: Observation,
}

/// Which HTTP version answered the first request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HttpProtocol {
    #[default]
    Http1,
    H2,
}

impl HttpProtocol {
    /// The ALPN-style name: `http/1.1` or `h2`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpProtocol::Http1 => "http/1.1",
            HttpProtocol::H2 => "h2",
        }
    }
}

/// How the HTTP/2 exchange (preface, SETTINGS, one GET) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H2Observation {
    pub outcome: H2Outcome,
    /// What happened, with the error code when there was one; for a stall,
    /// what never came.
    pub detail: String,
    /// The response status, when response headers came.
    pub status: Option<u16>,
}

/// The end of an HTTP/2 exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2Outcome {
    /// Response headers arrived.
    Ok,
    /// The server's SETTINGS or the response headers did not come in time.
    Stall,
    /// The server ended the connection with GOAWAY.
    GoAway,
    /// The server reset the request's stream (RST_STREAM).
    Reset,
    /// The server broke the protocol, or closed the connection without GOAWAY.
    ProtocolError,
}

impl H2Outcome {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            H2Outcome::Ok => "ok",
            H2Outcome::Stall => "stall",
            H2Outcome::GoAway => "goaway",
            H2Outcome::Reset => "reset",
            H2Outcome::ProtocolError => "protocol_error",
        }
    }
}

/// One request and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHop {
    /// The URL requested (may hold query secrets: redact before printing).
    pub url: String,
    /// The response status, when a response head was read.
    pub status: Option<u16>,
    /// The `Location` header resolved against `url`, for redirects.
    pub location: Option<String>,
    /// `Location` exactly as sent, when it was relative or otherwise rewritten.
    pub raw_location: Option<String>,
}

/// Why the HTTP probe stopped following.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HttpStop {
    /// A response that is not a redirect.
    #[default]
    Final,
    /// A redirect to an `http://` URL.
    NotHttps,
    /// A redirect to the same host on the scheme's default port from
    /// another one (the port was lost).
    PortChanged,
    /// A redirect to a URL that is not HTTP at all (`javascript:`, `file:`,
    /// `data:`…): the scheme, lowercase.
    OtherScheme(String),
    /// A redirect the probe does not follow (DESIGN.md, Untrusted input):
    /// a local name, or a name whose addresses are not all public. Why.
    NotFollowed(String),
    /// A redirect to a URL already visited.
    Loop,
    /// More redirects than the probe follows (`limit`).
    TooManyRedirects { limit: usize },
    /// A redirect without a usable Location.
    BadLocation(String),
    /// The request failed (connection, TLS, timeout, oversized or malformed head).
    Failed(String),
}

/// What a server did with the legacy offer (ECDHE-CBC, DHE and static-RSA
/// suites, which rustls does not implement), asked after it refused
/// rustls' own suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyAnswer {
    /// It chose this cipher suite (IANA number).
    Chose(u16),
    /// It refused this offer too (an alert, or it closed).
    Refused,
}

/// What kind of suite a server settled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteFamily {
    /// ECDHE key exchange with CBC encryption.
    EcdheCbc,
    /// Finite-field Diffie-Hellman key exchange.
    Dhe,
    /// RSA key exchange (no forward secrecy).
    StaticRsa,
}

impl SuiteFamily {
    /// The family of a suite the legacy offer holds.
    pub fn of(suite: u16) -> SuiteFamily {
        match suite {
            0xc009..=0xc028 => SuiteFamily::EcdheCbc,
            0x0033 | 0x0039 | 0x0067 | 0x006b | 0x009e | 0x009f => SuiteFamily::Dhe,
            _ => SuiteFamily::StaticRsa,
        }
    }
}

/// How many of the server's first bytes are kept for diagnosis.
pub const FIRST_BYTES_KEPT: usize = 64;

/// Where the connection address came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    pub source: AddressSource,
    pub addresses: Vec<SocketAddr>,
}

/// Where the connection address came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AddressSource {
    #[default]
    Dns,
    /// The target was an IP literal.
    Literal,
    /// `--resolve HOST:PORT:ADDR`.
    Override,
}

/// The stage at which the probe stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The name did not resolve.
    Resolve { message: String },
    /// No TCP connection could be made.
    Connect {
        kind: ConnectErrorKind,
        message: String,
    },
    /// TCP connected but TLS did not complete.
    Handshake {
        kind: HandshakeErrorKind,
        message: String,
    },
    /// The proxy could not be used, or would not open a tunnel. The message
    /// names the proxy with its credentials removed.
    Proxy {
        kind: ProxyErrorKind,
        message: String,
    },
}

/// Why the proxy did not give a tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyErrorKind {
    /// The proxy's name did not resolve or its port did not accept a connection.
    Unreachable,
    /// `407 Proxy Authentication Required`.
    AuthenticationRequired {
        /// Whether credentials from the proxy URL were sent.
        credentials_sent: bool,
    },
    /// Any other answer than 2xx to CONNECT (the status line is in the message).
    Refused { status: u16 },
    /// The proxy answered with something that is not HTTP, or closed.
    NotHttp,
    /// The proxy accepted the connection but did not answer CONNECT in time.
    TimedOut,
    /// The proxy URL cannot be used (invalid, or a scheme tlsdoctor does not speak).
    Unsupported,
}

/// Why TCP did not connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    Refused,
    TimedOut,
    Unreachable,
    /// This process or the system ran out of file descriptors (EMFILE,
    /// ENFILE): a local problem, not the server's.
    OutOfFileDescriptors,
    Other,
}

/// Why the TLS handshake did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeErrorKind {
    /// No complete handshake within the deadline.
    TimedOut,
    /// The server closed the connection.
    ClosedByPeer,
    /// The server reset the connection.
    Reset,
    /// The server sent a TLS alert (its name, e.g. `handshake_failure`).
    Alert(String),
    /// No TLS version in common: the server offers only TLS 1.0/1.1 (or 1.3+ we lack).
    ProtocolVersion,
    /// The server's bytes are not valid TLS.
    InvalidMessage,
    /// The server's handshake signature did not verify with the certificate's key.
    BadSignature,
    /// The client could not use the server's certificate for the handshake
    /// (an unknown critical extension, an unsupported key): a stable name
    /// such as `unsupported_critical_extension`.
    CertificateRejected(String),
    /// Anything else.
    Other,
}

/// What the handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    pub cipher_suite: String,
    pub key_exchange: Option<String>,
    pub alpn: Option<String>,
    /// Whether SNI was sent (not for IP-literal targets).
    pub sni: bool,
}

/// Wall-clock time per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    pub resolve: Duration,
    pub connect: Duration,
    pub handshake: Duration,
    /// The HTTP probe, all requests together (zero when it did not run).
    pub http: Duration,
}

/// True when `bytes` cannot be the start of a TLS record (content types
/// 0x14–0x18: change_cipher_spec, alert, handshake, application_data, heartbeat).
pub fn starts_like_non_tls(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|b| !(0x14..=0x18).contains(b))
}

/// The printable prefix of what the server sent, e.g. `HTTP/1.0 400 Bad Request`.
pub fn printable_prefix(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .take_while(|&&b| b != b'\r' && b != b'\n')
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    text.trim_end().to_string()
}

/// What a client did (JSON `observed.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedOutcome {
    /// A completed HTTP response, of any status.
    Trusts,
    /// A TLS verification failure.
    Fails,
    /// No answer within the timeout.
    Timeout,
    /// Stopped for a reason that is not about trust (DNS, connect, 407, …).
    Error,
}

impl ObservedOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ObservedOutcome::Trusts => "trusts",
            ObservedOutcome::Fails => "fails",
            ObservedOutcome::Timeout => "timeout",
            ObservedOutcome::Error => "error",
        }
    }
}

/// JSON `observed`: the outcome, the first line of the client's error, and
/// how long it ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Observed {
    pub outcome: ObservedOutcome,
    pub error: Option<String>,
    pub ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_tls_records_from_other_bytes() {
        assert!(!starts_like_non_tls(&[0x16, 0x03, 0x03]));
        assert!(!starts_like_non_tls(&[0x15, 0x03, 0x01]));
        assert!(starts_like_non_tls(b"HTTP/1.0 400"));
        assert!(starts_like_non_tls(b"SSH-2.0-OpenSSH"));
        assert!(!starts_like_non_tls(b""));
    }

    #[test]
    fn quotes_printable_first_line_only() {
        assert_eq!(
            printable_prefix(b"HTTP/1.0 400 Bad Request\r\nServer: x"),
            "HTTP/1.0 400 Bad Request"
        );
        assert_eq!(
            printable_prefix(b"SSH-2.0-OpenSSH_9.6\r\n"),
            "SSH-2.0-OpenSSH_9.6"
        );
        assert_eq!(printable_prefix(&[0x41, 0x00, 0xff, 0x42]), "A..B");
    }
}
