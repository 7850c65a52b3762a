//! Connection-path knowledge: which clients speak HTTP/2 when the server
//! offers it and which send the large post-quantum ClientHello, with the
//! switch each has (or that it has none). Data only; Diagnose turns a row
//! into a [`Remedy`](crate::findings::Remedy) for `http2_failure` and
//! `large_hello_dropped`. Must not do I/O or decide anything.
//!
//! Sources: curl's `--http1.1` and `--curves`; httpx's `http2` flag (off by
//! default); Go's `GODEBUG=http2client=0` and `tlsmlkem=0` (Go 1.24+);
//! undici's `allowH2`; the AWS SDK for Java 2.x `Protocol.HTTP1_1`; Chrome's
//! `PostQuantumKeyAgreementEnabled` policy; Firefox's `security.tls.enable_kyber`
//! and `network.http.http2.enabled` preferences; OpenSSL's `Groups` setting.

/// A client, and how it is switched away from what fails.
pub struct ClientSwitch {
    pub client: &'static str,
    /// What to do; `{url}` is the target's URL.
    pub action: &'static str,
    /// The setting or command; `{url}` is the target's URL.
    pub command: Option<&'static str>,
}

/// Clients that speak HTTP/2 when the server offers it, and how each is
/// made to speak HTTP/1.1 (or that it cannot).
pub const H2_CLIENTS: &[ClientSwitch] = &[
    ClientSwitch {
        client: "gRPC (every language)",
        action: "gRPC needs HTTP/2 and cannot fall back: ask the network or proxy team to exempt this host from inspection, or to fix the device's HTTP/2 handling",
        command: None,
    },
    ClientSwitch {
        client: "curl",
        action: "force HTTP/1.1",
        command: Some("curl --http1.1 {url}"),
    },
    ClientSwitch {
        client: "Python (httpx)",
        action: "leave HTTP/2 off (httpx's default): remove http2=True",
        command: Some("httpx.Client(http2=False)"),
    },
    ClientSwitch {
        client: "Go (net/http)",
        action: "turn off HTTP/2 in the client",
        command: Some("GODEBUG=http2client=0"),
    },
    ClientSwitch {
        client: "Node.js (undici, fetch)",
        action: "do not allow HTTP/2 on the dispatcher",
        command: Some("new undici.Agent({ allowH2: false })"),
    },
    ClientSwitch {
        client: "AWS SDKs",
        action: "use an HTTP/1.1 client: for Java 2.x set the Netty client's protocol to HTTP/1.1; for JavaScript v3 keep the default NodeHttpHandler (not NodeHttp2Handler); the AWS CLI and boto3 speak HTTP/1.1 already. APIs that need HTTP/2 (bidirectional streaming) need the path fixed",
        command: Some("NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)"),
    },
    ClientSwitch {
        client: "Browsers",
        action: "for a test only: Chrome with --disable-http2, Firefox with network.http.http2.enabled=false in about:config",
        command: None,
    },
];

/// Clients that send the large post-quantum ClientHello, and their switch.
pub const MLKEM_CLIENTS: &[ClientSwitch] = &[
    ClientSwitch {
        client: "Go 1.24+",
        action: "send a classic key share",
        command: Some("GODEBUG=tlsmlkem=0"),
    },
    ClientSwitch {
        client: "Chrome, Edge",
        action: "the enterprise policy PostQuantumKeyAgreementEnabled set to false",
        command: None,
    },
    ClientSwitch {
        client: "Firefox",
        action: "security.tls.enable_kyber=false in about:config (or the enterprise policy)",
        command: None,
    },
    ClientSwitch {
        client: "OpenSSL 3.5+ (and curl, Python, Node built on it)",
        action: "offer classic groups only: Groups in openssl.cnf's system_default section, or per command",
        command: Some("curl --curves X25519:P-256 {url}"),
    },
    ClientSwitch {
        client: "uv and other rustls clients",
        action: "no switch: the path must be fixed",
        command: None,
    },
];
