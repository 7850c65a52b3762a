//! Connection and handshake failures in words: what the probe stopped on,
//! why that usually happens, and what to check.
//!
//! Pure: reads the observation and the chain facts, never the network.

use super::{join_sentences, Evidence};
use crate::findings::{Finding, Remedy, Verdict};
use crate::observation::{
    printable_prefix, starts_like_non_tls, ConnectErrorKind, Failure, HandshakeErrorKind,
    LegacyAnswer, SuiteFamily,
};

pub(super) fn failure_finding(e: &Evidence<'_>, failure: &Failure) -> Finding {
    let target = e.target.authority();
    match failure {
        Failure::Resolve { message } => Finding::error(
            Verdict::Unreachable,
            format!("cannot resolve {}", e.target.host),
            format!("{message}. Check the spelling, your DNS server, and whether the name only resolves on a VPN."),
        ),
        Failure::Connect { kind, message } => {
            let (summary, why) = match kind {
                ConnectErrorKind::Refused => (
                    format!("connection to {target} refused"),
                    "Nothing listens on that port at that address (or a firewall rejects it). Check the port, and that the service is running.",
                ),
                ConnectErrorKind::TimedOut => (
                    format!("no answer from {target}"),
                    "The connection attempt timed out: a firewall may drop the packets, the address may be wrong, or this network may require a proxy (set HTTPS_PROXY).",
                ),
                ConnectErrorKind::Unreachable => (
                    format!("{target} is unreachable"),
                    "There is no route to that address from this machine (VPN down, or no network).",
                ),
                ConnectErrorKind::OutOfFileDescriptors => (
                    format!("cannot connect to {target}: this machine ran out of file descriptors"),
                    "This is a local error, not a problem of the server: raise the limit of open files (`ulimit -n 4096` in this shell) or check fewer targets at once, then run again.",
                ),
                ConnectErrorKind::Other => (format!("cannot connect to {target}"), "The TCP connection failed."),
            };
            Finding::error(Verdict::Unreachable, summary, format!("{message}. {why}"))
        }
        Failure::Handshake { kind, message } => handshake_finding(e, kind, message),
        Failure::Proxy { kind, message } => {
            use crate::observation::ProxyErrorKind as K;
            let (summary, why) = match kind {
                K::Unreachable => (
                    format!("the proxy for {target} is unreachable"),
                    "The proxy from --proxy or HTTPS_PROXY/ALL_PROXY does not accept connections. Check its host and port (curl assumes port 1080 when none is given), whether it needs a VPN, or connect directly with --no-proxy (or add the host to NO_PROXY).".to_string(),
                ),
                K::AuthenticationRequired { credentials_sent: true } => (
                    format!("the proxy rejected the credentials for {target} (407)"),
                    "The proxy wants authentication and refused the user name and password in the proxy URL. Check them (special characters must be percent-encoded, e.g. @ as %40); a proxy that asks only for Negotiate or NTLM needs a local helper such as cntlm or px.".to_string(),
                ),
                K::AuthenticationRequired { credentials_sent: false } => (
                    format!("the proxy requires authentication for {target} (407)"),
                    "No credentials were sent: put them in the proxy URL (http://user:password@proxy:port, percent-encoded), or, for Negotiate/NTLM proxies, run a local helper such as cntlm or px and point HTTPS_PROXY at it.".to_string(),
                ),
                K::Refused { status } => (
                    format!("the proxy refused to connect to {target} ({status})"),
                    "The proxy answered CONNECT with an error: its policy may block this host or port (many allow CONNECT to 443 only), or the host is unknown to it. Ask whoever runs the proxy, or add the host to NO_PROXY if it is reachable directly.".to_string(),
                ),
                K::NotHttp => (
                    format!("the proxy for {target} does not speak HTTP"),
                    "tlsdoctor tunnels with HTTP CONNECT. Check that the proxy URL names an HTTP proxy port (not a SOCKS, TLS or other service).".to_string(),
                ),
                K::TimedOut => (
                    format!("the proxy did not answer CONNECT for {target}"),
                    "The proxy accepted the connection and then stayed silent: it may be overloaded, or the port may belong to something that is not an HTTP proxy.".to_string(),
                ),
                K::Unsupported => (
                    format!("cannot use the proxy for {target}"),
                    "Use an http:// proxy URL (http://[user:password@]host:port), or --no-proxy to connect directly.".to_string(),
                ),
            };
            Finding::error(Verdict::Unreachable, summary, format!("{message}. {why}"))
        }
    }
}

fn handshake_finding(e: &Evidence<'_>, kind: &HandshakeErrorKind, message: &str) -> Finding {
    let obs = e.observation;
    let target = e.target.authority();
    if starts_like_non_tls(&obs.first_bytes) {
        let quoted = printable_prefix(&obs.first_bytes);
        let what = if quoted.starts_with("HTTP/") {
            "a plain-HTTP server: use http:// for this port, or the port where TLS is served (often 443 or 8443)"
        } else if quoted.starts_with("SSH-") {
            "an SSH server, not an HTTPS one: check the port"
        } else if quoted.starts_with("220")
            || quoted.starts_with("* OK")
            || quoted.starts_with("+OK")
        {
            "a mail or FTP server greeting: that protocol needs STARTTLS, not TLS from the first byte"
        } else {
            "something that does not speak TLS on this port"
        };
        return Finding::error(
            Verdict::NotTls,
            format!("{target} does not speak TLS: it answered \"{quoted}\""),
            format!("The first bytes the server sent are not a TLS record. It looks like {what}."),
        );
    }
    if let Some(f) = certificate_cause(e) {
        return f;
    }
    if let Some(f) = client_certificate_refusal(e, kind) {
        return f;
    }
    let (summary, why) = match kind {
        HandshakeErrorKind::TimedOut if obs.bytes_received == 0 => (
            format!("{target} accepted the connection but never answered the TLS ClientHello"),
            "The server (or a middlebox) stayed silent. It may expect another protocol that waits for the client, be overloaded, or a firewall may be swallowing TLS.".to_string(),
        ),
        HandshakeErrorKind::TimedOut => (
            format!("the TLS handshake with {target} stalled after {} bytes", obs.bytes_received),
            "The server started the handshake and then stopped sending. Suspect a middlebox or an overloaded server.".to_string(),
        ),
        HandshakeErrorKind::ClosedByPeer => (
            format!("{target} closed the connection during the TLS handshake"),
            "Common causes: the server does not know the name sent in SNI, it requires a client certificate, it only speaks TLS 1.0/1.1, or a firewall cuts TLS to this host.".to_string(),
        ),
        HandshakeErrorKind::Reset => (
            format!("{target} reset the connection during the TLS handshake"),
            "A firewall or proxy that blocks this destination often does this; so do servers that refuse the offered TLS versions.".to_string(),
        ),
        HandshakeErrorKind::ProtocolVersion => (
            format!("{target} speaks only TLS 1.0/1.1 (no TLS 1.2 or 1.3)"),
            "Modern clients (rustls, OpenSSL 3 at its default level, browsers, Python, Node) refuse TLS below 1.2. The server must enable TLS 1.2 or 1.3.".to_string(),
        ),
        HandshakeErrorKind::Alert(alert) => (
            format!("{target} refused the TLS handshake (alert: {alert})"),
            alert_hint(alert, &target, !e.chain.is_empty(), obs.legacy_offer),
        ),
        // rustls refuses a handshake message over 64 KiB; a server sends one
        // when its chain file is a whole CA bundle.
        HandshakeErrorKind::InvalidMessage if message.contains("HandshakePayloadTooLarge") => (
            format!("{target} sent a TLS handshake message larger than clients accept"),
            format!(
                "A handshake message claimed more than 64 KiB ({} bytes received in all), the most rustls and many other clients accept. A server does this when its certificate file holds far too many certificates (a whole CA bundle instead of the leaf and its intermediates); it can also be bytes that only look like TLS.",
                obs.bytes_received
            ),
        ),
        HandshakeErrorKind::InvalidMessage => (
            format!("{target} sent malformed TLS"),
            "The bytes looked like TLS records but did not parse. A broken middlebox or a non-TLS service is likely.".to_string(),
        ),
        HandshakeErrorKind::BadSignature => (
            format!("{target}'s handshake signature does not match its certificate"),
            "The server signed the handshake with a key that does not belong to the first certificate it sent. Its key and certificate files do not match.".to_string(),
        ),
        HandshakeErrorKind::CertificateRejected(_) | HandshakeErrorKind::Other => {
            (format!("the TLS handshake with {target} failed"), String::new())
        }
    };
    Finding::error(
        Verdict::HandshakeFailed,
        summary,
        // rustls names alerts in Rust's spelling (`HandshakeFailure`): the
        // summary already names the alert as the RFCs do.
        match kind {
            HandshakeErrorKind::Alert(_) => why,
            _ => join_sentences(&[&why, &format!("({message})")]),
        },
    )
}

/// The handshake failed because of the server's own certificate, said in
/// words: a key too small for clients (which rustls reports as a signature
/// that does not verify), or a critical extension no client knows.
fn certificate_cause(e: &Evidence<'_>) -> Option<Finding> {
    let leaf = e.chain.first()?;
    let target = e.target.authority();
    // rustls refuses the key whatever else happens (it reports a signature
    // that does not verify; a server may fail first, signing with it).
    if let Some(bits) = leaf.rsa_bits().filter(|&b| b < 2048) {
        return Some(Finding::error(
            Verdict::InvalidCertificate,
            format!("{target}'s certificate '{}' has a {bits}-bit RSA key, too small for current clients", leaf.name()),
            "rustls, browsers and Go refuse RSA keys under 2048 bits, and so does OpenSSL at security level 2 (Debian's default, Python 3.10+); the key and the certificate do match. Reissue the certificate with a new key of at least 2048 bits (RSA 2048 or 3072, or ECDSA P-256).".to_string(),
        ));
    }
    let oid = leaf.ext.unknown_critical.first()?;
    Some(Finding::error(
        Verdict::InvalidCertificate,
        format!("{target}'s certificate '{}' carries a critical extension clients do not recognise ({oid})", leaf.name()),
        format!("An extension marked critical must be understood by the client, or the certificate rejected (RFC 5280 §4.2). rustls, browsers, OpenSSL and Python all refuse it. Reissue the certificate without extension {oid}, or with it marked non-critical."),
    ))
}

/// The server asked for a client certificate, none was sent, and it ended
/// the connection (an alert, or a close): mutual TLS, said as such.
fn client_certificate_refusal(e: &Evidence<'_>, kind: &HandshakeErrorKind) -> Option<Finding> {
    let request = e.observation.client_auth.as_ref()?;
    let how = match kind {
        HandshakeErrorKind::Alert(alert) => format!("ended the handshake with the alert {alert}"),
        HandshakeErrorKind::ClosedByPeer | HandshakeErrorKind::Reset => {
            "closed the connection".to_string()
        }
        _ => return None,
    };
    let target = e.target.authority();
    let issuers = match request.acceptable_issuers.as_slice() {
        [] => "It named no CA it accepts client certificates from.".to_string(),
        names => format!(
            "It accepts client certificates issued by: {}.",
            names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let url = crate::untrusted::redact_url(&format!("https://{target}{}", e.target.path()));
    Some(
        Finding::error(
            Verdict::HandshakeFailed,
            format!("{target} requires a client certificate (mutual TLS) and refused the connection without one"),
            format!(
                "The server asked for a client certificate during the handshake and, when none was sent, {how}. {issuers} \
                 Its own certificate and your trust stores are not the problem: every client needs a certificate and key \
                 the server accepts, from whoever runs the server."
            ),
        )
        .with_remedies(client_certificate_remedies(&target, &url)),
    )
}

/// How to present a client certificate, per tool (client.crt/client.key
/// stand for the files the server's operator hands out).
fn client_certificate_remedies(target: &str, url: &str) -> Vec<Remedy> {
    let remedy = |ecosystem: &str, action: &str, commands: Vec<String>| Remedy {
        ecosystem: ecosystem.into(),
        action: action.into(),
        commands,
        avoid: false,
    };
    vec![
        remedy(
            "openssl / curl",
            "Check the certificate and key the server accepts before configuring anything else.",
            vec![
                format!("openssl s_client -connect {target} -cert client.crt -key client.key </dev/null"),
                format!("curl --cert client.crt --key client.key {url}"),
            ],
        ),
        remedy(
            "Python (requests, httpx)",
            "Pass the certificate and key with each client.",
            vec![
                format!("requests.get(\"{url}\", cert=(\"client.crt\", \"client.key\"))"),
                "httpx.Client(cert=(\"client.crt\", \"client.key\"))".into(),
            ],
        ),
        remedy(
            "git",
            "Give git the certificate and key for this server only.",
            vec![
                format!("git config --global http.{url}.sslCert \"$HOME/certs/client.crt\""),
                format!("git config --global http.{url}.sslKey \"$HOME/certs/client.key\""),
            ],
        ),
    ]
}

/// No cipher suite or key exchange in common, named by what the server
/// chose when offered the suites rustls lacks.
fn no_common_suite(target: &str, legacy: Option<LegacyAnswer>) -> String {
    let see = format!("See what it offers with `openssl s_client -connect {target} -tls1_2 -cipher 'ALL:@SECLEVEL=0'`.");
    let fix = "Enable ECDHE key exchange with an AEAD suite on the server (nginx: ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20; with TLS 1.2 and 1.3).";
    let cause = match legacy {
        Some(LegacyAnswer::Chose(suite)) => match SuiteFamily::of(suite) {
            SuiteFamily::EcdheCbc => format!("The server offers only CBC cipher suites: asked again with the suites rustls lacks, it chose 0x{suite:04x} (ECDHE with CBC). rustls, Go and current browsers refuse CBC; OpenSSL-based clients (curl, Python, Node) still offer it, so they connect."),
            SuiteFamily::Dhe => format!("The server offers only DHE (finite-field Diffie-Hellman) key exchange: asked again with the suites rustls lacks, it chose 0x{suite:04x}. rustls, Go and browsers dropped DHE; OpenSSL-based clients (curl, Python) still offer it, so they connect."),
            SuiteFamily::StaticRsa => format!("The server offers only static RSA key exchange (no forward secrecy): asked again with the suites rustls lacks, it chose 0x{suite:04x}. rustls, Go, browsers and Python 3.10+ refuse it; curl with OpenSSL's default suites may still connect."),
        },
        Some(LegacyAnswer::Refused) => "No cipher suite or key exchange in common, and the server also refused the CBC, DHE and static-RSA suites rustls lacks: it may want a TLS version, curve or signature algorithm no current client offers.".to_string(),
        None => "No cipher suite or key exchange in common: the server accepts none of what current clients offer (TLS 1.2/1.3 with AES-GCM or ChaCha20 and ECDHE). Servers limited to CBC suites, to DHE key exchange or to static RSA key exchange do this; OpenSSL-based clients (curl, Python) still connect to CBC-only and DHE-only servers, while rustls, Go and browsers do not.".to_string(),
    };
    format!("{cause} {see} {fix}")
}

fn alert_hint(alert: &str, target: &str, chain_sent: bool, legacy: Option<LegacyAnswer>) -> String {
    match alert {
        // A server that wanted a client certificate asks for one first; that
        // case is worded by `client_certificate_refusal`.
        "handshake_failure" | "insufficient_security" if chain_sent => format!("The server sent its certificate and then refused, without asking for a client certificate: it refused the key exchange or a signature the handshake used. See what it negotiates with `openssl s_client -connect {target}`."),
        "handshake_failure" | "insufficient_security" => no_common_suite(target, legacy),
        "unrecognised_name" | "unrecognized_name" => "The server does not host the name sent in SNI. Check the host name, or --resolve to the right server.".into(),
        "certificate_required" => "The server requires a client certificate (mutual TLS).".into(),
        "access_denied" => "The server (or a gateway) denied access, often by client address or certificate.".into(),
        "internal_error" => "The server failed internally; check its logs.".into(),
        "no_application_protocol" => "The server accepts none of the offered ALPN protocols (h2, http/1.1).".into(),
        _ => "The server sent this alert during the handshake.".into(),
    }
}
