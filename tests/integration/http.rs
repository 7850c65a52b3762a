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
