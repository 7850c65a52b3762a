//! The one redactor: what a URL, a proxy URL, a configuration key or an
//! `Authorization` header may carry that must never be printed.
//!
//! - userinfo: everything before the **last** `@` after the scheme, whatever
//!   characters the password holds (`/`, `#`, `?`, `@`, `:`);
//! - query strings: every value (`token=REDACTED`) and every bare word;
//! - fragments (`#access_token=…`);
//! - git `http.<url>.<name>` keys, whose `<url>` is a URL like any other;
//! - `Authorization` / `Proxy-Authorization` values (the scheme is kept).
//!
//! Redaction errs on the side of hiding: an `@` in a path or query (which a
//! URL may hold) also hides what comes before it. Pure; prints nothing.

/// What replaces a secret.
pub const REDACTED: &str = "REDACTED";

/// The parts of URL-ish text, split without validating it.
struct Parts<'a> {
    scheme: Option<&'a str>,
    had_userinfo: bool,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

/// Split URL-ish text. `proxy`: a proxy URL needs no query or fragment, so
/// its userinfo always ends at the last '@'.
fn split(text: &str, proxy: bool) -> Parts<'_> {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (Some(s), r)
        }
        _ => (None, text),
    };
    // A relative reference (`/path`, `?q`, `#f`, but not `//authority`)
    // has no userinfo; a proxy URL is never relative. Otherwise the
    // userinfo ends at the last '@', wherever it is.
    let relative = !proxy
        && scheme.is_none()
        && ((rest.starts_with('/') && !rest.starts_with("//")) || rest.starts_with(['?', '#']));
    let first_query_or_fragment = rest.find(['?', '#']);
    let (had_userinfo, rest) = match rest.rfind('@').filter(|_| !relative) {
        // An '@' after a '?' or '#': a query holding '@', or a password
        // holding '?' or '#'. Both readings hide something: hide it all.
        Some(at) if !proxy && first_query_or_fragment.is_some_and(|q| q < at) => {
            return Parts {
                scheme,
                had_userinfo: true,
                authority: REDACTED,
                path: "",
                query: None,
                fragment: None,
            };
        }
        Some(at) => (true, rest.get(at + 1..).unwrap_or_default()),
        None => (false, rest),
    };
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Parts {
        scheme,
        had_userinfo,
        authority,
        path,
        query,
        fragment,
    }
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) => format!("{k}={REDACTED}"),
            None if pair.is_empty() => String::new(),
            None => REDACTED.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A URL (a target, a redirect's `Location`, a git subsection) with its
/// userinfo, query values, bare query words and fragment replaced by
/// `REDACTED`: `https://u:p/w@host/x?token=1&flag#t` →
/// `https://REDACTED@host/x?token=REDACTED&REDACTED#REDACTED`.
pub fn redact_url(text: &str) -> String {
    let p = split(text, false);
    let mut out = String::with_capacity(text.len());
    if let Some(s) = p.scheme {
        out.push_str(s);
        out.push_str("://");
    }
    if p.had_userinfo {
        out.push_str(REDACTED);
        out.push('@');
    }
    out.push_str(p.authority);
    out.push_str(p.path);
    if let Some(q) = p.query {
        out.push('?');
        out.push_str(&redact_query(q));
    }
    if let Some(f) = p.fragment {
        out.push('#');
        if !f.is_empty() {
            out.push_str(REDACTED);
        }
    }
    out
}

/// A proxy URL as reports show it: scheme and `host:port` only (a proxy URL
/// needs no path, and a path could hold a secret), then
/// ` (credentials removed)` when it carried userinfo:
/// `http://u:p/w@proxy:8080/x` → `http://proxy:8080/… (credentials removed)`.
pub fn redact_proxy(text: &str) -> String {
    let p = split(text.trim(), true);
    let mut out = match p.scheme {
        Some(s) => format!("{s}://{}", p.authority),
        None => p.authority.to_string(),
    };
    if !p.path.is_empty() || p.query.is_some() || p.fragment.is_some() {
        out.push_str("/…");
    }
    if p.had_userinfo {
        out.push_str(" (credentials removed)");
    }
    out
}

/// A configuration key that may embed a URL, such as git's
/// `http.https://alice:TOKEN@host/.sslVerify`: the URL part is redacted,
/// the rest kept. Keys without a URL come back unchanged.
pub fn redact_config_key(key: &str) -> String {
    if !key.contains("://") && !key.contains('@') {
        return key.to_string();
    }
    // `<section>.<url>.<name>`: the name is the last dot-separated word,
    // the section the first; a URL may hold dots, so take them from the ends.
    match (key.split_once('.'), key.rsplit_once('.')) {
        (Some((section, _)), Some((_, name)))
            if section.len() + name.len() + 2 <= key.len()
                && !section.contains('/')
                && !name.contains(['/', '@']) =>
        {
            let start = section.len() + 1;
            let end = key.len() - name.len() - 1;
            let url = key.get(start..end).unwrap_or_default();
            format!("{section}.{}.{name}", redact_url(url))
        }
        _ => redact_url(key),
    }
}

/// An HTTP header value safe to print: for `Authorization` and
/// `Proxy-Authorization`, the scheme word alone (`Basic REDACTED`); URLs in
/// `Location`-like headers redacted; anything else unchanged.
pub fn redact_header_value(name: &str, value: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    if name == "authorization" || name == "proxy-authorization" || name == "cookie" {
        return match value.trim().split_once(char::is_whitespace) {
            Some((scheme, _)) => format!("{scheme} {REDACTED}"),
            None => REDACTED.to_string(),
        };
    }
    if name == "location" || name == "content-location" {
        return redact_url(value);
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn userinfo_ends_at_the_last_at_sign() {
        assert_eq!(
            redact_url("https://user:pa/SECRET@host/x"),
            "https://REDACTED@host/x"
        );
        assert_eq!(
            redact_url("https://u:p/c@d@host:8443/"),
            "https://REDACTED@host:8443/"
        );
        // '?' or '#' before the last '@': hide everything.
        assert_eq!(
            redact_url("https://u:p#a?b@host/"),
            "https://REDACTED@REDACTED"
        );
        assert_eq!(
            redact_url("https://h/?e=a@SECRET"),
            "https://REDACTED@REDACTED"
        );
        // A relative reference has no userinfo: npm's scoped paths stay.
        assert_eq!(redact_url("/@types/node?v=1"), "/@types/node?v=REDACTED");
        // Not relative: a network-path reference, or text that only looks odd.
        assert_eq!(redact_url("//u:SECRET@host/"), "REDACTED@host/");
        assert!(!redact_url("./u:SECRET@host/").contains("SECRET"));
        // Found by the untrusted_text fuzzer: a proxy value starting with '.'.
        assert!(!redact_proxy(".x<:TOKEN@git.corp/").contains("TOKEN"));
        assert_eq!(redact_url("u:pw@h:1"), "REDACTED@h:1");
        assert_eq!(redact_url("https://host/x"), "https://host/x");
    }

    #[test]
    fn queries_and_fragments_are_hidden() {
        assert_eq!(
            redact_url("https://example.com/x?token=1&flag&&a=#access_token=abc"),
            "https://example.com/x?token=REDACTED&REDACTED&&a=REDACTED#REDACTED"
        );
        assert_eq!(redact_url("https://h/#"), "https://h/#");
    }

    #[test]
    fn proxies_show_host_and_port_only() {
        assert_eq!(
            redact_proxy("http://u:p@h:1"),
            "http://h:1 (credentials removed)"
        );
        assert_eq!(
            redact_proxy("http://bob:pa/ss#w?rd@proxy:8080"),
            "http://proxy:8080 (credentials removed)"
        );
        assert_eq!(
            redact_proxy("u:p@h:1/x?token=1"),
            "h:1/… (credentials removed)"
        );
        assert_eq!(redact_proxy("http://h:1"), "http://h:1");
    }

    #[test]
    fn git_url_keys_lose_their_credentials() {
        assert_eq!(
            redact_config_key("http.https://alice:TOKEN@git.corp/.sslVerify"),
            "http.https://REDACTED@git.corp/.sslVerify"
        );
        assert_eq!(
            redact_config_key("http.https://git.corp/x?private_token=abc.sslCAInfo"),
            "http.https://git.corp/x?private_token=REDACTED.sslCAInfo"
        );
        assert_eq!(redact_config_key("http.sslVerify"), "http.sslVerify");
    }

    #[test]
    fn authorization_values_keep_only_their_scheme() {
        assert_eq!(
            redact_header_value("Authorization", "Bearer abc.def"),
            "Bearer REDACTED"
        );
        assert_eq!(
            redact_header_value("Proxy-Authorization", "xyz"),
            "REDACTED"
        );
        assert_eq!(redact_header_value("Server", "nginx"), "nginx");
    }

    proptest! {
        #[test]
        fn a_password_never_survives(
            user in "[a-z]{1,8}",
            password in "[!-~]{1,24}",
            host in "[a-z]{1,10}\\.example",
            tail in "(/[a-z]{0,5})?",
        ) {
            let secret = format!("{user}:{password}SECRET");
            let url = format!("https://{secret}@{host}{tail}");
            for shown in [redact_url(&url), redact_proxy(&url)] {
                prop_assert!(!shown.contains("SECRET"), "{url} -> {shown}");
                if !password.contains(['?', '#']) {
                    prop_assert!(shown.contains(&host), "{url} -> {shown}");
                }
            }
            let key = format!("http.{url}.sslVerify");
            prop_assert!(!redact_config_key(&key).contains("SECRET"));
        }

        #[test]
        fn query_and_fragment_secrets_never_survive(
            path in "(/[a-z]{0,5}){0,3}",
            key in "[a-z_]{1,8}",
            value in "[!-~]{0,12}",
        ) {
            let url = format!("https://h.example{path}?{key}=SECRET{value}&SECRET#SECRET");
            prop_assert!(!redact_url(&url).contains("SECRET"), "{url}");
        }
    }
}
