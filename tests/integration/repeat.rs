//! `--repeat N` and `--interval SECS`: every attempt a full probe, added up
//! in JSON `attempts`; attempts that disagree make the verdict
//! `intermittent`. Relays on 127.0.0.1 fail every third connection, or
//! alternate between a server with a public-like chain and one with an
//! interception chain.

use std::time::Duration;

use crate::support::connpath::{Relay, RelayAction};
use crate::support::*;

#[test]
fn a_stable_server_repeated_is_clean_with_every_stage_counted() {
    let root = root_ca("Tlsdoctor Repeat Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let run = Check::new("localhost", server.port())
        .trust(&[&root])
        .http()
        .args(["--repeat", "5"])
        .json();
    run.assert_verdict("clean", 0);
    let a = &run.target["attempts"];
    assert_eq!(a["count"], 5, "{}", run.dump());
    assert_eq!(a["ok"], 5);
    assert_eq!(a["verdicts"]["clean"], 5);
    assert_eq!(a["anchors"].as_array().unwrap().len(), 1);
    assert_eq!(a["anchors"][0]["sha256"], root.sha256_hex());
    assert_eq!(a["addresses"][0]["count"], 5);
    for stage in ["dns", "connect", "tls", "http"] {
        let s = &a["latency_ms"][stage];
        assert_eq!(s["count"], 5, "{stage}: {}", run.dump());
        let (p50, p95, max) = (
            s["p50"].as_f64().unwrap(),
            s["p95"].as_f64().unwrap(),
            s["max"].as_f64().unwrap(),
        );
        assert!(p50 <= p95 && p95 <= max, "{stage}: {s}");
    }
    assert_eq!(server.connections(), 5);

    let human = Check::new("localhost", server.port())
        .trust(&[&root])
        .args(["--repeat", "3"])
        .human();
    assert!(
        human.stdout.contains("attempts    3 of 3 ok (clean 3)"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("tls     p50"), "{}", human.stdout);
}

#[test]
fn a_relay_failing_every_third_connection_is_intermittent() {
    let root = root_ca("Tlsdoctor Flaky Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let backend = server.port();
    let relay = Relay::start(move |n, _| {
        if n % 3 == 2 {
            RelayAction::Answer(raw::ALERT_HANDSHAKE_FAILURE)
        } else {
            RelayAction::Forward(backend)
        }
    });
    let run = Check::new("localhost", relay.port())
        .trust(&[&root])
        .args(["--repeat", "9"])
        .json();
    run.assert_verdict("intermittent", 1);
    let a = &run.target["attempts"];
    assert_eq!(a["count"], 9);
    assert_eq!(a["ok"], 6, "{}", run.dump());
    assert_eq!(a["verdicts"]["handshake_failed"], 3);
    let outcomes: Vec<&str> = run
        .findings()
        .iter()
        .filter(|f| f["kind"] == "attempts")
        .map(|f| f["summary"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), 2, "{}", run.dump());
    assert!(
        outcomes[0].starts_with("3 of 9 attempts: handshake_failed (attempt 3: "),
        "{}",
        run.dump()
    );
    assert!(
        outcomes[1].starts_with("6 of 9 attempts: clean"),
        "{}",
        run.dump()
    );
    run.assert_findings_mention("Example, attempt 3:");
    assert!(
        run.finding_of_kind("chain_varies").is_none(),
        "{}",
        run.dump()
    );
}

#[test]
fn a_relay_alternating_a_public_and_an_interception_chain_varies() {
    let public_root = root_ca("Tlsdoctor Public Root", "Public Trust Services");
    let public_leaf = leaf(&["api.example.com"], &public_root);
    let public = TlsServer::start(&[&public_leaf], &public_leaf);
    let inspect_root = root_ca("Acme Inspection Root", "Acme Corp IT");
    let inspect_leaf = leaf(&["api.example.com"], &inspect_root);
    let inspect = TlsServer::start(&[&inspect_leaf], &inspect_leaf);
    let (a, b) = (public.port(), inspect.port());
    let relay = Relay::start(move |n, _| RelayAction::Forward(if n % 2 == 0 { a } else { b }));
    let run = Check::new("api.example.com", relay.port())
        .bundled(&[&public_root])
        .os(&[&public_root, &inspect_root])
        .args(["--repeat", "4"])
        .json();
    run.assert_verdict("intermittent", 1);
    let anchors = run.target["attempts"]["anchors"].as_array().unwrap();
    assert_eq!(anchors.len(), 2, "{}", run.dump());
    assert!(anchors
        .iter()
        .all(|a| a["count"] == 2 && a["sha256"].is_string()));
    let varies = run.finding_of_kind("chain_varies").expect("chain_varies");
    let detail = varies["summary"].as_str().unwrap();
    assert!(
        detail.contains(
            "2 of 4 connections were re-signed by 'Acme Inspection Root' (in the OS store)"
        ),
        "{detail}"
    );
    assert!(detail.contains("2 of 4 got the public chain"), "{detail}");
}

#[test]
fn bad_repeat_and_interval_values_are_usage_errors() {
    for args in [
        ["--repeat", "0"],
        ["--repeat", "-3"],
        ["--repeat", "1001"],
        ["--repeat", "many"],
        ["--interval", "-1"],
        ["--interval", "soon"],
        ["--interval", "NaN"],
    ] {
        let mut cmd = tlsdoctor();
        cmd.args(["check", "localhost:1", "--no-http"]).args(args);
        let out = run(cmd);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(args[0]), "{args:?}: {}", out.stderr);
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn attempts_run_start_to_start_without_overlap() {
    let root = root_ca("Tlsdoctor Interval Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let once = Check::new("localhost", server.port())
        .trust(&[&root])
        .json();
    let run = Check::new("localhost", server.port())
        .trust(&[&root])
        .args(["--repeat", "3", "--interval", "0.3"])
        .json();
    run.assert_verdict("clean", 0);
    // Two intervals between three starts; at most three probes plus the intervals (and process start).
    assert!(
        run.elapsed >= Duration::from_millis(600),
        "{:?}",
        run.elapsed
    );
    assert!(
        run.elapsed < Duration::from_millis(600) + once.elapsed * 3 + Duration::from_millis(500),
        "{:?} (one run {:?})",
        run.elapsed,
        once.elapsed
    );

    // A probe slower than the interval is not overlapped: the server stalls
    // every handshake for the whole --timeout, so three attempts take three timeouts.
    let silent = RawServer::start(raw::silent(Duration::from_secs(5)));
    let run = Check::new("localhost", silent.port())
        .args(["--repeat", "3", "--interval", "0.1", "--timeout", "0.4"])
        .json();
    assert!(
        run.elapsed >= Duration::from_millis(1200),
        "{:?}",
        run.elapsed
    );
    assert_eq!(run.target["attempts"]["count"], 3);
}
