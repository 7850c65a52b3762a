//! End-to-end tests of the HTTP probe against in-process TLS servers that
//! answer each redirect shape: scheme loss, port loss, relative and absolute
//! https redirects, loops, endless redirects, h2, and what is (not) sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::*;

/// A trusted root and a leaf for `localhost`.
fn localhost_pki() -> (Cert, Cert) {
    let root = root_ca("Tlsdoctor HTTP Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    (root, leaf)
}

fn redirect(status: u16, location: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// The request path of a request head.
fn path_of(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or("")
}

/// `check https://localhost:PORT{path}` with the HTTP probe on.
fn check_url(root: &Cert, port: u16, path: &str) -> Check {
    Check::target(&format!("https://localhost:{port}{path}"))
        .args([
            "--resolve".to_string(),
            format!("localhost:{port}:127.0.0.1"),
        ])
        .trust(&[root])
        .http()
}

#[test]
fn downgrade_to_http_is_redirect_scheme_loss() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/mcp" => redirect(307, "http://localhost/mcp/"),
            _ => HTTP_200.to_vec(),
        });
    let run = check_url(&root, server.port(), "/mcp").json();
    run.assert_verdict("redirect_scheme_loss", 1);
    let http = &run.target["http"];
    assert_eq!(http["status"], 307, "{}", run.dump());
    assert_eq!(http["redirects"][0]["status"], 307);
    assert_eq!(http["redirects"][0]["location"], "http://localhost/mcp/");
    let f = run
        .finding_of_kind("redirect_scheme_loss")
        .expect("finding");
    let text = f.to_string();
    for needle in [
        "X-Forwarded-Proto",
        "--proxy-headers",
        "$http_host",
        "absolute_redirect",
        "/mcp/",
    ] {
        assert!(text.contains(needle), "finding mentions {needle}: {text}");
    }
    // TLS itself was fine: both stores trust it.
    assert_eq!(run.target["trust"]["bundled"]["trusted"], true);
    // Nothing followed the http:// Location (we never speak plain HTTP).
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn https_redirect_that_drops_the_port_is_redirect_scheme_loss() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/mcp" => redirect(301, "https://localhost/mcp/"),
            _ => HTTP_200.to_vec(),
        });
    let run = check_url(&root, server.port(), "/mcp").json();
    run.assert_verdict("redirect_scheme_loss", 1);
    let summary = run.finding_of_kind("redirect_scheme_loss").unwrap()["summary"].to_string();
    assert!(summary.contains("port"), "{summary}");
    assert_eq!(run.target["http"]["stop"], "port_changed");
}

#[test]
fn relative_redirect_is_followed_on_a_new_connection() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/mcp" => redirect(307, "/mcp/"),
            _ => HTTP_200.to_vec(),
        });
    let port = server.port();
    let run = check_url(&root, port, "/mcp").json();
    run.assert_verdict("clean", 0);
    let http = &run.target["http"];
    assert_eq!(http["status"], 200, "{}", run.dump());
    assert_eq!(
        http["redirects"][0]["location"],
        format!("https://localhost:{port}/mcp/")
    );
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|h| path_of(h).to_string())
        .collect();
    assert_eq!(paths, ["/mcp", "/mcp/"]);
    assert_eq!(server.connections(), 2, "a new connection per hop");
}

#[test]
fn absolute_https_redirect_on_the_same_port_is_clean() {
    let (root, leaf) = localhost_pki();
    let server = Arc::new(AtomicUsize::new(0));
    let port_cell = Arc::clone(&server);
    let tls = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |head| {
        match path_of(head) {
            "/" => redirect(
                308,
                &format!(
                    "https://localhost:{}/home",
                    port_cell.load(Ordering::SeqCst)
                ),
            ),
            _ => HTTP_200.to_vec(),
        }
    });
    server.store(tls.port() as usize, Ordering::SeqCst);
    let run = check_url(&root, tls.port(), "/").json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 200);
    assert_eq!(
        run.target["http"]["redirects"].as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn plain_200_is_clean_and_the_request_is_minimal() {
    let (root, leaf) = localhost_pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |_| HTTP_200.to_vec());
    let port = server.port();
    let target = format!("https://alice:hunter2@localhost:{port}/api?token=s3cr3t&x=1");
    let check = Check::target(&target)
        .args([
            "--resolve".to_string(),
            format!("localhost:{port}:127.0.0.1"),
        ])
        .trust(&[&root])
        .http();
    let run = check.json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let head = &requests[0];
    assert!(
        head.starts_with("GET /api?token=s3cr3t&x=1 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nHost: localhost:{port}\r\n")),
        "{head}"
    );
    assert!(head.contains("\r\nUser-Agent: tlsdoctor/"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        !lower.contains("authorization") && !lower.contains("cookie") && !head.contains("hunter2"),
        "{head}"
    );

    // Secrets never reach any output.
    for output in [run.report.to_string(), check.human().stdout] {
        assert!(
            !output.contains("hunter2") && !output.contains("s3cr3t"),
            "{output}"
        );
    }
}

#[test]
fn redirect_loop_is_a_warning_not_a_hang() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/a" => redirect(302, "/b"),
            _ => redirect(302, "/a"),
        });
    let run = check_url(&root, server.port(), "/a").json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["stop"], "loop");
    let f = run.finding_of_kind("http").expect("http warning");
    assert_eq!(f["severity"], "warning");
    assert!(f["summary"].as_str().unwrap().contains("loop"));
}

#[test]
fn endless_redirects_stop_after_five_hops() {
    let (root, leaf) = localhost_pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| {
        let n: u64 = path_of(head).trim_start_matches('/').parse().unwrap_or(0);
        redirect(302, &format!("/{}", n + 1))
    });
    let run = check_url(&root, server.port(), "/0").json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["stop"], "too_many_redirects");
    assert_eq!(
        server.requests().len(),
        6,
        "the first request and five redirects"
    );
    assert!(run.finding_of_kind("http").is_some());
}

#[test]
fn error_status_is_a_warning_that_keeps_the_tls_verdict() {
    let (root, leaf) = localhost_pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |_| {
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_vec()
    });
    let run = check_url(&root, server.port(), "/").json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 503);
    assert!(run.finding_of_kind("http").unwrap()["summary"]
        .as_str()
        .unwrap()
        .contains("503"));
}

#[test]
fn a_server_that_negotiates_h2_and_answers_http1_is_an_http2_failure() {
    // It chooses h2 in ALPN, then reads the HTTP/2 preface as a request head
    // and answers in HTTP/1.1: HTTP/2 clients fail, HTTP/1.1 ones do not.
    let (root, leaf) = localhost_pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["h2", "http/1.1"], |_| HTTP_200.to_vec());
    let run = check_url(&root, server.port(), "/").json();
    run.assert_verdict("http2_failure", 1);
    assert_eq!(run.target["connection"]["alpn"], "h2", "{}", run.dump());
    assert_eq!(
        run.target["http"]["h2"]["outcome"],
        "protocol_error",
        "{}",
        run.dump()
    );
    assert_eq!(run.target["http"]["protocol"], "http/1.1");
    assert_eq!(run.target["http"]["status"], 200);
    assert_eq!(server.connections(), 2);
    let requests = server.requests();
    assert!(requests[0].starts_with("PRI * HTTP/2.0"), "{requests:?}");
    assert!(requests[1].starts_with("GET / HTTP/1.1"), "{requests:?}");
}

#[test]
fn no_http_sends_no_request() {
    let (root, leaf) = localhost_pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |_| HTTP_200.to_vec());
    let run = check_url(&root, server.port(), "/").arg("--no-http").json();
    run.assert_verdict("clean", 0);
    assert!(run.target["http"].is_null());
    std::thread::sleep(Duration::from_millis(50));
    assert!(server.requests().is_empty());
}

#[test]
fn human_report_shows_one_line_per_hop() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/mcp" => redirect(307, "http://localhost/mcp/"),
            _ => HTTP_200.to_vec(),
        });
    let out = check_url(&root, server.port(), "/mcp").human();
    assert_eq!(out.code, 1);
    let stdout = &out.stdout;
    let hop = format!(
        "GET https://localhost:{}/mcp → 307 http://localhost/mcp/",
        server.port()
    );
    assert!(stdout.contains(&hop), "{stdout}");
    assert!(stdout.contains("redirect_scheme_loss"), "{stdout}");
}

// ---------------------------------------------------------------------------
// Where a checked server's redirects may lead (DESIGN.md, Untrusted input →
// Redirects)

const PUBLIC: &str = "api.example.com";

/// A trusted root, a leaf for [`PUBLIC`] and `other.example.com`, and a
/// server for it that redirects `/` to `location(port)` and answers 200
/// otherwise.
fn redirecting_public_server(location: String) -> (Cert, Cert, TlsServer) {
    let root = root_ca("Tlsdoctor Redirect Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&[PUBLIC, "other.example.com"], &root);
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |head| {
        match path_of(head) {
            "/" => redirect(302, &location),
            _ => HTTP_200.to_vec(),
        }
    });
    (root, leaf, server)
}

#[test]
fn a_public_target_never_sends_the_probe_to_a_local_address() {
    let (root, leaf) = localhost_pki();
    let inner = TlsServer::start(&[&leaf], &leaf);
    for location in [
        format!("https://127.0.0.1:{}/admin", inner.port()),
        format!("https://localhost:{}/admin", inner.port()),
        format!("https://[::1]:{}/admin", inner.port()),
    ] {
        let (public_root, _, outer) = redirecting_public_server(location.clone());
        let run = Check::new(PUBLIC, outer.port())
            .trust(&[&public_root, &root])
            .http()
            .json();
        run.assert_verdict("clean", 0);
        assert_eq!(run.target["http"]["stop"], "not_followed", "{}", run.dump());
        run.assert_findings_mention("not followed");
    }
    assert_eq!(inner.connections(), 0, "the local server was contacted");
}

#[test]
fn a_pinned_or_same_host_destination_is_followed() {
    let (root, leaf) = localhost_pki();
    let _ = leaf;
    // Another host, pinned by the user with --resolve: followed there.
    let (public_root, public_leaf, dest) = redirecting_public_server(String::new());
    let dest_port = dest.port();
    let (_, _, outer) =
        redirecting_public_server(format!("https://other.example.com:{dest_port}/x"));
    let run = Check::new(PUBLIC, outer.port())
        .trust(&[&public_root, &root])
        .http()
        .args([
            "--resolve".to_string(),
            format!("other.example.com:{dest_port}:127.0.0.1"),
        ])
        .json();
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
    assert_eq!(dest.connections(), 1, "{}", run.dump());
    // The same host on another port: the address the probe connected to is
    // reused (no DNS lookup of the public name, which would leave the machine).
    let same = TlsServer::start_http(&[&public_leaf], &public_leaf, &["http/1.1"], |_| {
        HTTP_200.to_vec()
    });
    let (_, _, outer) = redirecting_public_server(format!("https://{PUBLIC}:{}/y", same.port()));
    let run = Check::new(PUBLIC, outer.port())
        .trust(&[&public_root])
        .http()
        .json();
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
    assert_eq!(same.connections(), 1, "{}", run.dump());
}

#[test]
fn a_javascript_or_file_location_is_recorded_as_what_it_is() {
    for location in ["javascript:alert(1)", "file:///etc/passwd"] {
        let (root, _, server) = redirecting_public_server(location.to_string());
        let run = Check::new(PUBLIC, server.port())
            .trust(&[&root])
            .http()
            .json();
        run.assert_verdict("clean", 0);
        assert_eq!(run.target["http"]["stop"], "other_scheme", "{}", run.dump());
        let scheme = location.split(':').next().unwrap();
        run.assert_findings_mention(&format!("{scheme}: Location"));
    }
}

#[test]
fn scheme_loss_gives_both_causes_and_never_the_redirecting_url_as_the_fix() {
    let (root, leaf) = localhost_pki();
    let server =
        TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| match path_of(head) {
            "/app" => redirect(301, "http://localhost/app"),
            _ => HTTP_200.to_vec(),
        });
    let run = check_url(&root, server.port(), "/app").json();
    run.assert_verdict("redirect_scheme_loss", 1);
    let f = run.finding_of_kind("redirect_scheme_loss").unwrap();
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.contains("X-Forwarded-Proto") && detail.contains("on purpose"),
        "{detail}"
    );
    let asked = format!("https://localhost:{}/app", server.port());
    for r in f["remedies"].as_array().unwrap() {
        let text = r.to_string();
        assert!(
            !text.contains(&asked),
            "the redirecting URL offered as a fix: {text}"
        );
    }
}

#[test]
fn another_port_on_the_same_host_is_a_destination_not_a_lost_port() {
    let (root, leaf) = localhost_pki();
    let dest = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |_| HTTP_200.to_vec());
    let dest_port = dest.port();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |head| {
        match path_of(head) {
            "/" => redirect(302, &format!("https://localhost:{dest_port}/")),
            _ => HTTP_200.to_vec(),
        }
    });
    let run = check_url(&root, server.port(), "/").json();
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
    assert_eq!(dest.connections(), 1);
}
