//! What the user asked to check: `host`, `host:port`, `[v6]:port` or
//! `https://host[:port][/path]`, turned once into a validated [`Target`].
//!
//! Parsing leans on the `url` crate (WHATWG rules, IDNA to punycode, IPv6
//! literals) rather than splitting strings by hand. Secrets that a URL can
//! carry — userinfo, query values — are kept for the request but never
//! appear in [`Target::display`], which is what reports print.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

/// A validated thing to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The input as the user typed it, with secrets removed.
    pub display: String,
    /// The host in ASCII form (punycode for IDNs), without brackets.
    pub host: String,
    /// Whether the host is a name or an IP literal.
    pub host_kind: HostKind,
    pub port: u16,
    /// The request path, starting with `/`, query included (may hold secrets).
    pub path_and_query: String,
}

/// A DNS name or an IP literal: rustls sends no SNI for the latter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    Dns,
    Ip(IpAddr),
}

/// Why a target could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("empty target: give a host such as api.openai.com or https://host:port/path")]
    Empty,
    #[error("target '{input}': scheme '{scheme}' is not supported; tlsdoctor checks https (write https://host or host:port)")]
    Scheme { input: String, scheme: String },
    #[error("target '{input}': port {port} is out of range (1-65535)")]
    PortRange { input: String, port: String },
    #[error("target '{input}': {reason}")]
    Invalid { input: String, reason: String },
}

impl Target {
    /// Parse one target as typed on the command line or in a targets file.
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TargetError::Empty);
        }
        let invalid = |reason: &str| TargetError::Invalid {
            input: redact(trimmed),
            reason: reason.to_string(),
        };
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "a host cannot contain spaces or control characters",
            ));
        }

        let with_scheme = match trimmed.split_once("://") {
            Some((scheme, _)) if !scheme.eq_ignore_ascii_case("https") => {
                return Err(TargetError::Scheme {
                    input: redact(trimmed),
                    scheme: scheme.to_string(),
                });
            }
            Some(_) => trimmed.to_string(),
            // A bare IPv6 address such as ::1 has colons that are not a port.
            None if trimmed.parse::<std::net::Ipv6Addr>().is_ok() => format!("https://[{trimmed}]"),
            None => format!("https://{trimmed}"),
        };

        let with_scheme = encode_userinfo(&with_scheme);
        check_port_text(trimmed, &with_scheme)?;
        let url = Url::parse(&with_scheme).map_err(|e| invalid(&url_error_text(e)))?;
        let (host, host_kind) = match url.host() {
            Some(Host::Domain(d)) => {
                // One trailing dot is the root (fully qualified). Only one:
                // `85..` trimmed to `85` would be a name here but the
                // address 0.0.0.85 to the URL parser and the resolver.
                let d = d.strip_suffix('.').unwrap_or(d).to_string();
                if d.is_empty() {
                    return Err(invalid("missing host name"));
                }
                if d.split('.').any(str::is_empty) {
                    return Err(invalid("the host name has an empty label ('..')"));
                }
                (d, HostKind::Dns)
            }
            Some(Host::Ipv4(a)) => (a.to_string(), HostKind::Ip(IpAddr::V4(a))),
            Some(Host::Ipv6(a)) => (a.to_string(), HostKind::Ip(IpAddr::V6(a))),
            None => return Err(invalid("missing host name")),
        };
        let port = url.port_or_known_default().unwrap_or(443);
        if port == 0 {
            return Err(TargetError::PortRange {
                input: redact(trimmed),
                port: "0".into(),
            });
        }
        let mut path_and_query = url.path().to_string();
        if let Some(q) = url.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        Ok(Target {
            display: redact(trimmed),
            host,
            host_kind,
            port,
            path_and_query,
        })
    }

    /// The request path without its query: safe to print.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("/")
    }

    /// Whether the host counts as local (DESIGN.md, "Words").
    pub fn is_local(&self) -> bool {
        is_local_host(&self.host, self.host_kind)
    }

    /// `host:port`, with brackets around IPv6 literals.
    pub fn authority(&self) -> String {
        match self.host_kind {
            HostKind::Ip(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// DESIGN.md: `localhost`, `*.localhost`, `.local`, `.internal`, `.lan`,
/// `.home.arpa`, `.test`, a single label, or a loopback/private IP literal.
pub fn is_local_host(host: &str, kind: HostKind) -> bool {
    match kind {
        HostKind::Ip(ip) => is_private_ip(ip),
        HostKind::Dns => {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            const LOCAL_SUFFIXES: [&str; 6] = [
                ".localhost",
                ".local",
                ".internal",
                ".lan",
                ".home.arpa",
                ".test",
            ];
            host == "localhost"
                || !host.contains('.')
                || LOCAL_SUFFIXES.iter().any(|s| host.ends_with(s))
        }
    }
}

/// An address a checked server may send the HTTP probe to (DESIGN.md,
/// Untrusted input → Redirects): not loopback, private, link-local,
/// shared (100.64.0.0/10), unspecified, broadcast or multicast.
pub fn is_public_ip(ip: IpAddr) -> bool {
    if is_private_ip(ip) || ip.is_multicast() {
        return false;
    }
    match ip {
        IpAddr::V4(a) => {
            let [first, second, ..] = a.octets();
            !(a.is_broadcast() || first == 0 || (first == 100 && (64..128).contains(&second)))
        }
        IpAddr::V6(_) => true,
    }
}

fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_loopback() || a.is_private() || a.is_link_local() || a.is_unspecified()
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link local fe80::/10
                || a.to_ipv4_mapped().is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

/// The userinfo ends at the last `@` (as the one redactor reads it), even
/// when the password holds `/`: percent-encode what the URL parser would
/// take for the end of the authority, so that the host is what follows that
/// `@`. Left alone when a `?` or `#` comes before it (a query may hold `@`).
fn encode_userinfo(with_scheme: &str) -> String {
    let Some((scheme, rest)) = with_scheme.split_once("://") else {
        return with_scheme.to_string();
    };
    let Some(at) = rest.rfind('@') else {
        return with_scheme.to_string();
    };
    if rest.find(['?', '#']).is_some_and(|q| q < at) {
        return with_scheme.to_string();
    }
    let (userinfo, host_and_rest) = rest.split_at(at);
    let encoded = userinfo
        .replace('/', "%2F")
        .replace('\\', "%5C")
        .replace('@', "%40");
    format!("{scheme}://{encoded}{host_and_rest}")
}

/// The url crate accepts port 0 and says little about large ports; find the
/// port text ourselves so the message can quote it.
fn check_port_text(input: &str, with_scheme: &str) -> Result<(), TargetError> {
    let rest = with_scheme
        .split_once("://")
        .map_or(with_scheme, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let port_text = if let Some(after_bracket) = host_port.strip_prefix('[') {
        after_bracket.split_once("]:").map(|(_, p)| p)
    } else {
        host_port.split_once(':').map(|(_, p)| p)
    };
    match port_text {
        Some("") => Err(TargetError::Invalid {
            input: redact(input),
            reason: "empty port after ':'".into(),
        }),
        Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => Err(TargetError::Invalid {
            input: redact(input),
            reason: format!("port '{p}' is not a number"),
        }),
        Some(p) if p.parse::<u16>().map_or(true, |n| n == 0) => Err(TargetError::PortRange {
            input: redact(input),
            port: p.to_string(),
        }),
        _ => Ok(()),
    }
}

fn url_error_text(e: url::ParseError) -> String {
    match e {
        url::ParseError::InvalidDomainCharacter => {
            "the host contains a character not allowed in a domain name".into()
        }
        url::ParseError::IdnaError => {
            "the host is not a valid internationalised domain name".into()
        }
        url::ParseError::EmptyHost => "missing host name".into(),
        url::ParseError::InvalidIpv6Address => {
            "invalid IPv6 address (write it as [::1]:443)".into()
        }
        url::ParseError::InvalidIpv4Address => "invalid IPv4 address".into(),
        other => other.to_string(),
    }
}

/// Remove what must never be printed from a URL-ish string (userinfo up to
/// the last `@`, query values and words, fragments): the one redactor.
pub use crate::untrusted::redact_url as redact;

/// A `--resolve HOST:PORT:ADDR` override, as in curl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl ResolveOverride {
    /// Parse `HOST:PORT:ADDR`; ADDR may be an IPv6 literal, with or without brackets.
    pub fn parse(s: &str) -> Result<ResolveOverride, String> {
        let bad = |why: &str| {
            format!("--resolve '{s}': {why} (expected HOST:PORT:ADDRESS, e.g. example.com:443:127.0.0.1)")
        };
        let mut parts = s.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not enough fields"));
        };
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("port must be 1-65535"))?;
        let addr_text = addr.trim_start_matches('[').trim_end_matches(']');
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| bad("address is not an IP address"))?;
        let host = Target::parse(host).map_err(|e| bad(&e.to_string()))?.host;
        Ok(ResolveOverride { host, port, addr })
    }

    /// The socket address to use for `target`, when this override applies.
    pub fn applies_to(&self, target: &Target) -> Option<SocketAddr> {
        (self.host.eq_ignore_ascii_case(&target.host) && self.port == target.port)
            .then_some(SocketAddr::new(self.addr, self.port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Target {
        Target::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn accepted_forms() {
        let t = ok("api.openai.com");
        assert_eq!(
            (t.host.as_str(), t.port, t.path()),
            ("api.openai.com", 443, "/")
        );
        let t = ok("localhost:8443");
        assert_eq!((t.host.as_str(), t.port), ("localhost", 8443));
        let t = ok("[::1]:8443");
        assert_eq!(
            (t.host.as_str(), t.port, t.host_kind),
            ("::1", 8443, HostKind::Ip("::1".parse().unwrap()))
        );
        assert_eq!(t.authority(), "[::1]:8443");
        let t = ok("::1");
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        let t = ok("https://Example.COM:8001/mcp?x=1");
        assert_eq!(
            (t.host.as_str(), t.port, t.path(), t.path_and_query.as_str()),
            ("example.com", 8001, "/mcp", "/mcp?x=1")
        );
        let t = ok("HTTPS://example.com");
        assert_eq!(t.port, 443);
        let t = ok("127.0.0.1:4433");
        assert_eq!(t.host_kind, HostKind::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!(ok("example.com.").host, "example.com");
    }

    #[test]
    fn idn_becomes_punycode() {
        assert_eq!(ok("bücher.example").host, "xn--bcher-kva.example");
        assert_eq!(ok("https://пример.рф/").host, "xn--e1afmkfd.xn--p1ai");
    }

    #[test]
    fn rejected_forms() {
        assert_eq!(Target::parse("  "), Err(TargetError::Empty));
        assert!(matches!(
            Target::parse("host:0"),
            Err(TargetError::PortRange { .. })
        ));
        assert!(matches!(
            Target::parse("host:65536"),
            Err(TargetError::PortRange { .. })
        ));
        assert!(matches!(
            Target::parse("https://[::1]:70000"),
            Err(TargetError::PortRange { .. })
        ));
        assert!(matches!(
            Target::parse("ftp://host"),
            Err(TargetError::Scheme { .. })
        ));
        assert!(matches!(
            Target::parse("http://host"),
            Err(TargetError::Scheme { .. })
        ));
        assert!(matches!(
            Target::parse("ho st"),
            Err(TargetError::Invalid { .. })
        ));
        assert!(matches!(
            Target::parse("host:abc"),
            Err(TargetError::Invalid { .. })
        ));
        assert!(matches!(
            Target::parse("host:"),
            Err(TargetError::Invalid { .. })
        ));
        assert!(matches!(
            Target::parse("https://"),
            Err(TargetError::Invalid { .. })
        ));
        assert!(matches!(
            Target::parse("[::1"),
            Err(TargetError::Invalid { .. })
        ));
    }

    #[test]
    fn a_host_is_a_name_or_an_address_never_both() {
        // Found by the target_parse fuzzer: `85..` once became the name
        // `85`, which the URL parser and the resolver read as 0.0.0.85.
        for bad in ["85..", "a..b", "example.com..", "..example.com"] {
            assert!(
                matches!(Target::parse(bad), Err(TargetError::Invalid { .. })),
                "{bad}"
            );
        }
        let t = ok("example.com.");
        assert_eq!(
            (t.host.as_str(), t.host_kind),
            ("example.com", HostKind::Dns)
        );
        let t = ok("85.");
        assert_eq!(t.host_kind, HostKind::Ip("0.0.0.85".parse().unwrap()));
    }

    #[test]
    fn errors_never_echo_secrets() {
        let e = Target::parse("https://user:hunter2@host:99999/?token=abc")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2") && !e.contains("abc"), "{e}");
        let t = ok("https://user:hunter2@example.com/x?token=abc&flag");
        assert_eq!(
            t.display,
            "https://REDACTED@example.com/x?token=REDACTED&REDACTED"
        );
        assert_eq!(t.path_and_query, "/x?token=abc&flag");
        // A password holding '/': the userinfo still ends at the last '@'.
        let t = ok("https://user:pa/SECRET@example.com:8443/x#access_token=abc");
        assert_eq!((t.host.as_str(), t.port), ("example.com", 8443));
        assert_eq!(t.display, "https://REDACTED@example.com:8443/x#REDACTED");
        for bad in [
            "https://user:pa/SECRET@host:99999/",
            "https://user:pa/SECRET@ho st/",
            "ftp://user:pa/SECRET@host/",
            "https://u:p?SECRET@host:x/",
        ] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("SECRET") && !e.contains("pa/"), "{bad}: {e}");
        }
    }

    #[test]
    fn locality() {
        for local in [
            "localhost",
            "app.localhost",
            "printer.local",
            "db.internal",
            "nas.lan",
            "x.home.arpa",
            "site.test",
            "intranet",
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "[::1]",
            "[fd00::1]",
        ] {
            assert!(ok(local).is_local(), "{local} should be local");
        }
        for public in [
            "api.openai.com",
            "8.8.8.8",
            "example.com",
            "[2606:4700::1111]",
            "localhost.example.com",
        ] {
            assert!(!ok(public).is_local(), "{public} should be public");
        }
    }

    #[test]
    fn resolve_override() {
        let r = ResolveOverride::parse("api.example.com:8443:127.0.0.1").unwrap();
        assert_eq!(
            r.applies_to(&ok("API.example.com:8443")),
            Some("127.0.0.1:8443".parse().unwrap())
        );
        assert_eq!(r.applies_to(&ok("api.example.com:443")), None);
        let r = ResolveOverride::parse("h:443:[::1]").unwrap();
        assert_eq!(r.addr, "::1".parse::<IpAddr>().unwrap());
        assert!(ResolveOverride::parse("h:443:::1").is_ok());
        for bad in ["garbage", "h:0:127.0.0.1", "h:443:nope", ":443:127.0.0.1"] {
            assert!(ResolveOverride::parse(bad).is_err(), "{bad}");
        }
    }
}
