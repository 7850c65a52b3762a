//! HTTP/2 on the connection path: when the handshake negotiates `h2`, the
//! probe speaks HTTP/2 (real nginx with `http2` for the good path; an `h2`
//! crate server that stalls, sends GOAWAY or RST_STREAM for the bad ones)
//! and compares with HTTP/1.1 on a second connection.

use std::time::Duration;

use crate::nginx::{free_port, Nginx};
use crate::support::connpath::{H1Behaviour, H2Behaviour, H2Server};
use crate::support::*;

fn pki() -> (Cert, Cert) {
    let root = root_ca("Tlsdoctor h2 Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    (root, leaf)
}

fn check(port: u16, root: &Cert) -> Check {
    Check::new("localhost", port).trust(&[root]).http()
}

fn nginx_config(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    let servers = format!(
        r#"    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {d}/leaf.pem;
        ssl_certificate_key {d}/leaf.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root {d}/www;
    }}
"#
    );
    crate::nginx::config_in(dir, &servers)
}

#[test]
#[cfg_attr(
    not(tool_nginx),
    ignore = "nginx not found (apt-get install nginx-light)"
)]
fn nginx_speaks_http2_and_the_check_is_clean() {
    let (root, leaf) = pki();
    let dir = Scratch::new();
    dir.pem_file("leaf.pem", &[&leaf]);
    dir.write("leaf.key", leaf.key_pem());
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    std::fs::write(dir.path().join("www/index.html"), "ok\n").unwrap();
    let port = free_port();
    let config = nginx_config(dir.path(), port);
    let _nginx = Nginx::start(&tool("nginx"), dir, &config, port);

    let run = check(port, &root).json();
    run.assert_verdict("clean", 0);
    let http = &run.target["http"];
    assert_eq!(run.target["connection"]["alpn"], "h2", "{}", run.dump());
    assert_eq!(http["protocol"], "h2", "{}", run.dump());
    assert_eq!(http["h2"]["outcome"], "ok", "{}", run.dump());
    assert_eq!(http["status"], 200, "{}", run.dump());

    let human = check(port, &root).human();
    assert!(human.stdout.contains("→ 200 (h2)"), "{}", human.stdout);
}

/// Runs a check against an h2 server that misbehaves as `h2` while HTTP/1.1 answers.
fn failing_h2(behaviour: H2Behaviour, timeout: &str) -> (JsonRun, H2Server) {
    let (root, leaf) = pki();
    let server = H2Server::start(&[&leaf], &leaf, behaviour, H1Behaviour::Ok);
    let run = check(server.port(), &root)
        .args(["--timeout", timeout])
        .json();
    (run, server)
}

#[test]
fn h2_goaway_where_http1_answers_is_http2_failure() {
    let (run, _server) = failing_h2(H2Behaviour::GoAway(0xb), "5");
    run.assert_verdict("http2_failure", 1);
    let h2 = &run.target["http"]["h2"];
    assert_eq!(h2["outcome"], "goaway", "{}", run.dump());
    assert!(
        h2["detail"]
            .as_str()
            .unwrap()
            .contains("ENHANCE_YOUR_CALM (0xb)"),
        "{}",
        run.dump()
    );
    assert_eq!(run.target["http"]["protocol"], "http/1.1");
    assert_eq!(run.target["http"]["status"], 200);
    let f = run.finding_of_kind("http2_failure").unwrap();
    let remedies = f["remedies"].to_string();
    assert!(
        remedies.contains("--http1.1")
            && remedies.contains("GODEBUG=http2client=0")
            && remedies.contains("allowH2: false"),
        "{remedies}"
    );
    assert!(remedies.contains("gRPC"), "{remedies}");
}

#[test]
fn h2_rst_stream_where_http1_answers_is_http2_failure() {
    let (run, _server) = failing_h2(H2Behaviour::Reset(0x7), "5");
    run.assert_verdict("http2_failure", 1);
    let h2 = &run.target["http"]["h2"];
    assert_eq!(h2["outcome"], "reset", "{}", run.dump());
    assert!(
        h2["detail"].as_str().unwrap().contains("REFUSED_STREAM"),
        "{}",
        run.dump()
    );
}

#[test]
fn h2_stall_after_settings_is_http2_failure_and_costs_one_timeout() {
    // Baseline: the same server answering HTTP/2 at once.
    let (root, leaf) = pki();
    let ok = H2Server::start(&[&leaf], &leaf, H2Behaviour::Ok, H1Behaviour::Ok);
    let baseline = check(ok.port(), &root).args(["--timeout", "1"]).json();
    baseline.assert_verdict("clean", 0);

    let (run, _server) = failing_h2(H2Behaviour::StallAfterSettings, "1");
    run.assert_verdict("http2_failure", 1);
    let detail = run.target["http"]["h2"]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        run.target["http"]["h2"]["outcome"],
        "stall",
        "{}",
        run.dump()
    );
    assert!(
        detail.contains("SETTINGS arrived") && detail.contains("no response headers"),
        "{detail}"
    );
    // At most --timeout (1 s) more than the check that did not stall, with slack for a busy machine.
    assert!(
        run.elapsed < baseline.elapsed + Duration::from_millis(1700),
        "stall took {:?}, baseline {:?}",
        run.elapsed,
        baseline.elapsed
    );
}

#[test]
fn h2_silence_says_the_settings_never_came() {
    let (run, _server) = failing_h2(H2Behaviour::Silent, "1");
    run.assert_verdict("http2_failure", 1);
    let detail = run.target["http"]["h2"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("SETTINGS frame never came"),
        "{}",
        run.dump()
    );
}

#[test]
fn h2_and_http1_both_failing_is_not_http2_failure() {
    let (root, leaf) = pki();
    let server = H2Server::start(
        &[&leaf],
        &leaf,
        H2Behaviour::GoAway(0x2),
        H1Behaviour::Close,
    );
    let run = check(server.port(), &root).args(["--timeout", "2"]).json();
    run.assert_verdict("clean", 0);
    assert_eq!(
        run.target["http"]["h2"]["outcome"],
        "goaway",
        "{}",
        run.dump()
    );
    run.assert_findings_mention("not an HTTP/2 problem");
    assert!(
        run.finding_of_kind("http2_failure").is_none(),
        "{}",
        run.dump()
    );
}

/// The remedy, checked with a real client: curl speaks HTTP/2 by default and
/// hangs on the stalling server; `curl --http1.1`, as the report prescribes, works.
#[test]
#[cfg_attr(not(tool_curl), ignore = "curl not found (apt-get install curl)")]
fn curl_hangs_on_the_stall_and_its_prescribed_switch_works() {
    use crate::support::connpath::curl;
    let (root, leaf) = pki();
    let server = H2Server::start(
        &[&leaf],
        &leaf,
        H2Behaviour::StallAfterSettings,
        H1Behaviour::Ok,
    );
    let dir = Scratch::new();
    let ca = dir.pem_file("root.pem", &[&root]);

    let run = check(server.port(), &root).args(["--timeout", "1"]).json();
    run.assert_verdict("http2_failure", 1);
    let remedies = run.finding_of_kind("http2_failure").unwrap()["remedies"].to_string();
    assert!(remedies.contains("curl --http1.1"), "{remedies}");

    let default = curl(server.port(), &ca, &[]);
    assert_eq!(
        default.code, 28,
        "curl should time out over HTTP/2: {} {}",
        default.out, default.err
    );
    let forced = curl(server.port(), &ca, &["--http1.1"]);
    assert_eq!(
        (forced.code, forced.out.as_str()),
        (0, "1.1 200"),
        "{}",
        forced.err
    );
}
