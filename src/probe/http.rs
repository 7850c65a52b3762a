//! The HTTP/1.1 probe: one `GET` for the target's path, following https
//! redirects, a new connection per hop.
//!
//! It exists for failures that look like TLS and are not — above all a
//! redirect from `https://host:8001/mcp` to `http://host/mcp/` by an app
//! behind a TLS-terminating proxy. It records each hop and why it stopped;
//! Diagnose decides what that means.
//!
//! Bounds: a response head is read under the stage deadline and at most
//! [`MAX_HEAD_BYTES`]; at most [`MAX_REDIRECTS`] redirects are followed.
//! Nothing but `Host`, `User-Agent`, `Accept` and `Connection` is sent: no
//! credentials, no cookies, even when the target URL carried userinfo.

use std::collections::HashSet;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use url::Url;

use crate::observation::{HttpHop, HttpObservation, HttpStop};
use crate::target::Target;

/// Redirects followed before the probe gives up.
pub const MAX_REDIRECTS: usize = 5;
/// The largest response head read.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header lines parsed.
const MAX_HEADERS: usize = 128;

/// A response head: status and the headers that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub location: Option<String>,
}

/// Why an exchange produced no head.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    #[error("no response head within {0:?}")]
    TimedOut(Duration),
    #[error(
        "the server closed the connection before a complete response head ({0} bytes received)"
    )]
    Closed(usize),
    #[error("the response head is larger than {MAX_HEAD_BYTES} bytes")]
    TooLarge,
    #[error("the response has more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    #[error("malformed response head: {0}")]
    Malformed(String),
    #[error("{0}")]
    Io(String),
}

/// The request line and headers for `url` (no credentials, ever).
pub fn request_head(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tlsdoctor/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Send one GET on `stream` and read the response head, within `timeout`.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    url: &Url,
    timeout: Duration,
) -> Result<Head, HeadError> {
    let work = async {
        stream
            .write_all(request_head(url).as_bytes())
            .await
            .map_err(|e| HeadError::Io(e.to_string()))?;
        stream
            .flush()
            .await
            .map_err(|e| HeadError::Io(e.to_string()))?;
        read_head(stream).await
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or(Err(HeadError::TimedOut(timeout)))
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Head, HeadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(n) => n,
            // Servers that answer and close without close_notify are common.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(HeadError::Io(e.to_string())),
        };
        if n == 0 {
            return Err(HeadError::Closed(buf.len()));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        loop {
            match parse_head(&buf)? {
                Parsed::Complete { head, consumed }
                    if (100..200).contains(&head.status) && head.status != 101 =>
                {
                    // An interim response (100 Continue, 103 Early Hints): the real one follows.
                    buf.drain(..consumed);
                }
                Parsed::Complete { head, .. } => return Ok(head),
                Parsed::Partial => break,
            }
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

/// What [`parse_head`] made of the bytes so far.
pub enum Parsed {
    Complete { head: Head, consumed: usize },
    Partial,
}

/// Parse a response head from the bytes read so far (public for fuzzing).
pub fn parse_head(buf: &[u8]) -> Result<Parsed, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(buf) {
        Ok(httparse::Status::Complete(consumed)) => {
            let status = response
                .code
                .ok_or_else(|| HeadError::Malformed("no status code".into()))?;
            let location = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("location"))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_string());
            Ok(Parsed::Complete {
                head: Head { status, location },
                consumed,
            })
        }
        Ok(httparse::Status::Partial) => Ok(Parsed::Partial),
        Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooManyHeaders),
        Err(e) => Err(HeadError::Malformed(e.to_string())),
    }
}

/// Whether `status` is a redirect that carries a Location.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// What to do with a redirect from `from` to `to`: `None` to follow it.
///
/// A port is lost when the destination is the same host and its effective
/// port is the default while the origin's was not (DESIGN.md, Redirects);
/// any other https port or host is followed (the policy on which
/// destinations may be reached is the fetcher's).
pub fn next_step(from: &Url, to: &Url) -> Option<HttpStop> {
    match to.scheme() {
        "https" => {}
        "http" => return Some(HttpStop::NotHttps),
        other => return Some(HttpStop::OtherScheme(other.to_string())),
    }
    let same_host =
        from.host_str().map(str::to_ascii_lowercase) == to.host_str().map(str::to_ascii_lowercase);
    let default = Some(443);
    if same_host && to.port_or_known_default() == default && from.port_or_known_default() != default
    {
        return Some(HttpStop::PortChanged);
    }
    None
}

/// Why one fetch produced no head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The request failed (connection, TLS, timeout, malformed head).
    Failed(String),
    /// The destination is one the probe must not reach; why.
    NotFollowed(String),
}

/// The URL of the first request for `target` (credentials never included).
pub fn start_url(target: &Target) -> Option<Url> {
    Url::parse(&format!(
        "https://{}{}",
        target.authority(),
        target.path_and_query
    ))
    .ok()
}

/// Follow redirects from a first response. `fetch` performs one request
/// (a new connection per hop); the first request may reuse the handshake's
/// connection, which the caller arranges.
pub async fn follow<F, Fut>(first_url: Url, mut fetch: F) -> HttpObservation
where
    F: FnMut(Url, usize) -> Fut,
    Fut: std::future::Future<Output = Result<Head, FetchError>>,
{
    let mut obs = HttpObservation::default();
    let mut seen = HashSet::new();
    let mut url = first_url;
    for hop in 0..=MAX_REDIRECTS {
        seen.insert(url.to_string());
        let head = match fetch(url.clone(), hop).await {
            Ok(head) => head,
            Err(FetchError::NotFollowed(why)) => {
                obs.stop = HttpStop::NotFollowed(why);
                return obs;
            }
            Err(FetchError::Failed(message)) => {
                obs.hops.push(HttpHop {
                    url: url.to_string(),
                    status: None,
                    location: None,
                    raw_location: None,
                });
                obs.stop = HttpStop::Failed(message);
                return obs;
            }
        };
        let mut record = HttpHop {
            url: url.to_string(),
            status: Some(head.status),
            location: None,
            raw_location: None,
        };
        if !is_redirect(head.status) {
            obs.hops.push(record);
            obs.stop = HttpStop::Final;
            return obs;
        }
        let Some(raw) = head.location else {
            obs.hops.push(record);
            obs.stop = HttpStop::BadLocation("a redirect without a Location header".into());
            return obs;
        };
        let next = match url.join(&raw) {
            Ok(next) => next,
            Err(e) => {
                record.raw_location = Some(raw.clone());
                obs.hops.push(record);
                obs.stop = HttpStop::BadLocation(format!("Location '{raw}' is not a URL ({e})"));
                return obs;
            }
        };
        record.location = Some(next.to_string());
        if raw != next.as_str() {
            record.raw_location = Some(raw);
        }
        obs.hops.push(record);
        if let Some(stop) = next_step(&url, &next) {
            obs.stop = stop;
            return obs;
        }
        if seen.contains(next.as_str()) {
            obs.stop = HttpStop::Loop;
            return obs;
        }
        if hop == MAX_REDIRECTS {
            break;
        }
        // Never carry credentials into the next request.
        let mut next = next;
        let _ = next.set_username("");
        let _ = next.set_password(None);
        url = next;
    }
    obs.stop = HttpStop::TooManyRedirects {
        limit: MAX_REDIRECTS,
    };
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn request_has_host_with_port_and_no_credentials() {
        let head = request_head(&url("https://user:pw@example.com:8001/mcp?x=1"));
        assert!(
            head.starts_with("GET /mcp?x=1 HTTP/1.1\r\nHost: example.com:8001\r\n"),
            "{head}"
        );
        assert!(
            !head.contains("pw")
                && !head.contains("user")
                && !head.to_lowercase().contains("authorization")
        );
        assert!(request_head(&url("https://example.com/")).contains("Host: example.com\r\n"));
        assert!(head.ends_with("Connection: close\r\n\r\n"));
    }

    #[test]
    fn parses_heads_and_skips_interim_responses() {
        let Parsed::Complete { head, .. } = parse_head(
            b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://localhost/mcp/\r\n\r\n",
        )
        .unwrap() else {
            panic!("complete")
        };
        assert_eq!(
            head,
            Head {
                status: 307,
                location: Some("http://localhost/mcp/".into())
            }
        );
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\nServer: x"),
            Ok(Parsed::Partial)
        ));
        assert!(matches!(
            parse_head(b"garbage\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn reads_a_head_split_across_reads_and_bounds_it() {
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let _ = server
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2")
                .await;
            let _ = server.write_all(b"04 No Content\r\n\r\n").await;
        });
        let head = read_head(&mut client).await.unwrap();
        assert_eq!(head.status, 204);

        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let _ = server.write_all(b"HTTP/1.1 200 OK\r\n").await;
            let line = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
            for _ in 0..100_000 {
                if server.write_all(line).await.is_err() {
                    break;
                }
            }
        });
        let err = read_head(&mut client).await.unwrap_err();
        assert!(
            matches!(err, HeadError::TooLarge | HeadError::TooManyHeaders),
            "{err:?}"
        );
    }

    #[test]
    fn classifies_redirect_targets() {
        let from = url("https://localhost:8001/mcp");
        assert_eq!(
            next_step(&from, &url("http://localhost/mcp/")),
            Some(HttpStop::NotHttps)
        );
        assert_eq!(
            next_step(&from, &url("https://localhost/mcp/")),
            Some(HttpStop::PortChanged)
        );
        assert_eq!(
            next_step(&from, &url("https://localhost:443/mcp/")),
            Some(HttpStop::PortChanged)
        );
        // Another non-default port is a destination, not a lost port.
        assert_eq!(next_step(&from, &url("https://localhost:1010/")), None);
        assert_eq!(
            next_step(&from, &url("javascript:alert(1)")),
            Some(HttpStop::OtherScheme("javascript".into()))
        );
        assert_eq!(
            next_step(&from, &url("file:///etc/passwd")),
            Some(HttpStop::OtherScheme("file".into()))
        );
        assert_eq!(next_step(&from, &url("https://localhost:8001/mcp/")), None);
        assert_eq!(next_step(&from, &url("https://other.example/")), None);
        let from = url("https://example.com/a");
        assert_eq!(next_step(&from, &url("https://example.com:443/b")), None);
    }

    #[tokio::test]
    async fn follows_relative_redirects_and_stops_on_loops() {
        let obs = follow(url("https://h:8443/a"), |u, _| async move {
            match u.path() {
                "/a" => Ok(Head {
                    status: 301,
                    location: Some("b/".into()),
                }),
                "/b/" => Ok(Head {
                    status: 200,
                    location: None,
                }),
                _ => Err(FetchError::Failed("unexpected".into())),
            }
        })
        .await;
        assert_eq!(obs.stop, HttpStop::Final);
        assert_eq!(obs.hops[0].location.as_deref(), Some("https://h:8443/b/"));
        assert_eq!(obs.hops[0].raw_location.as_deref(), Some("b/"));
        assert_eq!(obs.hops[1].status, Some(200));

        let obs = follow(url("https://h/a"), |u, _| async move {
            let next = if u.path() == "/a" { "/b" } else { "/a" };
            Ok(Head {
                status: 302,
                location: Some(next.into()),
            })
        })
        .await;
        assert_eq!(obs.stop, HttpStop::Loop);
        assert_eq!(obs.hops.len(), 2);

        let obs = follow(url("https://h/0"), |u, _| async move {
            let n: u32 = u.path()[1..].parse().unwrap();
            Ok(Head {
                status: 302,
                location: Some(format!("/{}", n + 1)),
            })
        })
        .await;
        assert_eq!(
            obs.stop,
            HttpStop::TooManyRedirects {
                limit: MAX_REDIRECTS
            }
        );
        assert_eq!(obs.hops.len(), MAX_REDIRECTS + 1);
    }
}
