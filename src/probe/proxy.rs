/*!
Proxies: which one a connection uses, and the HTTP `CONNECT` tunnel through it.

Three things live here, and nothing else:

- **The proxy URL** ([`ProxyUrl`], parsed in [`crate::proxy_url`]):
  `http://[user:pass@]host[:port]`, as curl reads it (no scheme means
  `http://`, no port means 1080). The userinfo is percent-decoded and used
  for `Proxy-Authorization: Basic`; it is never printed: [`ProxyUrl::display`],
  `Debug` and every error message leave it out, whatever the input looked like.
- **The choice** ([`select`]): `--proxy` (always), `--no-proxy` (never), or
  the environment as curl reads it for an https URL — `https_proxy`, then
  `HTTPS_PROXY`, then `all_proxy`, then `ALL_PROXY` (the first one present
  wins; present but empty means no proxy) — unless `no_proxy`/`NO_PROXY`
  ([`NoProxy`], curl's rules) names the host.
- **The tunnel** ([`tunnel`]): one `CONNECT host:port HTTP/1.1`, the answer's
  head read with httparse, at most [`MAX_CONNECT_HEAD`] bytes and within the
  stage deadline. Exactly the head is consumed (the stream is peeked first),
  so the TLS bytes that follow are left for the handshake.

Failures come back as [`Failure::Proxy`] with a [`ProxyErrorKind`]; Diagnose
says what they mean. Only `http://` proxies are spoken: an `https://` or
SOCKS proxy is reported as unsupported rather than tried the wrong way.
*/

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::observation::{printable_prefix, Failure, ProxyErrorKind};
use crate::probe::ProxyChoice;
pub use crate::proxy_url::{ProxyUrl, ProxyUrlError, DEFAULT_PROXY_PORT};

/// The largest `CONNECT` response head read from a proxy.
pub const MAX_CONNECT_HEAD: usize = 16 * 1024;
/// The most header lines parsed in a `CONNECT` response.
const MAX_HEADERS: usize = 64;
/// Remove userinfo (up to the last `@`) and any path from proxy text that
/// may not parse, for error messages: the one redactor's proxy form.
pub use crate::untrusted::redact_proxy as redact_text;

// ---------------------------------------------------------------------------
// NO_PROXY

/// A `NO_PROXY` list, matched with curl's rules (lib/noproxy.c): entries
/// separated by commas or blanks; `*` alone matches every host; a name
/// matches itself and its subdomains (`example.com` and `.example.com`
/// both match `www.example.com`, never `notexample.com`), case-insensitive,
/// trailing dots ignored; an IP literal or CIDR range (`10.0.0.0/8`,
/// `::1`, `[::1]`) matches IP-literal hosts only. Beyond curl, as Go and
/// Python do: an entry with a port (`example.com:8443`) matches only that port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    entries: Vec<NoProxyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyEntry {
    Name {
        name: String,
        port: Option<u16>,
    },
    Ip {
        net: IpAddr,
        bits: Option<u8>,
        port: Option<u16>,
    },
}

impl NoProxy {
    /// Parse a list; unusable entries are skipped, as curl skips them.
    pub fn parse(list: &str) -> NoProxy {
        if list.trim() == "*" {
            return NoProxy {
                all: true,
                entries: Vec::new(),
            };
        }
        let entries = list
            .split([',', ' ', '\t'])
            .filter(|t| !t.is_empty())
            .filter_map(parse_entry)
            .collect();
        NoProxy {
            all: false,
            entries,
        }
    }

    /// Whether a connection to `host:port` bypasses the proxy. `host` is a
    /// name or an IP literal (brackets allowed).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip = host.parse::<IpAddr>().ok();
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|entry| match (entry, ip) {
            (
                NoProxyEntry::Name {
                    name: pattern,
                    port: p,
                },
                None,
            ) => {
                p.is_none_or(|p| p == port)
                    && (name == *pattern
                        || (name.len() > pattern.len()
                            && name.ends_with(pattern.as_str())
                            && name.as_bytes().get(name.len() - pattern.len() - 1) == Some(&b'.')))
            }
            (NoProxyEntry::Ip { net, bits, port: p }, Some(ip)) => {
                p.is_none_or(|p| p == port) && ip_in(ip, *net, *bits)
            }
            _ => false,
        })
    }
}

fn parse_entry(token: &str) -> Option<NoProxyEntry> {
    // [v6]:port, [v6], v6, v6/bits
    if let Some(rest) = token.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return ip_entry(addr, port);
    }
    if token.matches(':').count() > 1 {
        return ip_entry(token, None);
    }
    let (base, port) = match token.rsplit_once(':') {
        Some((b, p)) => (b, Some(p.parse::<u16>().ok()?)),
        None => (token, None),
    };
    if let Some(entry) = ip_entry(base, port) {
        return Some(entry);
    }
    let name = base.trim_end_matches('.');
    let name = name.strip_prefix('.').unwrap_or(name).to_ascii_lowercase();
    // curl also strips a leading "*." in effect: "*.example.com" never matches
    // a real name there; accept it as the domain, as most users mean.
    let name = name.strip_prefix("*.").unwrap_or(&name).to_string();
    (!name.is_empty()).then_some(NoProxyEntry::Name { name, port })
}

fn ip_entry(text: &str, port: Option<u16>) -> Option<NoProxyEntry> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let net: IpAddr = addr.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    if bits.is_some_and(|b| b > max) {
        return None;
    }
    Some(NoProxyEntry::Ip { net, bits, port })
}

fn ip_in(ip: IpAddr, net: IpAddr, bits: Option<u8>) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = u32::from(bits.unwrap_or(32));
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = u32::from(bits.unwrap_or(128));
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Choosing

/// The proxy for an https connection to `host:port`, or `None` for a direct
/// connection. `getenv` reads a variable (the process environment in
/// production, a table in tests).
pub fn select(
    choice: &ProxyChoice,
    host: &str,
    port: u16,
    getenv: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyUrl>, ProxyUrlError> {
    let text = match choice {
        ProxyChoice::Direct => return Ok(None),
        ProxyChoice::Url(url) => url.clone(),
        ProxyChoice::FromEnvironment => {
            let Some(text) = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
                .iter()
                .find_map(|name| getenv(name))
            else {
                return Ok(None);
            };
            if text.trim().is_empty() {
                return Ok(None);
            }
            let no_proxy = ["no_proxy", "NO_PROXY"]
                .iter()
                .find_map(|name| getenv(name))
                .unwrap_or_default();
            if NoProxy::parse(&no_proxy).matches(host, port) {
                return Ok(None);
            }
            text
        }
    };
    ProxyUrl::parse(&text).map(Some)
}

/// The proxy for `host:port` as this process's environment says.
pub fn select_from_process(
    choice: &ProxyChoice,
    host: &str,
    port: u16,
) -> Result<Option<ProxyUrl>, ProxyUrlError> {
    select(choice, host, port, |name| std::env::var(name).ok())
}

// ---------------------------------------------------------------------------
// The tunnel

/// Ask the proxy on `stream` for a tunnel to `authority` (`host:port`), all
/// within `timeout`. On success the stream is at the first byte of the
/// tunnel.
pub async fn tunnel(
    stream: &mut TcpStream,
    proxy: &ProxyUrl,
    authority: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let shown = proxy.display();
    let fail = |kind, message: String| Failure::Proxy { kind, message };
    let mut request = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: tlsdoctor/{}\r\nProxy-Connection: Keep-Alive\r\n",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(auth) = proxy.basic_authorization() {
        request.push_str("Proxy-Authorization: ");
        request.push_str(&auth);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let work = async {
        stream.write_all(request.as_bytes()).await.map_err(|e| {
            fail(
                ProxyErrorKind::Unreachable,
                format!("cannot send CONNECT to the proxy {shown}: {e}"),
            )
        })?;
        read_connect_head(stream, &shown).await
    };
    let head = match tokio::time::timeout(timeout, work).await {
        Ok(result) => result?,
        Err(_) => {
            return Err(fail(
                ProxyErrorKind::TimedOut,
                format!(
                    "the proxy {shown} accepted the connection but did not answer CONNECT {authority} within {timeout:?}"
                ),
            ))
        }
    };
    match head.status {
        200..=299 => Ok(()),
        407 => {
            let schemes = if head.authenticate.is_empty() {
                "no Proxy-Authenticate header".to_string()
            } else {
                format!("it asks for: {}", head.authenticate.join(", "))
            };
            let sent = if proxy.has_credentials() {
                "credentials from the proxy URL were sent (Basic) and rejected"
            } else {
                "no credentials were sent (the proxy URL has none)"
            };
            Err(fail(
                ProxyErrorKind::AuthenticationRequired {
                    credentials_sent: proxy.has_credentials(),
                },
                format!(
                    "the proxy {shown} answered \"{}\": {sent}; {schemes}",
                    head.status_line
                ),
            ))
        }
        status => Err(fail(
            ProxyErrorKind::Refused { status },
            format!(
                "the proxy {shown} refused CONNECT {authority}: \"{}\"",
                head.status_line
            ),
        )),
    }
}

/// What the proxy answered to CONNECT.
struct ConnectHead {
    status: u16,
    /// The status line as sent, printable characters only.
    status_line: String,
    /// `Proxy-Authenticate` schemes (`Basic`, `Negotiate`, `NTLM`).
    authenticate: Vec<String>,
}

/// Read exactly the response head: peek, parse, then consume only the head.
async fn read_connect_head(stream: &mut TcpStream, shown: &str) -> Result<ConnectHead, Failure> {
    let not_http = |bytes: &[u8]| Failure::Proxy {
        kind: ProxyErrorKind::NotHttp,
        message: if bytes.is_empty() {
            format!("the proxy {shown} closed the connection without answering CONNECT")
        } else {
            format!(
                "the proxy {shown} does not speak HTTP: it answered \"{}\"",
                printable_prefix(bytes.get(..64).unwrap_or(bytes))
            )
        },
    };
    let io_error = |e: std::io::Error| Failure::Proxy {
        kind: ProxyErrorKind::NotHttp,
        message: format!("the connection to the proxy {shown} failed during CONNECT: {e}"),
    };
    let mut head: Vec<u8> = Vec::new();
    let mut peeked = vec![0u8; 4096];
    loop {
        let n = stream.peek(&mut peeked).await.map_err(io_error)?;
        if n == 0 {
            return Err(not_http(&head));
        }
        let mut candidate = head.clone();
        candidate.extend_from_slice(peeked.get(..n).unwrap_or_default());
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&candidate) {
            Ok(httparse::Status::Complete(len)) => {
                let status = response.code.unwrap_or(0);
                let authenticate = response
                    .headers
                    .iter()
                    .filter(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
                    .filter_map(|h| {
                        String::from_utf8_lossy(h.value)
                            .split_whitespace()
                            .next()
                            .map(str::to_string)
                    })
                    .collect();
                let status_line = printable_prefix(&candidate);
                // Consume the head only; what follows belongs to the tunnel.
                let mut rest = vec![0u8; len.saturating_sub(head.len())];
                stream.read_exact(&mut rest).await.map_err(io_error)?;
                return Ok(ConnectHead {
                    status,
                    status_line,
                    authenticate,
                });
            }
            Ok(httparse::Status::Partial) => {
                let mut taken = vec![0u8; n];
                stream.read_exact(&mut taken).await.map_err(io_error)?;
                head.extend_from_slice(&taken);
                if head.len() > MAX_CONNECT_HEAD {
                    return Err(Failure::Proxy {
                        kind: ProxyErrorKind::NotHttp,
                        message: format!(
                            "the proxy {shown} sent more than {MAX_CONNECT_HEAD} bytes without ending its answer to CONNECT"
                        ),
                    });
                }
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Failure::Proxy {
                    kind: ProxyErrorKind::NotHttp,
                    message: format!(
                    "the proxy {shown} answered CONNECT with more than {MAX_HEADERS} header lines"
                ),
                })
            }
            Err(_) => return Err(not_http(&candidate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn chosen(pairs: &[(&str, &str)], host: &str, port: u16) -> Option<String> {
        select(&ProxyChoice::FromEnvironment, host, port, env(pairs))
            .unwrap()
            .map(|p| p.display())
    }

    #[test]
    fn parses_like_curl() {
        let p = ProxyUrl::parse("proxy.corp:3128").unwrap();
        assert_eq!(p.display(), "http://proxy.corp:3128");
        let p = ProxyUrl::parse("http://proxy.corp").unwrap();
        assert_eq!(p.port, DEFAULT_PROXY_PORT);
        let p = ProxyUrl::parse("http://[::1]:8080/").unwrap();
        assert_eq!(
            (p.host.as_str(), p.authority()),
            ("::1", "[::1]:8080".into())
        );
        let p = ProxyUrl::parse("HTTP://Proxy.Corp:80").unwrap();
        assert_eq!(p.display(), "http://proxy.corp:80");
        for bad in [
            "http://",
            "http://:8080",
            "http://proxy:99999",
            "http://proxy:0",
            "ht tp://x:1",
            "http://[::1:80",
        ] {
            assert!(ProxyUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_proxy_follows_curl() {
        let np =
            NoProxy::parse("example.com, .corp.internal,10.0.0.0/8 ::1,192.168.1.5 localhost.");
        assert!(np.matches("example.com", 443));
        assert!(np.matches("EXAMPLE.com.", 443));
        assert!(np.matches("www.example.com", 443));
        assert!(!np.matches("notexample.com", 443));
        assert!(!np.matches("example.com.evil", 443));
        assert!(np.matches("corp.internal", 443));
        assert!(np.matches("git.corp.internal", 443));
        assert!(np.matches("10.1.2.3", 443));
        assert!(!np.matches("11.1.2.3", 443));
        assert!(np.matches("::1", 443));
        assert!(np.matches("[::1]", 443));
        assert!(np.matches("192.168.1.5", 443));
        assert!(!np.matches("192.168.1.6", 443));
        assert!(np.matches("localhost", 443));
        // An IP entry never matches a name, and a name never matches an IP.
        assert!(!NoProxy::parse("127.0.0.1").matches("localhost", 443));
        assert!(!NoProxy::parse("localhost").matches("127.0.0.1", 443));
    }

    #[test]
    fn no_proxy_wildcard_ports_and_ipv6_ranges() {
        assert!(NoProxy::parse("*").matches("anything.example", 1));
        assert!(NoProxy::parse(" * ").matches("10.0.0.1", 1));
        // '*' inside a list is not the wildcard (curl), but "*.example.com" means the domain.
        assert!(!NoProxy::parse("*,x").matches("example.com", 443));
        assert!(NoProxy::parse("*.example.com").matches("a.example.com", 443));
        let np = NoProxy::parse("example.com:8443,[::1]:9000,127.0.0.1:8080,fd00::/8");
        assert!(np.matches("example.com", 8443));
        assert!(!np.matches("example.com", 443));
        assert!(np.matches("api.example.com", 8443));
        assert!(np.matches("::1", 9000));
        assert!(!np.matches("::1", 9001));
        assert!(np.matches("127.0.0.1", 8080));
        assert!(!np.matches("127.0.0.1", 8081));
        assert!(np.matches("fd12:3456::1", 443));
        assert!(!np.matches("fe80::1", 443));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8", 443));
        assert!(!NoProxy::parse("").matches("example.com", 443));
        assert!(!NoProxy::parse(", ,").matches("example.com", 443));
        assert!(!NoProxy::parse("10.0.0.0/33").matches("10.0.0.1", 443));
    }

    #[test]
    fn environment_order_is_curls() {
        let all = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:2"),
            ("all_proxy", "http://all:3"),
            ("ALL_PROXY", "http://ALL:4"),
        ];
        assert_eq!(chosen(&all, "h", 443).as_deref(), Some("http://lower:1"));
        assert_eq!(
            chosen(&all[1..], "h", 443).as_deref(),
            Some("http://upper:2")
        );
        assert_eq!(chosen(&all[2..], "h", 443).as_deref(), Some("http://all:3"));
        assert_eq!(chosen(&all[3..], "h", 443).as_deref(), Some("http://all:4"));
        assert_eq!(chosen(&[], "h", 443), None);
        // Present but empty: no proxy, and later variables are not consulted.
        assert_eq!(
            chosen(
                &[("HTTPS_PROXY", ""), ("ALL_PROXY", "http://a:1")],
                "h",
                443
            ),
            None
        );
        // http_proxy is for http:// URLs only.
        assert_eq!(
            chosen(
                &[("http_proxy", "http://p:1"), ("HTTP_PROXY", "http://p:1")],
                "h",
                443
            ),
            None
        );
        // no_proxy before NO_PROXY.
        let np = [
            ("HTTPS_PROXY", "http://p:1"),
            ("no_proxy", "a.com"),
            ("NO_PROXY", "h"),
        ];
        assert_eq!(chosen(&np, "h", 443).as_deref(), Some("http://p:1"));
        assert_eq!(chosen(&np, "x.a.com", 443), None);
    }

    #[test]
    fn explicit_choices_ignore_the_environment() {
        let e = env(&[("HTTPS_PROXY", "http://env:1"), ("NO_PROXY", "*")]);
        let url = ProxyChoice::Url("http://cli:2".into());
        assert_eq!(
            select(&url, "h", 443, &e).unwrap().unwrap().display(),
            "http://cli:2"
        );
        assert_eq!(select(&ProxyChoice::Direct, "h", 443, &e).unwrap(), None);
        assert!(select(&ProxyChoice::Url("http://a:b@:1".into()), "h", 443, &e).is_err());
    }
}
