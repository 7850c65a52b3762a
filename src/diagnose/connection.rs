//! Diagnose, connection path: HTTP/2 that fails where HTTP/1.1 answers
//! (`http2_failure`), and a path that drops the large ClientHello current
//! clients send (`large_hello_dropped`). Pure: it reads the observation
//! only, no I/O, no clock.
//!
//! Which clients speak HTTP/2 by default or send a post-quantum key share,
//! and the switch each has, is knowledge ([`crate::knowledge::connection`]);
//! no rule here names a client by itself.

use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::knowledge::connection::{ClientSwitch, H2_CLIENTS, MLKEM_CLIENTS};
use crate::observation::{Failure, H2Outcome, HttpStop, Observation};
use crate::target::Target;
use crate::untrusted::redact_url as redact;

/// The connection-path findings for one probe.
pub fn findings(target: &Target, obs: &Observation) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(large_hello_finding(target, obs));
    out.extend(h2_finding(target, obs));
    out.extend(optional_client_auth(target, obs));
    out
}

/// The server asked for a client certificate and went on without one: worth
/// knowing (a client that has one configured will send it), not a failure.
fn optional_client_auth(target: &Target, obs: &Observation) -> Option<Finding> {
    let request = obs.client_auth.as_ref().filter(|_| obs.failure.is_none())?;
    let issuers = if request.acceptable_issuers.is_empty() {
        String::new()
    } else {
        format!(
            " It lists these CAs for client certificates: {}.",
            request.acceptable_issuers.join("; ")
        )
    };
    Some(Finding::info(
        FindingKind::Connection,
        format!(
            "{} asks for a client certificate, and accepts connections without one",
            target.authority()
        ),
        format!("The server sent a CertificateRequest; tlsdoctor sent no certificate and the server went on.{issuers} A client configured with a certificate the server rejects may still fail."),
    ))
}

fn url(target: &Target) -> String {
    redact(&format!("https://{}{}", target.authority(), target.path()))
}

fn remedies(table: &[ClientSwitch], url: &str) -> Vec<Remedy> {
    table
        .iter()
        .map(|c| Remedy {
            ecosystem: c.client.to_string(),
            action: c.action.replace("{url}", url),
            commands: c
                .command
                .map(|cmd| vec![cmd.replace("{url}", url)])
                .unwrap_or_default(),
            avoid: false,
        })
        .collect()
}

fn failure_message(f: &Failure) -> &str {
    match f {
        Failure::Resolve { message }
        | Failure::Connect { message, .. }
        | Failure::Handshake { message, .. }
        | Failure::Proxy { message, .. } => message,
    }
}

fn large_hello_finding(target: &Target, obs: &Observation) -> Option<Finding> {
    let first = obs.large_hello.as_ref()?;
    let authority = target.authority();
    let mut f = Finding::error(
        Verdict::LargeHelloDropped,
        format!(
            "the path to {authority} drops the large ClientHello current clients send; a classic one gets through"
        ),
        format!(
            "The first handshake offered X25519MLKEM768 first, as Chrome, Firefox, Go 1.24+, uv and other rustls clients, and OpenSSL 3.5+ do; that ClientHello is about 1.5 KB and spans more than one TCP segment. It ended before the server sent a byte: {}. A second handshake with a classic ClientHello (X25519 only, about 300 bytes) completed, and the chain below comes from it. Something on the path (a firewall, TLS inspection, a load balancer) mishandles large ClientHellos: those clients see a bare connection reset or timeout, while older ones work. The lasting fix is on that device (an update, or letting a ClientHello span segments); meanwhile each client can send a classic hello.",
            failure_message(first)
        ),
    );
    f.remedies = remedies(MLKEM_CLIENTS, &url(target));
    Some(f)
}

fn h2_finding(target: &Target, obs: &Observation) -> Option<Finding> {
    let http = obs.http.as_ref()?;
    let h2 = http.h2.as_ref().filter(|h2| h2.outcome != H2Outcome::Ok)?;
    let first = http.hops.first();
    let url = url(target);
    match first.and_then(|hop| hop.status) {
        Some(status) => {
            let mut f = Finding::error(
                Verdict::Http2Failure,
                format!("HTTP/2 to {} fails ({}); HTTP/1.1 answers {status}", target.authority(), h2.outcome.as_str()),
                format!(
                    "The TLS handshake negotiated h2 and tlsdoctor sent the HTTP/2 preface, SETTINGS and one GET: {}. The same GET over HTTP/1.1 on a second connection was answered {status}, so TLS and the server are fine and HTTP/2 on this path is not. Clients that speak HTTP/2 by default hang or fail here (\"http2 request did not get a response\", stream resets): gRPC always, browsers, curl (built with HTTP/2, as most are), Go's net/http, the AWS CRT and SDKs built on it, httpx with http2=True, Node's undici when allowH2 is set; Python's requests and urllib and the AWS CLI speak HTTP/1.1 only. A TLS-inspecting proxy or firewall that negotiates h2 without handling it is the usual cause.",
                    h2.detail
                ),
            );
            f.remedies = remedies(H2_CLIENTS, &url);
            Some(f)
        }
        None => {
            let why = match &http.stop {
                HttpStop::Failed(why) => why.as_str(),
                _ => "no response",
            };
            Some(Finding::warning(
                FindingKind::Http,
                format!("HTTP/2 and HTTP/1.1 to {} both fail", target.authority()),
                format!(
                    "HTTP/2: {}. HTTP/1.1 on a second connection: {why}. Since both fail, this is not an HTTP/2 problem: the server or the path does not answer this request at all.",
                    h2.detail
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{H2Observation, HandshakeErrorKind, HttpHop, HttpObservation};

    fn target() -> Target {
        Target::parse("https://api.example.com:8443/v1?token=s3cret").unwrap()
    }

    fn with_h2(outcome: H2Outcome, status: Option<u16>) -> Observation {
        Observation {
            http: Some(HttpObservation {
                hops: vec![HttpHop {
                    url: "https://api.example.com:8443/v1".into(),
                    status,
                    location: None,
                    raw_location: None,
                }],
                stop: if status.is_some() {
                    HttpStop::Final
                } else {
                    HttpStop::Failed("no response head within 5s".into())
                },
                protocol: crate::observation::HttpProtocol::Http1,
                h2: Some(H2Observation {
                    outcome,
                    detail: "the server sent GOAWAY with error code PROTOCOL_ERROR (0x1)".into(),
                    status: None,
                }),
                destination: None,
            }),
            ..Observation::default()
        }
    }

    #[test]
    fn h2_failing_where_http1_answers_is_http2_failure_with_per_client_switches() {
        let f = findings(&target(), &with_h2(H2Outcome::GoAway, Some(200)));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict(), Some(Verdict::Http2Failure));
        assert!(f[0].detail.contains("PROTOCOL_ERROR"), "{}", f[0].detail);
        let curl = f[0]
            .remedies
            .iter()
            .find(|r| r.ecosystem == "curl")
            .unwrap();
        assert_eq!(
            curl.commands,
            ["curl --http1.1 https://api.example.com:8443/v1"]
        );
        assert!(f[0]
            .remedies
            .iter()
            .any(|r| r.commands == ["GODEBUG=http2client=0"]));
        assert!(f[0]
            .remedies
            .iter()
            .any(|r| r.ecosystem.starts_with("gRPC") && r.commands.is_empty()));
        assert!(!format!("{f:?}").contains("s3cret"));
    }

    #[test]
    fn both_protocols_failing_is_not_an_http2_problem() {
        let f = findings(&target(), &with_h2(H2Outcome::Stall, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict(), None);
        assert!(f[0].detail.contains("not an HTTP/2 problem"));
    }

    #[test]
    fn h2_ok_and_no_retry_say_nothing() {
        assert!(findings(&target(), &with_h2(H2Outcome::Ok, Some(200))).is_empty());
        assert!(findings(&target(), &Observation::default()).is_empty());
    }

    #[test]
    fn a_dropped_large_hello_names_clients_and_switches() {
        let obs = Observation {
            large_hello: Some(Failure::Handshake {
                kind: HandshakeErrorKind::Reset,
                message: "Connection reset by peer (os error 104)".into(),
            }),
            ..Observation::default()
        };
        let f = findings(&target(), &obs);
        assert_eq!(f[0].verdict(), Some(Verdict::LargeHelloDropped));
        assert!(f[0].detail.contains("Connection reset by peer"));
        assert!(f[0]
            .remedies
            .iter()
            .any(|r| r.commands == ["GODEBUG=tlsmlkem=0"]));
    }
}
