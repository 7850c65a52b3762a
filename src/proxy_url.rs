//! A proxy URL, parsed the way curl reads it (no scheme means `http://`, no
//! port means 1080), as plain data with its credentials private: they are
//! never printed ([`ProxyUrl::display`], `Debug` and every error message
//! leave them out) and only [`crate::probe::proxy`]'s tunnel sends them.
//!
//! Pure parsing: no I/O. Probe connects through it; the `env` audit checks
//! that a proxy variable parses.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::untrusted::redact_proxy as redact_text;

/// curl's default proxy port when the URL names none.
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// A proxy URL, parsed. Its credentials are private and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// `http`, `https`, `socks5`, … (lower case).
    pub scheme: String,
    /// Host name or IP literal, without brackets.
    pub host: String,
    pub port: u16,
    username: Option<String>,
    password: Option<String>,
}

/// A proxy URL that cannot be used. The message never holds credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProxyUrlError(pub String);

impl ProxyUrl {
    /// Parse `[scheme://][user[:password]@]host[:port][/...]` the way curl
    /// does: no scheme is `http`, no port is 1080, a path is ignored.
    pub fn parse(text: &str) -> Result<ProxyUrl, ProxyUrlError> {
        let shown = redact_text(text);
        let bad = |why: &str| {
            ProxyUrlError(format!(
                "proxy URL '{shown}' {why}; expected http://[user:password@]host:port"
            ))
        };
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), text),
        };
        if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad("has an invalid scheme"));
        }
        // The userinfo ends at the last '@', whatever the password holds
        // ('/', '#', '?'): a proxy URL needs no path, query or fragment.
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let hostport = rest
            .get(..rest.find(['/', '?', '#']).unwrap_or(rest.len()))
            .unwrap_or(rest);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("has an unclosed '['"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("has an invalid IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("has junk after ']'"))?,
                ),
            };
            (addr.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"\\^`{|}[]".contains(c))
        {
            return Err(bad("has an invalid host"));
        }
        let port = match port {
            None | Some("") => DEFAULT_PROXY_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(bad("has an invalid port")),
                Ok(p) => p,
            },
        };
        let decode = |s: &str| -> Result<String, ProxyUrlError> {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad("has credentials that are not UTF-8 once percent-decoded"))
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((name, pass)) => (Some(decode(name)?), Some(decode(pass)?)),
                None => (Some(decode(u)?), None),
            },
        };
        Ok(ProxyUrl {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            username,
            password,
        })
    }

    /// `host:port`, with brackets around an IPv6 literal.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// What a report may print: `http://proxy:8080`, plus
    /// ` (credentials removed)` when the URL carried any.
    pub fn display(&self) -> String {
        let base = format!("{}://{}", self.scheme, self.authority());
        if self.has_credentials() {
            format!("{base} (credentials removed)")
        } else {
            base
        }
    }

    /// Whether the URL carried a user name (and perhaps a password).
    pub fn has_credentials(&self) -> bool {
        self.username.is_some() || self.password.is_some()
    }

    /// `Basic base64(user:password)`, when the URL carried credentials.
    pub(crate) fn basic_authorization(&self) -> Option<String> {
        if !self.has_credentials() {
            return None;
        }
        let pair = format!(
            "{}:{}",
            self.username.as_deref().unwrap_or(""),
            self.password.as_deref().unwrap_or("")
        );
        Some(format!("Basic {}", BASE64.encode(pair.as_bytes())))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("url", &self.display())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_decoded_and_never_shown() {
        let p = ProxyUrl::parse("http://alice:p%40ss%3Aw0rd@proxy:8080").unwrap();
        assert_eq!(p.display(), "http://proxy:8080 (credentials removed)");
        assert!(!format!("{p:?}").contains("p@ss"));
        assert_eq!(
            p.basic_authorization().unwrap(),
            "Basic YWxpY2U6cEBzczp3MHJk"
        );
        // An unencoded '@' in the password: the last '@' ends the userinfo.
        let p = ProxyUrl::parse("http://bob:s3cr@t@proxy:8080").unwrap();
        assert_eq!(p.password.as_deref(), Some("s3cr@t"));
        // '/', '#' and '?' in the password: still the last '@'.
        let p = ProxyUrl::parse("http://bob:pa/ss#w?rd@proxy:8080/").unwrap();
        assert_eq!(p.password.as_deref(), Some("pa/ss#w?rd"));
        assert_eq!((p.host.as_str(), p.port), ("proxy", 8080));
        let err = ProxyUrl::parse("http://bob:pa/SECRET@proxy:nope").unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = ProxyUrl::parse("http://bob:hunter2@proxy:notaport").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("credentials removed"), "{err}");
        let err = ProxyUrl::parse("http://bob:hunter2@").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
