//! Diagnose: the expertise. A pure function from evidence to a verdict and
//! findings.
//!
//! [`diagnose`] reads what Probe observed, the certificate facts, and what
//! each trust store said (all in [`Evidence`]), and applies the rules of
//! DESIGN.md. It does no I/O and reads no clock — the time is an input — so
//! every rule is tested here with hand-built evidence.
//!
//! The verdict is the highest-precedence error finding ([`Verdict`] order).
//! Findings explain; remedies come from [`crate::knowledge`], the one place
//! that knows the client tools.

pub mod attempts;
pub mod connection;
pub mod interceptors;
pub mod lint;

use time::OffsetDateTime;

use crate::cert::{format_date, CertFacts};
use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::knowledge::{self as ecosystems, Platform, Situation, TrustGap};
use crate::observation::{
    printable_prefix, starts_like_non_tls, ConnectErrorKind, Failure, HandshakeErrorKind, HttpStop,
    Observation,
};
use crate::target::{redact, Target};
use crate::trust::verify::{linked_chain, ChainError, StoreVerdict, Verification};
use interceptors::InterceptorKind;

/// A certificate that expires within this many days gets a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// Everything Diagnose may look at.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub target: &'a Target,
    pub observation: &'a Observation,
    /// Facts of the presented chain, in the order sent.
    pub chain: &'a [CertFacts],
    /// What each store said; `None` when no chain was captured.
    pub verification: Option<&'a Verification>,
    /// The time to judge validity at (now, or `--at`).
    pub now: OffsetDateTime,
    pub platform: Platform,
    /// The connection went through a proxy.
    pub via_proxy: bool,
}

/// The result: one verdict, every finding (errors first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// Apply the rules. Pure.
pub fn diagnose(e: &Evidence<'_>) -> Diagnosis {
    let mut findings = Vec::new();
    if let Some(failure) = &e.observation.failure {
        findings.push(failure_finding(e, failure));
    }
    let chain_judged = !e.chain.is_empty()
        && !matches!(
            findings.first().and_then(Finding::verdict),
            Some(Verdict::NotTls)
        );
    if chain_judged {
        findings.extend(file_order_finding(e));
        match chain_order_problem(e.chain) {
            Some(order) => {
                // A misordered chain makes every client fail in its own way
                // (bad signature, unknown issuer, wrong name): the order is the cause.
                findings.retain(|f| f.verdict() != Some(Verdict::HandshakeFailed));
                findings.push(order);
            }
            None => {
                if let Some(v) = e.verification {
                    findings.extend(chain_findings(e, v));
                }
            }
        }
    }
    findings.extend(http_findings(e));
    findings.extend(connection::findings(e.target, e.observation));
    finish(findings)
}

/// Sort findings (errors first, by verdict precedence) and pick the verdict.
pub(crate) fn finish(mut findings: Vec<Finding>) -> Diagnosis {
    findings.sort_by_key(|f| (f.severity, f.verdict().unwrap_or(Verdict::Clean)));
    let verdict = findings
        .iter()
        .find_map(Finding::verdict)
        .unwrap_or(Verdict::Clean);
    Diagnosis { verdict, findings }
}

// ---------------------------------------------------------------------------
// Connection and handshake failures

fn failure_finding(e: &Evidence<'_>, failure: &Failure) -> Finding {
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
            alert_hint(alert).to_string(),
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
        HandshakeErrorKind::Other => (format!("the TLS handshake with {target} failed"), String::new()),
    };
    Finding::error(
        Verdict::HandshakeFailed,
        summary,
        join_sentences(&[&why, &format!("({message})")]),
    )
}

fn alert_hint(alert: &str) -> &'static str {
    match alert {
        "handshake_failure" | "insufficient_security" => "No cipher suite or key exchange in common, or the server wants a client certificate. Try `openssl s_client -connect HOST:PORT` to see what it offers.",
        "unrecognised_name" | "unrecognized_name" => "The server does not host the name sent in SNI. Check the host name, or --resolve to the right server.",
        "certificate_required" => "The server requires a client certificate (mutual TLS).",
        "access_denied" => "The server (or a gateway) denied access, often by client address or certificate.",
        "internal_error" => "The server failed internally; check its logs.",
        "no_application_protocol" => "The server accepts none of the offered ALPN protocols (h2, http/1.1).",
        _ => "The server sent this alert during the handshake.",
    }
}

// ---------------------------------------------------------------------------
// Chain order

/// DESIGN.md: the leaf not first, or a CA first. The first certificate is a
/// CA that issued another certificate in the chain.
fn chain_order_problem(chain: &[CertFacts]) -> Option<Finding> {
    let first = chain.first()?;
    let issued_another = chain.iter().skip(1).any(|c| c.names_issuer(first));
    if !(first.is_ca && issued_another) {
        return None;
    }
    let leaf = chain
        .iter()
        .find(|c| {
            !c.is_ca
                && !chain
                    .iter()
                    .any(|other| other.names_issuer(c) && other.sha256 != c.sha256)
        })
        .or_else(|| chain.iter().find(|c| !c.is_ca));
    let should = leaf.map_or("the server certificate".to_string(), |l| {
        format!("'{}'", l.name())
    });
    let mut f = Finding::error(
        Verdict::InvalidCertificate,
        format!("certificates sent in the wrong order: {should} must come first, not '{}'", first.name()),
        format!(
            "TLS requires the server's own certificate first, then each issuer. This server sends the CA '{}' first, so clients check the handshake against the wrong key and report a bad signature, an unknown issuer or a name mismatch. Fix the order in the server's certificate file (leaf, then intermediates).",
            first.name()
        ),
    );
    f.kind = FindingKind::ChainOrder;
    Some(f)
}

/// A chain file (`inspect`) whose certificates were not leaf first, issuer
/// next: the chain was put in order before judging, so the order is a
/// warning about the file, not the cause of a failure. A server configured
/// with that file would send the wrong order, which some clients reject.
fn file_order_finding(e: &Evidence<'_>) -> Option<Finding> {
    let order = e.observation.file_order.as_ref()?;
    // order[i] is the file position of chain[i]; list the file's order.
    let mut by_position: Vec<(usize, &CertFacts)> = order
        .iter()
        .zip(e.chain)
        .map(|(&pos, cert)| (pos, cert))
        .collect();
    by_position.sort_by_key(|(pos, _)| *pos);
    let file_names: Vec<String> = by_position
        .iter()
        .map(|(_, c)| format!("'{}'", c.name()))
        .collect();
    let ordered: Vec<String> = e.chain.iter().map(|c| format!("'{}'", c.name())).collect();
    let mut f = Finding::warning(
        FindingKind::ChainOrder,
        format!(
            "the file's certificates are out of order: {} should come first, not {}",
            ordered.first().map_or("the server certificate", String::as_str),
            file_names.first().map_or("", String::as_str)
        ),
        format!(
            "The file holds {} (in that order); tlsdoctor judged them as {} (leaf first, then each issuer). A server configured with this file sends the wrong order: rustls and browsers cope, but older OpenSSL, Java and embedded clients may fail with a bad signature or an unknown issuer. Reorder the file: the leaf, then each intermediate.",
            name_list(&file_names),
            name_list(&ordered)
        ),
    );
    f.kind = FindingKind::ChainOrder;
    Some(f)
}

/// Names joined with commas; a long list (a hostile file can hold a
/// thousand certificates) keeps its first few and counts the rest.
fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    format!("{} and {} more", shown.join(", "), names.len() - SHOWN)
}

// ---------------------------------------------------------------------------
// Chain, time, name and trust

fn chain_findings(e: &Evidence<'_>, v: &Verification) -> Vec<Finding> {
    let mut out = Vec::new();
    let path = path_certs(e.chain, v);
    out.extend(time_findings(e, &path));
    if let Err(err) = &v.name {
        out.push(name_finding(e, err));
    }
    out.extend(trust_findings(e, v));

    // The path with its root, for the strict lint.
    let anchor = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.anchor.as_ref());
    let linted = roles_on_path(&path, anchor);
    out.extend(lint::lint(&linted, e.now));
    // The horizon says nothing new when a time finding already names a date.
    let timed = out.iter().any(|f| {
        f.kind == FindingKind::ExpiresSoon
            || matches!(f.verdict(), Some(Verdict::Expired | Verdict::NotYetValid))
    });
    if !timed {
        out.extend(validity_horizon(e, v, &path));
    }
    out.extend(store_load_findings(v));
    out
}

/// The path with each certificate's role: the leaf, the intermediates, and
/// the anchor the verifier ended at (unless the server sent that very root).
fn roles_on_path<'a>(
    path: &[&'a CertFacts],
    anchor: Option<&'a CertFacts>,
) -> Vec<(&'a CertFacts, lint::Role)> {
    let mut out: Vec<(&CertFacts, lint::Role)> = path
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let role = if i == 0 {
                lint::Role::Leaf
            } else {
                lint::Role::Intermediate
            };
            (*c, role)
        })
        .collect();
    if let Some(anchor) = anchor {
        match out.iter_mut().find(|(c, _)| c.sha256 == anchor.sha256) {
            // A path of one self-signed certificate: it is also the anchor.
            Some(entry) if entry.1 == lint::Role::Leaf => {}
            Some(entry) => entry.1 = lint::Role::Anchor,
            None => out.push((anchor, lint::Role::Anchor)),
        }
    }
    out
}

/// When the chain stops being valid, and which certificate goes first: an
/// info finding on every chain a verifier built a path for (`--at` makes
/// this a question about any time).
fn validity_horizon(e: &Evidence<'_>, v: &Verification, path: &[&CertFacts]) -> Option<Finding> {
    let built = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .any(|s| s.trust_result().is_ok());
    if !built {
        return None;
    }
    let first = path.iter().min_by_key(|c| c.not_after)?;
    let leaf = path.first()?;
    let role = role(first, e.chain);
    let date = format_date(first.not_after);
    let before_leaf = if first.sha256 != leaf.sha256 && first.not_after < leaf.not_after {
        format!(
            ", before the server certificate (valid until {})",
            format_date(leaf.not_after)
        )
    } else {
        String::new()
    };
    let now = e.now.replace_nanosecond(0).unwrap_or(e.now);
    let summary = if now > first.not_after {
        format!(
            "the chain stopped being valid on {date}: {role} '{}' expired first{before_leaf}",
            first.name()
        )
    } else {
        let state = if now < first.not_before {
            "not valid yet"
        } else {
            "valid now"
        };
        format!(
            "{state}; {role} '{}' expires on {date}{before_leaf}",
            first.name()
        )
    };
    Some(Finding::info(
        FindingKind::Validity,
        summary,
        format!(
            "The earliest notAfter on the verified path (the trust anchor aside) is {} ({role} '{}'). From then on every client rejects the chain unless that certificate is replaced. Use --at to judge the chain at another time.",
            crate::cert::format_time(first.not_after),
            first.name()
        ),
    ))
}

/// The certificates that can make a target expired: those on the path a
/// verifier built, or the issuer chain linked from the leaf (DESIGN.md, Time).
fn path_certs<'a>(chain: &'a [CertFacts], v: &Verification) -> Vec<&'a CertFacts> {
    let built = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.trust_result().as_ref().ok());
    let indices = match built {
        Some(path) => path.chain_indices.clone(),
        None => linked_chain(chain),
    };
    indices.into_iter().filter_map(|i| chain.get(i)).collect()
}

fn role(cert: &CertFacts, chain: &[CertFacts]) -> &'static str {
    if chain.first().is_some_and(|l| l.sha256 == cert.sha256) {
        "the server certificate"
    } else if cert.self_signed {
        "the root"
    } else {
        "the intermediate"
    }
}

fn time_findings(e: &Evidence<'_>, path: &[&CertFacts]) -> Vec<Finding> {
    let mut out = Vec::new();
    // Validity is encoded in whole seconds; compare at that granularity, as
    // webpki does (x509-limbo: notafter-fractional).
    let now = e.now.replace_nanosecond(0).unwrap_or(e.now);
    for cert in path {
        let role = role(cert, e.chain);
        if now > cert.not_after {
            let days = (now - cert.not_after).whole_days();
            out.push(Finding::error(
                Verdict::Expired,
                format!("{role} '{}' expired on {} ({} ago)", cert.name(), format_date(cert.not_after), ago(days)),
                format!(
                    "It was valid from {} to {}. Every client rejects it; the server needs a renewed certificate{}.",
                    format_date(cert.not_before),
                    format_date(cert.not_after),
                    if role == "the server certificate" { "" } else { " chain (a current intermediate)" }
                ),
            ));
        } else if now < cert.not_before {
            let days = (cert.not_before - now).whole_days();
            out.push(Finding::error(
                Verdict::NotYetValid,
                format!("{role} '{}' is not valid until {} (in {days} days)", cert.name(), format_date(cert.not_before)),
                "Either the certificate was issued with a future start date, or this machine's clock is wrong: check the clock first.".to_string(),
            ));
        } else if (cert.not_after - now).whole_days() < EXPIRY_WARNING_DAYS {
            out.push(Finding::warning(
                FindingKind::ExpiresSoon,
                format!("{role} '{}' expires on {}", cert.name(), format_date(cert.not_after)),
                format!("Less than {EXPIRY_WARNING_DAYS} days left: renew it before clients start failing."),
            ));
        }
    }
    out
}

fn ago(days: i64) -> String {
    match days {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        d if d < 60 => format!("{d} days"),
        d if d < 730 => format!("{} months", d / 30),
        d => format!("{} years", d / 365),
    }
}

fn name_finding(e: &Evidence<'_>, err: &ChainError) -> Finding {
    let Some(leaf) = e.chain.first() else {
        return Finding::error(Verdict::HostnameMismatch, "no certificate", "");
    };
    let names: Vec<&str> = leaf
        .dns_names
        .iter()
        .chain(&leaf.ip_addresses)
        .map(String::as_str)
        .collect();
    if *err != ChainError::NotValidForName {
        return Finding::error(
            Verdict::InvalidCertificate,
            format!(
                "the server certificate's names cannot be checked: {}",
                err.describe()
            ),
            "",
        );
    }
    let (summary, detail) = if names.is_empty() {
        (
            format!("the certificate has no subjectAltName, so it is valid for no name (asked: {})", e.target.host),
            format!(
                "Its subject is '{}'. Clients stopped reading the common name years ago (RFC 6125; Chrome 58, rustls, Python 3.7+): the name must be in subjectAltName.",
                leaf.subject
            ),
        )
    } else {
        (
            format!("the certificate is valid for {}, not {}", names.join(", "), e.target.host),
            format!(
                "Clients compare the name they asked for with the certificate's subjectAltName. Either the target name is not the server's canonical name (try one of: {}), or the server presents the wrong certificate for this name (check its SNI configuration).",
                names.join(", ")
            ),
        )
    };
    Finding::error(Verdict::HostnameMismatch, summary, detail)
}

/// The CA to name in trust sentences: the OS/declared anchor when one was
/// found, else the top of the sent chain's issuer line.
fn trust_root_name(e: &Evidence<'_>, v: &Verification) -> String {
    if let Some(anchor) =
        v.os.anchor
            .as_ref()
            .or(v.custom.as_ref().and_then(|c| c.anchor.as_ref()))
    {
        return anchor.name().to_string();
    }
    let linked = linked_chain(e.chain);
    match linked.last().and_then(|&i| e.chain.get(i)) {
        Some(top) if top.self_signed => top.name().to_string(),
        Some(top) => top.issuer_display_name.clone(),
        None => "the issuing CA".into(),
    }
}

/// An inspection product named anywhere in the chain or its anchors.
struct ProductMatch {
    vendor: &'static str,
    kind: InterceptorKind,
    note: &'static str,
    ca: String,
}

fn find_product(e: &Evidence<'_>, v: &Verification) -> Option<ProductMatch> {
    let anchors = [
        v.os.anchor.as_ref(),
        v.custom.as_ref().and_then(|c| c.anchor.as_ref()),
    ];
    let certs = e.chain.iter().chain(anchors.into_iter().flatten());
    for cert in certs.clone() {
        if let Some(root) = interceptors::match_spki(&cert.spki_sha256) {
            return Some(ProductMatch {
                vendor: root.vendor,
                kind: InterceptorKind::PublicKeyCompromised,
                note: root.note,
                ca: cert.name().to_string(),
            });
        }
    }
    for cert in certs {
        for (dn, name) in [
            (&cert.subject, cert.name()),
            (&cert.issuer, cert.issuer_display_name.as_str()),
        ] {
            if let Some(product) = interceptors::match_name(dn) {
                return Some(ProductMatch {
                    vendor: product.vendor,
                    kind: product.kind,
                    note: product.note,
                    ca: name.to_string(),
                });
            }
        }
    }
    None
}

fn trust_findings(e: &Evidence<'_>, v: &Verification) -> Vec<Finding> {
    let mut out = Vec::new();
    let bundled = v.bundled.trust_result();
    let os_trusts = v.os.trusted_ignoring_time();
    let product = find_product(e, v);
    let public = !e.target.is_local();
    let host = e.target.host.as_str();

    if bundled.is_ok() {
        if !os_trusts {
            out.push(os_outdated_finding(&v.os));
        }
        return out;
    }
    let Err(bundled_err) = bundled else {
        return out;
    };
    // Time errors with no common validity window: the time verdict stands.
    if bundled_err.is_time() {
        return out;
    }
    let Some(leaf) = e.chain.first() else {
        return out;
    };
    let trust_error = matches!(bundled_err, ChainError::UnknownIssuer | ChainError::NoRoots)
        || (leaf.self_signed && *bundled_err == ChainError::CaUsedAsEndEntity);
    if !trust_error {
        out.push(Finding::error(
            Verdict::InvalidCertificate,
            format!("the chain is rejected: {}", bundled_err.describe()),
            invalid_detail(bundled_err, e.chain),
        ));
        return out;
    }

    let ca_name = trust_root_name(e, v);
    let strict_path: Vec<(&CertFacts, lint::Role)> =
        v.os.anchor
            .as_ref()
            .map(|a| (a, lint::Role::Anchor))
            .into_iter()
            .chain(e.chain.iter().filter(|c| c.is_ca).map(|c| {
                let role = if c.self_signed {
                    lint::Role::Anchor
                } else {
                    lint::Role::Intermediate
                };
                (c, role)
            }))
            .collect();
    let strict_breaks = lint::breaks_python(&strict_path, e.now);
    let gap = |situation| TrustGap {
        situation,
        ca_name: &ca_name,
        in_os_store: os_trusts,
        host,
        platform: e.platform,
        strict_x509_breaks_python: strict_breaks,
    };

    // Rows apply in order: --ca-file, self-signed leaf, OS store, vendor, proxy, chain shape.
    if let Some(custom) = v.custom.as_ref().filter(|c| c.trusted_ignoring_time()) {
        let anchor = custom
            .anchor
            .as_ref()
            .map_or("a declared CA".to_string(), |a| a.name().to_string());
        let mut f = Finding::warning(
            FindingKind::DeclaredCa,
            format!("trusted through the CA you declared ('{anchor}'), not through public roots"),
            format!(
                "Not a trust problem for tools given that CA. Clients with their own Mozilla roots ({}) fail unless they are configured with it{}.",
                ecosystems::BUNDLED_ROOT_CLIENTS.join(", "),
                if os_trusts { "" } else { "; so do clients using this machine's OS store (curl, browsers), which does not hold it" }
            ),
        );
        if let Some(p) = &product {
            f.vendor = Some(p.vendor.to_string());
            f.detail.push_str(&format!(
                " The CA belongs to {} ({}).",
                p.vendor,
                p.kind.label()
            ));
        }
        out.push(f);
        return out;
    }

    if leaf.self_signed {
        let detail = format!(
            "'{}' signs itself; no CA vouches for it. {}",
            leaf.name(),
            if os_trusts {
                "This machine's OS store trusts it, so curl and browsers accept it, but clients with their own Mozilla roots (certifi, httpx, Node.js) never look there."
            } else {
                "No store trusts it, so every client fails until it is trusted explicitly."
            }
        );
        out.push(
            Finding::error(
                Verdict::SelfSigned,
                format!("the server certificate '{}' is self-signed", leaf.name()),
                detail,
            )
            .with_remedies(remedies(gap(Situation::SelfSigned))),
        );
        return out;
    }

    if os_trusts {
        // A proxy in the path makes an OS-trusted private root interception
        // even for a local name (the proxy re-signs what it tunnels).
        let (verdict, summary, detail) = if public || product.is_some() || e.via_proxy {
            let who = product.as_ref().map_or(
                "a TLS-inspecting proxy or security product".to_string(),
                |p| p.vendor.to_string(),
            );
            let why = if public {
                format!("{host} is a public name, but its chain ends at '{ca_name}'")
            } else if e.via_proxy {
                format!("The connection went through a proxy, and the chain ends at '{ca_name}'")
            } else {
                format!("The chain ends at '{ca_name}'")
            };
            (
                Verdict::CorporateInterception,
                format!("{host}'s certificate is re-signed by {who} ('{ca_name}')"),
                format!(
                    "{why}, a root in this machine's OS store and not in Mozilla's list. {} is intercepting TLS on this network. curl, browsers and PowerShell trust it through the OS store; {} fail with CERTIFICATE_VERIFY_FAILED.",
                    capitalized(&who),
                    ecosystems::BUNDLED_ROOT_CLIENTS.join(", ")
                ),
            )
        } else {
            (
                Verdict::PrivateCa,
                format!("{host} uses a private CA ('{ca_name}') trusted only by the OS store"),
                format!(
                    "The chain ends at '{ca_name}', which this machine's OS store trusts (mkcert -install, or a company CA). curl and browsers work; clients with their own Mozilla roots ({}) fail.",
                    ecosystems::BUNDLED_ROOT_CLIENTS.join(", ")
                ),
            )
        };
        let situation = if verdict == Verdict::CorporateInterception {
            Situation::Interception {
                vendor: product.as_ref().map(|p| p.vendor),
            }
        } else {
            Situation::PrivateCa
        };
        let mut f =
            Finding::error(verdict, summary, detail).with_remedies(remedies(gap(situation)));
        if let Some(p) = &product {
            f.vendor = Some(p.vendor.to_string());
            push_note(&mut f, p.note);
        }
        out.push(f);
        out.extend(compromised_warning(&product));
        return out;
    }

    if let Some(p) = &product {
        let compromised = p.kind == InterceptorKind::PublicKeyCompromised;
        let verdict = if compromised && !public {
            Verdict::PrivateCa
        } else {
            Verdict::CorporateInterception
        };
        let mut f = Finding::error(
            verdict,
            format!(
                "{host}'s certificate is signed by {} ('{}')",
                p.vendor, p.ca
            ),
            format!(
                "The chain ends at '{}', a CA of {} ({}). It is not in Mozilla's list{}.",
                p.ca,
                p.vendor,
                p.kind.label(),
                if os_trusts {
                    ""
                } else {
                    " and not in this machine's OS store either, so every client fails"
                }
            ),
        )
        .with_vendor(p.vendor)
        .with_remedies(remedies(gap(Situation::Interception {
            vendor: Some(p.vendor),
        })));
        push_note(&mut f, p.note);
        out.push(f);
        out.extend(compromised_warning(&product));
        return out;
    }

    if e.via_proxy {
        out.push(
            Finding::error(
                Verdict::CorporateInterception,
                format!("the chain for {host} came through a proxy and ends at '{ca_name}', which no store trusts"),
                "The proxy is re-signing TLS (inspection). Ask IT for the proxy's root CA, or check whether this host should bypass the proxy (NO_PROXY).".to_string(),
            )
            .with_remedies(remedies(gap(Situation::Interception { vendor: None }))),
        );
        return out;
    }

    out.extend(chain_shape_finding(e, v, gap));
    out
}

fn chain_shape_finding<'a>(
    e: &Evidence<'a>,
    v: &Verification,
    gap: impl Fn(Situation<'a>) -> TrustGap<'a>,
) -> Option<Finding> {
    let host = e.target.host.as_str();
    let public = !e.target.is_local();
    let linked = linked_chain(e.chain);
    let top = linked
        .last()
        .and_then(|&i| e.chain.get(i))
        .or(e.chain.first())?;
    if let Some(f) = unusable_chain_finding(e, v, &linked, top) {
        return Some(f);
    }
    if top.self_signed {
        let maybe = if public {
            " It may also be a TLS-inspection product tlsdoctor does not know: if you are on a corporate network, ask IT."
        } else {
            ""
        };
        return Some(Finding::error(
            Verdict::PrivateCa,
            format!("{host}'s chain ends at '{}', a root the server sends but no store trusts", top.name()),
            format!("The server sent its own root CA; no client trusts a root because the server sent it.{maybe}"),
        )
        .with_remedies(remedies(gap(Situation::PrivateCa))));
    }
    let missing = &top.issuer_display_name;
    if public {
        let aia = top
            .ca_issuers
            .first()
            .map(|u| format!(" The certificate says its issuer can be downloaded from {u}."))
            .unwrap_or_default();
        let mut f = Finding::error(
            Verdict::IncompleteChain,
            format!("{host} does not send the intermediate certificate '{missing}'"),
            format!(
                "'{}' is issued by '{missing}', which the server did not send and no store holds. Public CAs always issue from intermediates, so the server must send them: configure the full chain (e.g. nginx ssl_certificate with fullchain.pem). Browsers may hide this by fetching or caching intermediates; curl, Python and Node fail.{aia}",
                top.name()
            ),
        );
        f.remedies.push(Remedy {
            ecosystem: "Server".into(),
            action: "Serve the full chain: the leaf, then every intermediate up to (not including) the root.".into(),
            commands: vec!["# nginx: ssl_certificate /etc/ssl/fullchain.pem;  # leaf + intermediates".into()],
            avoid: false,
        });
        return Some(f);
    }
    Some(Finding::error(
        Verdict::PrivateCa,
        format!("{host}'s certificate is issued by '{missing}', a private CA that is not installed"),
        format!("No store holds '{missing}' (the server did not send it either). Install that CA's root where your tools look (mkcert -install; a company CA from IT)."),
    )
    .with_remedies(remedies(gap(Situation::PrivateCa))))
}

/// webpki says "unknown issuer" both when a certificate is missing and when
/// the sent chain reaches a root the store holds but a link cannot be used.
/// Nothing is missing in the second case, so it is not `incomplete_chain`:
/// say which link breaks.
fn unusable_chain_finding(
    e: &Evidence<'_>,
    v: &Verification,
    linked: &[usize],
    top: &CertFacts,
) -> Option<Finding> {
    if !top.self_signed && top.parse_error.is_none() && top.issuer_raw.len() <= 2 {
        // An empty Name is the 2-byte SEQUENCE header alone.
        return Some(Finding::error(
            Verdict::InvalidCertificate,
            format!("'{}' has an empty issuer name, so no issuer can be found", top.name()),
            "RFC 5280 §4.1.2.4 requires a non-empty issuer; verifiers find the issuing CA by that name. The CA must reissue the certificate.".to_string(),
        ));
    }
    let root = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.issuer_in_store.as_ref())?;
    let sent_cas = linked.iter().skip(1).filter_map(|&i| e.chain.get(i));
    let why = sent_cas
        .clone()
        .find(|c| !c.is_ca)
        .map(|c| format!("the sent certificate '{}' signs another but is not a CA (its basicConstraints lack CA:TRUE), so no verifier accepts it as an intermediate", c.name()))
        .or_else(|| {
            sent_cas.clone().find(|c| c.ext.key_usage_cert_sign == Some(false)).map(|c| {
                format!("the intermediate '{}' has a keyUsage without keyCertSign, so it may not sign certificates", c.name())
            })
        })
        .or_else(|| {
            (!top.is_signed_by(root)).then(|| format!(
                "'{}' names '{}' as its issuer, and a root of that name is installed, but that root's key did not sign it: the installed root is another generation of the CA (same name, different key)",
                top.name(),
                root.name()
            ))
        })
        .unwrap_or_else(|| format!(
            "the chain reaches '{}', which is installed, but a constraint on the path (path length, name constraints, key usage) stops it",
            root.name()
        ));
    Some(Finding::error(
        Verdict::InvalidCertificate,
        format!("the chain to '{}' cannot be used: {}", root.name(), why.split(',').next().unwrap_or(&why)),
        format!("Nothing is missing: {why}. Verifiers report this as an unknown issuer. The CA or the server's certificate file must be fixed."),
    ))
}

fn invalid_detail(err: &ChainError, chain: &[CertFacts]) -> String {
    match err {
        ChainError::RequiredEkuNotFound => format!(
            "The leaf '{}' has an extended key usage without serverAuth, so it may not be used for a TLS server. Reissue it with serverAuth.",
            chain.first().map_or("", |c| c.name())
        ),
        ChainError::CaUsedAsEndEntity => "The server certificate carries CA:TRUE. Clients refuse a CA certificate as the server's own; reissue it as a leaf (CA:FALSE).".into(),
        ChainError::UnsupportedSignatureAlgorithm => "A certificate is signed with an algorithm modern clients refuse (SHA-1, MD5, or a key under 2048 bits). Reissue it with SHA-256 and RSA 2048+ or ECDSA P-256.".into(),
        ChainError::BadSignature => "A certificate's signature does not verify with its issuer's key. The chain may mix certificates of two CAs with the same name (a reissued intermediate), or a CA's path-length or name constraints may be the real cause: compare the sent intermediates with the CA's current ones.".into(),
        ChainError::Distrusted => "rustls carries a distrust list for CAs that browsers removed; this chain uses one of them. The server needs a certificate from another CA.".into(),
        other => format!("{}.", other.describe()),
    }
}

fn os_outdated_finding(os: &StoreVerdict) -> Finding {
    let why = match os.trust_result() {
        Err(ChainError::NoRoots) => format!("The OS store ({}) holds no usable roots.", os.source),
        Err(err) => format!("The OS store ({}) says: {}.", os.source, err.describe()),
        Ok(_) => String::new(),
    };
    Finding::warning(
        FindingKind::OsStoreOutdated,
        "Mozilla's roots trust this chain but this machine's OS store does not: curl and browsers here will fail",
        format!("{why} Update the OS CA bundle (e.g. `sudo update-ca-certificates`, or the ca-certificates package)."),
    )
}

fn store_load_findings(v: &Verification) -> Vec<Finding> {
    [Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.load_errors.is_empty())
        .map(|s| {
            Finding::info(
                FindingKind::TrustStore,
                format!(
                    "{} problem(s) while reading the {:?} store",
                    s.load_errors.len(),
                    s.kind
                )
                .to_lowercase(),
                s.load_errors
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .collect()
}

fn compromised_warning(product: &Option<ProductMatch>) -> Option<Finding> {
    let p = product
        .as_ref()
        .filter(|p| p.kind == InterceptorKind::PublicKeyCompromised)?;
    let mut f = Finding::warning(
        FindingKind::CompromisedRoot,
        format!("DANGER: '{}' is a CA whose private key is public — anyone can forge certificates under it", p.ca),
        format!("{} Remove it from every trust store on this machine now.", p.note),
    );
    f.vendor = Some(p.vendor.to_string());
    Some(f)
}

// ---------------------------------------------------------------------------
// HTTP

fn http_findings(e: &Evidence<'_>) -> Vec<Finding> {
    let Some(http) = &e.observation.http else {
        return Vec::new();
    };
    let Some(last) = http.hops.last() else {
        return Vec::new();
    };
    let hop_number = http.hops.len();
    let asked = redact(&last.url);
    let got = last.location.as_deref().map(redact).unwrap_or_default();
    let status = last.status.map(|s| s.to_string()).unwrap_or_default();
    match &http.stop {
        HttpStop::NotHttps | HttpStop::PortChanged => {
            let lost = if http.stop == HttpStop::NotHttps {
                "https was lost: the client follows it to plain HTTP"
            } else {
                "the port was lost: the client follows it to another port"
            };
            let mut f = Finding::error(
                Verdict::RedirectSchemeLoss,
                format!("{asked} redirects ({status}) to {got}: {lost}"),
                format!(
                    "Hop {hop_number}: GET {asked} answered {status} with Location {got}. This looks like a TLS failure in clients (\"Session terminated\", connection refused on port 80) but TLS is fine: the app behind a TLS-terminating proxy built the redirect from what it saw — plain HTTP, and a Host without the port. Either the app does not trust the proxy's X-Forwarded-Proto / X-Forwarded-Host headers, or the proxy does not send them (or sends Host without the port)."
                ),
            );
            f.remedies = redirect_remedies(&asked, &got);
            vec![f]
        }
        HttpStop::Final => match last.status {
            Some(code) if code >= 400 => vec![Finding::warning(
                FindingKind::Http,
                format!("GET {asked} answered HTTP {code}"),
                "The TLS connection works; the application answered with an error status for this path. Not a TLS problem.",
            )],
            _ => Vec::new(),
        },
        HttpStop::Loop => vec![Finding::warning(
            FindingKind::Http,
            format!("redirect loop: {asked} redirects back to {got}"),
            "Clients give up after a number of hops. A common cause is a proxy and an app each redirecting to the other's idea of the canonical URL (http/https, trailing slash, www).",
        )],
        HttpStop::TooManyRedirects => vec![Finding::warning(
            FindingKind::Http,
            format!("more than {} redirects, the last to {got}", crate::probe::http::MAX_REDIRECTS),
            "tlsdoctor stopped following; most clients would too.",
        )],
        HttpStop::BadLocation(why) => vec![Finding::warning(FindingKind::Http, format!("GET {asked} answered {status}: {why}"), "")],
        HttpStop::Failed(why) => vec![Finding::warning(
            FindingKind::Http,
            format!("the HTTP request to {asked} failed"),
            format!("{why}. The TLS handshake itself succeeded."),
        )],
    }
}

fn redirect_remedies(asked: &str, got: &str) -> Vec<Remedy> {
    let remedy = |ecosystem: &str, action: &str, commands: &[&str]| Remedy {
        ecosystem: ecosystem.into(),
        action: action.into(),
        commands: commands.iter().map(|c| c.to_string()).collect(),
        avoid: false,
    };
    let canonical = match (asked.ends_with('/'), got.rsplit_once("://")) {
        (false, Some(_)) => format!("{asked}/"),
        _ => asked.to_string(),
    };
    vec![
        remedy(
            "Right now",
            &format!("Use the canonical URL, on https and the right port: {canonical}"),
            &[],
        ),
        remedy(
            "uvicorn / FastAPI / Starlette",
            "Trust the proxy's forwarded headers, or stop the trailing-slash redirect.",
            &[
                "uvicorn app:app --proxy-headers --forwarded-allow-ips='127.0.0.1'  # the proxy's address",
                "app = FastAPI(redirect_slashes=False)  # or mount the route with and without the slash",
            ],
        ),
        remedy(
            "nginx",
            "Send the scheme and the Host with its port to the app, and keep redirects relative.",
            &[
                "proxy_set_header X-Forwarded-Proto $scheme;",
                "proxy_set_header Host $http_host;  # $host drops the port",
                "absolute_redirect off;  # nginx's own redirects stay relative (or port_in_redirect on;)",
            ],
        ),
        remedy(
            "Other apps",
            "Make the framework honour X-Forwarded-Proto from the proxy.",
            &[
                "Express: app.set('trust proxy', 1)",
                "Django: SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https'); USE_X_FORWARDED_HOST = True",
                "Flask: app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)",
                "gunicorn: --forwarded-allow-ips='127.0.0.1'",
            ],
        ),
    ]
}

fn push_note(f: &mut Finding, note: &str) {
    if !note.is_empty() {
        f.detail.push(' ');
        f.detail.push_str(note);
    }
}

fn remedies(gap: TrustGap<'_>) -> Vec<Remedy> {
    let mut list = ecosystems::trust_remedies(&gap);
    list.extend(ecosystems::fixes_to_avoid());
    list
}

/// `a proxy` → `A proxy`, for a phrase that starts a sentence.
fn capitalized(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn join_sentences(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
