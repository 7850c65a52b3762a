//! A path that resets the large ClientHello current clients send (an
//! X25519MLKEM768 key share, about 1.5 KB) while a classic one passes: a TCP
//! relay on 127.0.0.1 resets every connection whose first TLS record is
//! longer than a threshold, as some middleboxes do.

use crate::support::connpath::Relay;
use crate::support::*;

fn server() -> (Cert, TlsServer) {
    let root = root_ca("Tlsdoctor Hello Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    (root, server)
}

#[test]
fn a_relay_dropping_large_hellos_is_large_hello_dropped_and_the_chain_still_judged() {
    let (root, server) = server();
    let relay = Relay::dropping_hellos_over(1000, server.port());
    let run = Check::new("localhost", relay.port())
        .trust(&[&root])
        .http()
        .json();
    run.assert_verdict("large_hello_dropped", 1);
    let f = run.finding_of_kind("large_hello_dropped").unwrap();
    let text = f.to_string();
    assert!(
        text.contains("GODEBUG=tlsmlkem=0") && text.contains("Go 1.24+"),
        "{text}"
    );
    // The classic handshake's chain is judged as usual: trusted here.
    assert_eq!(run.target["trust"]["os"]["trusted"], true, "{}", run.dump());
    assert_eq!(
        run.target["connection"]["key_exchange"],
        "X25519",
        "{}",
        run.dump()
    );
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
    // Large hello, classic retry, and the HTTP/1.1 request on the handshake's connection.
    assert_eq!(relay.connections(), 2, "{}", run.dump());
}

#[test]
fn a_relay_dropping_large_hellos_keeps_the_classic_chains_findings() {
    let (_root, server) = server();
    let relay = Relay::dropping_hellos_over(1000, server.port());
    // Nothing trusts the chain: the classic handshake's diagnosis stays beside the dropped hello.
    let run = Check::new("localhost", relay.port()).json();
    run.assert_verdict("large_hello_dropped", 1);
    assert!(
        run.finding_of_kind("private_ca").is_some(),
        "{}",
        run.dump()
    );
}

#[test]
fn a_threshold_above_the_hello_size_is_clean() {
    let (root, server) = server();
    let relay = Relay::dropping_hellos_over(4000, server.port());
    let run = Check::new("localhost", relay.port()).trust(&[&root]).json();
    run.assert_verdict("clean", 0);
    assert_eq!(
        run.target["connection"]["key_exchange"],
        "X25519MLKEM768",
        "{}",
        run.dump()
    );
    assert_eq!(relay.connections(), 1);
}

#[test]
fn a_path_dropping_every_hello_is_not_blamed_on_the_hello_size() {
    let (root, server) = server();
    let relay = Relay::dropping_hellos_over(100, server.port());
    let run = Check::new("localhost", relay.port()).trust(&[&root]).json();
    run.assert_verdict("handshake_failed", 1);
    run.assert_findings_mention("a classic ClientHello (X25519 only) failed too");
    assert!(run.finding_of_kind("large_hello_dropped").is_none());
    assert_eq!(relay.connections(), 2);
}

/// The claim that older clients get through, checked with a real one: this
/// machine's curl (OpenSSL 3.0, a classic ClientHello) passes the relay that
/// resets tlsdoctor's large one.
#[test]
#[cfg_attr(not(tool_curl), ignore = "curl not found (apt-get install curl)")]
fn a_classic_hello_client_gets_through_where_the_large_hello_is_dropped() {
    use crate::support::connpath::curl;
    let (root, server) = server();
    let relay = Relay::dropping_hellos_over(1000, server.port());
    let dir = Scratch::new();
    let ca = dir.pem_file("root.pem", &[&root]);
    let run = Check::new("localhost", relay.port()).trust(&[&root]).json();
    run.assert_verdict("large_hello_dropped", 1);
    let got = curl(relay.port(), &ca, &["--http1.1"]);
    assert_eq!((got.code, got.out.as_str()), (0, "1.1 200"), "{}", got.err);
}
