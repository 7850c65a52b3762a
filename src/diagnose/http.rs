//! HTTP findings: redirects that lose https or the port, loops, error
//! statuses. Only scheme loss changes the verdict (DESIGN.md).
//!
//! Pure: reads the recorded hops; knows nothing of how they were fetched.

use super::Evidence;
use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::observation::HttpStop;
use crate::target::redact;

pub(super) fn http_findings(e: &Evidence<'_>) -> Vec<Finding> {
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
        HttpStop::NotHttps => {
            let mut f = Finding::error(
                Verdict::RedirectSchemeLoss,
                format!("{asked} redirects ({status}) to {got}: https was lost, the client follows it to plain HTTP"),
                format!(
                    "Hop {hop_number}: GET {asked} answered {status} with Location {got}. Clients then fail in ways that look like TLS (\"Session terminated\", connection refused on port 80), but TLS is fine. Two causes: an app behind a TLS-terminating proxy builds absolute URLs from the plain HTTP it sees (it does not trust the proxy's X-Forwarded-Proto / X-Forwarded-Host, or the proxy does not send them), or the server redirects to http on purpose (a misconfigured canonical URL or HSTS-less redirect rule). Either way the server must redirect to https; a client cannot fix it by asking for {asked} again."
                ),
            );
            f.remedies = redirect_remedies(&asked, &got);
            vec![f]
        }
        HttpStop::PortChanged => {
            let mut f = Finding::error(
                Verdict::RedirectSchemeLoss,
                format!("{asked} redirects ({status}) to {got}: the port was lost, the client follows it to the default port"),
                format!(
                    "Hop {hop_number}: GET {asked} answered {status} with Location {got}, the same host on the default port. An app behind a TLS-terminating proxy built the redirect from a Host header without the port: the proxy sends Host without it (nginx's $host), or the app ignores X-Forwarded-Host / X-Forwarded-Port."
                ),
            );
            f.remedies = redirect_remedies(&asked, &got);
            vec![f]
        }
        HttpStop::OtherScheme(scheme) => vec![Finding::warning(
            FindingKind::Http,
            format!("GET {asked} answered {status} with a {scheme}: Location, which no HTTP client follows"),
            format!("A redirect must point to an http(s) URL; a {scheme}: URL is not a destination (browsers and HTTP clients refuse it). tlsdoctor recorded it and did not act on it. Not a TLS problem."),
        )],
        HttpStop::NotFollowed(why) => vec![Finding::info(
            FindingKind::Http,
            format!("the redirect from {asked} to {got} was not followed"),
            format!("{why}. tlsdoctor only follows a checked server's redirects to public names whose addresses are all public, to the same host, or to an address you pinned with --resolve."),
        )],
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
        HttpStop::TooManyRedirects { limit } => vec![Finding::warning(
            FindingKind::Http,
            format!("more than {limit} redirects, the last to {got}"),
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
    // The URL that redirects is never the fix. When the redirect only adds
    // to the path (a trailing slash), asking for that path on https and the
    // right port avoids it.
    let direct = url::Url::parse(asked)
        .ok()
        .zip(url::Url::parse(got).ok())
        .filter(|(a, g)| a.path() != g.path())
        .map(|(mut a, g)| {
            a.set_path(g.path());
            a.set_query(g.query());
            a.to_string()
        });
    let mut list: Vec<Remedy> = direct
        .map(|url| {
            remedy(
                "Right now",
                &format!("Ask for the final path directly, on https and the right port: {url}"),
                &[],
            )
        })
        .into_iter()
        .collect();
    list.extend([
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
    ]);
    list
}
