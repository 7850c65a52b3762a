//! Issue 13's last scenarios, each run in all three formats, which must
//! agree: a server that requires (or only asks for) a client certificate,
//! a public-key root with no key identifier that is neither sent nor
//! installed, and a redirect's destination shown where JSON carries it.

use std::time::Duration;

use crate::diagnosis::{assert_never_install, compromised_dir, openssl_leaf, OpensslServer};
use crate::support::*;

/// The human, JSON and markdown reports of one check, with the JSON parsed.
struct Formats {
    json: JsonRun,
    human: String,
    markdown: String,
}

impl Formats {
    fn of(check: &Check) -> Formats {
        let mut cmd = check.command();
        cmd.args(["--format", "markdown", "--color", "never"]);
        let markdown = run(cmd).stdout;
        let mut cmd = check.command();
        cmd.args(["--color", "never"]);
        Formats {
            json: check.json(),
            human: run(cmd).stdout,
            markdown,
        }
    }

    /// Every format says each of `needles` (the human report's wrapped
    /// lines read as one: runs of white space count as one space).
    #[track_caller]
    fn all_say(&self, needles: &[&str]) {
        self.say(needles, true);
    }

    /// JSON and markdown say each of `needles` (what the human report keeps
    /// to the summary lines, e.g. an info finding's detail).
    #[track_caller]
    fn json_and_markdown_say(&self, needles: &[&str]) {
        self.say(needles, false);
    }

    #[track_caller]
    fn say(&self, needles: &[&str], human: bool) {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let json = self.json.report.to_string();
        let human_text = flat(&self.human);
        let markdown = flat(&self.markdown);
        let mut formats = vec![("json", json.as_str()), ("markdown", markdown.as_str())];
        if human {
            formats.push(("human", human_text.as_str()));
        }
        for needle in needles {
            for (name, text) in &formats {
                assert!(
                    text.contains(needle),
                    "{name} does not say {needle:?}:\n{text}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// A client certificate requested (issue 13, errors in words)

/// A trusted server certificate for `host`, and a CA file naming the CA the
/// server accepts client certificates from.
fn mtls_pki(scratch: &Scratch, host: &str) -> (Cert, Cert, std::path::PathBuf) {
    let root = root_ca("Mutual TLS Server Root", "Test");
    let leaf = leaf(&[host], &root);
    let client_ca = root_ca("Mutual TLS Client Issuing CA", "Corp");
    let ca_file = scratch.pem_file("client-ca.pem", &[&client_ca]);
    (root, leaf, ca_file)
}

/// openssl s_server -Verify (a client certificate required), under TLS 1.3
/// (the server refuses after the client's handshake has ended) and TLS 1.2
/// (it refuses during it), with and without the HTTP probe:
/// handshake_failed, said as mutual TLS with the CA it accepts and a
/// command with the real host and port, in every format.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn a_server_that_requires_a_client_certificate_is_said_to_in_every_format() {
    let host = "api.example.com";
    let scratch = Scratch::new();
    let (root, leaf, ca_file) = mtls_pki(&scratch, host);
    let ca = ca_file.to_str().unwrap();
    for (version, alert) in [
        ("-tls1_3", "certificate_required"),
        ("-tls1_2", "handshake_failure"),
    ] {
        let server = OpensslServer::start(
            &scratch,
            std::slice::from_ref(&leaf.der),
            &leaf.key_der(),
            &[version, "-Verify", "1", "-CAfile", ca],
        );
        let port = server.port();
        for http in [false, true] {
            let mut check = Check::new(host, port).trust(&[&root]);
            if http {
                check = check.http();
            }
            let out = Formats::of(&check);
            out.json.assert_verdict("handshake_failed", 1);
            out.json.assert_findings_mention(alert);
            out.all_say(&[
                "handshake_failed",
                "requires a client certificate (mutual TLS)",
                "Mutual TLS Client Issuing CA",
            ]);
            // The commands, complete with the real port, where each format
            // prints commands (the human report names the tools and points
            // to markdown for the exact commands).
            out.json_and_markdown_say(&[
                &format!(
                    "openssl s_client -connect {host}:{port} -cert client.crt -key client.key"
                ),
                &format!("curl --cert client.crt --key client.key https://{host}:{port}/"),
            ]);
            assert!(out.human.contains("openssl / curl"), "{}", out.human);
            for text in [&out.human, &out.markdown] {
                assert!(!text.contains("CertificateRequired"), "{text}");
            }
        }
    }
}

/// openssl s_server -verify: the server asks for a client certificate and
/// goes on without one. Clean, with a note in every format; the HTTP probe
/// still gets its answer (on a new connection under TLS 1.3).
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
fn a_server_that_only_asks_for_a_client_certificate_is_clean_with_a_note() {
    let host = "api.example.com";
    let scratch = Scratch::new();
    let (root, leaf, ca_file) = mtls_pki(&scratch, host);
    let ca = ca_file.to_str().unwrap();
    for version in ["-tls1_3", "-tls1_2"] {
        let server = OpensslServer::start(
            &scratch,
            std::slice::from_ref(&leaf.der),
            &leaf.key_der(),
            &[version, "-verify", "1", "-CAfile", ca],
        );
        let check = Check::new(host, server.port()).trust(&[&root]).http();
        let out = Formats::of(&check);
        out.json.assert_verdict("clean", 0);
        assert_eq!(
            out.json.target["http"]["status"],
            200,
            "{}",
            out.json.dump()
        );
        out.all_say(&["asks for a client certificate, and accepts connections without one"]);
        out.json_and_markdown_say(&["Mutual TLS Client Issuing CA"]);
    }
}

// ---------------------------------------------------------------------------
// Row 3: a public-key root with no key identifier, neither sent nor installed

/// eDellRoot, DSDTestProvider and preact-cli's CA carry no
/// subjectKeyIdentifier, so a leaf under them cannot name them by key
/// identifier. Sent alone (the root not sent, in no store), the leaf is
/// still recognised by the root's public key verifying it: row 3 —
/// interception on a public name, private_ca on a local one — loudly, never
/// to be installed, and the same in every format.
#[test]
#[cfg_attr(
    not(tool_openssl),
    ignore = "openssl not found (apt-get install openssl)"
)]
#[cfg_attr(
    not(tool_compromised_cas),
    ignore = "../shared/conformance/compromised-cas not found (set TLSDOCTOR_COMPROMISED_CAS)"
)]
fn a_public_key_root_without_a_key_identifier_is_recognised_unsent_and_uninstalled() {
    let dir = compromised_dir();
    for (file, root_name) in [
        ("ca-edellroot", "eDellRoot"),
        ("ca-dsdtestprovider", "DSDTestProvider"),
        ("ca-preact-cli", "Acme Co"),
    ] {
        let (crt, key) = (
            dir.join(format!("{file}.crt")),
            dir.join(format!("{file}.key")),
        );
        for (host, verdict) in [
            ("api.example.com", "corporate_interception"),
            ("dev.localhost", "private_ca"),
        ] {
            let scratch = Scratch::new();
            let (leaf, leaf_key) = openssl_leaf(&scratch, &crt, &key, host, 2048, "sha256");
            let server = TlsServer::start_der(vec![leaf], leaf_key);
            let out = Formats::of(&Check::new(host, server.port()));
            assert_eq!(
                out.json.verdict(),
                verdict,
                "{file} on {host}\n{}",
                out.json.dump()
            );
            assert!(
                out.json.finding_of_kind("compromised_root").is_some(),
                "{file}: no DANGER warning\n{}",
                out.json.dump()
            );
            assert_never_install(&out.json, file);
            out.all_say(&[verdict, root_name, "private key is public", "DANGER"]);
            for text in [&out.human, &out.markdown] {
                for wrong in ["incomplete_chain", "not installed", "intermediate"] {
                    assert!(!text.contains(wrong), "{file}: says {wrong:?}:\n{text}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Redirect destinations in every format

/// A redirect to another port whose chain no store trusts: JSON
/// `http.destination` holds its verdict, chain and trust; human and
/// markdown show the same destination, verdict, chain and store results.
#[test]
fn a_redirect_destination_is_shown_in_every_format() {
    let root = root_ca("Target Root", "Test");
    let other = root_ca("Destination Private Root", "Elsewhere");
    let host = "api.example.com";
    let dleaf = leaf(&[host], &other);
    let dest = TlsServer::start(&[&dleaf, &other], &dleaf);
    let leaf = leaf(&[host], &root);
    let location = format!("https://{host}:{}/next", dest.port());
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |_| {
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes()
    });
    let check = Check::new(host, server.port()).trust(&[&root]).http();
    let out = Formats::of(&check);
    out.json.assert_verdict("private_ca", 1);
    let d = &out.json.target["http"]["destination"];
    assert_eq!(d["verdict"], "private_ca", "{}", out.json.dump());
    assert_eq!(d["port"], dest.port());
    let authority = format!("{host}:{}", dest.port());
    assert!(
        out.human
            .contains(&format!("destination {authority} ✗ private_ca")),
        "{}",
        out.human
    );
    assert!(
        out.markdown.contains(&format!(
            "### Redirect destination `{authority}` — **private_ca**"
        )),
        "{}",
        out.markdown
    );
    // The destination's chain and its store results, in every format.
    out.all_say(&["Destination Private Root"]);
    assert_eq!(d["trust"]["bundled"]["error"], "unknown_issuer");
    for text in [&out.human, &out.markdown] {
        assert!(
            text.contains("no path to a trusted root (unknown issuer)"),
            "{text}"
        );
    }
    let human_dest = out.human.split("destination ").nth(1).unwrap_or_default();
    assert!(
        human_dest.contains("Destination Private Root"),
        "{}",
        out.human
    );
    let md_dest = out
        .markdown
        .split("### Redirect destination")
        .nth(1)
        .unwrap_or_default();
    assert!(md_dest.contains("#### Trust stores"), "{}", out.markdown);
}

/// A public target redirecting to private or link-local literals: recorded,
/// never followed (no connection attempt, so no wait on an address that
/// would not answer). Loopback destinations are proven with a counting
/// server in `http::a_public_target_never_sends_the_probe_to_a_local_address`.
#[test]
fn a_public_target_never_follows_a_redirect_to_a_private_address() {
    let root = root_ca("Private Redirect Test Root", "Test");
    let host = "api.example.com";
    let leaf = leaf(&[host], &root);
    for location in [
        "https://10.255.255.1:8443/admin",
        "https://192.168.0.1/",
        "https://172.16.0.1:9443/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]:8443/",
    ] {
        let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], move |_| {
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
                .into_bytes()
        });
        let run = Check::new(host, server.port())
            .trust(&[&root])
            .http()
            .args(["--timeout", "5"])
            .json();
        run.assert_verdict("clean", 0);
        assert_eq!(run.target["http"]["stop"], "not_followed", "{}", run.dump());
        assert!(
            run.target["http"]["destination"].is_null(),
            "{}",
            run.dump()
        );
        assert!(
            run.elapsed < Duration::from_secs(4),
            "{location}: waited {:?}, as if it connected",
            run.elapsed
        );
        assert_eq!(server.connections(), 1, "{location}");
    }
}
