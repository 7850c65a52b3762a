//! End-to-end tests of proxies: the built binary tunnels through an
//! in-process HTTP CONNECT proxy on 127.0.0.1 (a real one: it reads the
//! CONNECT head, answers, and pipes bytes to the upstream), and every way a
//! proxy can fail has a clear `unreachable` diagnosis.
//!
//! The proxy "resolves" every CONNECT host to 127.0.0.1, as a corporate proxy
//! resolves public names the client cannot, so public names work without
//! `--resolve`. Credentials in proxy URLs must never appear in any output.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::support::*;
use serde_json::Value;

const PUBLIC: &str = "api.example.com";
const SECRET: &str = "s3cr%40t-pw";
const SECRET_DECODED: &str = "s3cr@t-pw";

/// What the test proxy does with a CONNECT.
#[derive(Clone)]
pub(crate) enum Behaviour {
    /// `200 Connection established`, then pipe to 127.0.0.1:PORT of the CONNECT.
    Tunnel,
    /// Send these bytes and close.
    Reply(&'static [u8]),
}

/// An HTTP CONNECT proxy on 127.0.0.1 that records every request head.
pub(crate) struct Proxy {
    server: RawServer,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub(crate) fn start(behaviour: Behaviour) -> Proxy {
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        let server = RawServer::start(move |mut client| {
            let Some(head) = read_head(&mut client) else {
                return;
            };
            seen.lock().unwrap().push(head.clone());
            match &behaviour {
                Behaviour::Reply(bytes) => {
                    let _ = client.write_all(bytes);
                    let _ = client.flush();
                    let _ = client.shutdown(std::net::Shutdown::Write);
                    let mut sink = [0u8; 1024];
                    while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
                }
                Behaviour::Tunnel => tunnel(client, &head),
            }
        });
        Proxy { server, heads }
    }

    fn port(&self) -> u16 {
        self.server.port()
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// The CONNECT targets asked for, in order.
    pub(crate) fn connects(&self) -> Vec<String> {
        self.heads()
            .iter()
            .filter_map(|h| h.strip_prefix("CONNECT "))
            .filter_map(|h| h.split_whitespace().next())
            .map(str::to_string)
            .collect()
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    fn url_with_credentials(&self) -> String {
        format!("http://alice:{SECRET}@127.0.0.1:{}", self.port())
    }
}

fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 16 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn tunnel(mut client: TcpStream, head: &str) {
    let port = head
        .split_whitespace()
        .nth(1)
        .and_then(|authority| authority.rsplit_once(':'))
        .and_then(|(_, port)| port.parse::<u16>().ok());
    let Some(mut upstream) = port.and_then(|p| TcpStream::connect(("127.0.0.1", p)).ok()) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (Ok(mut client_r), Ok(mut upstream_w)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut client_r, &mut upstream_w);
        let _ = upstream_w.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

fn public_pki() -> (Cert, Cert, Cert) {
    let root = root_ca("Proxy Test Root", "Proxy Test Trust");
    let inter = intermediate_ca("Proxy Test Issuing CA", &root);
    let leaf = leaf(&[PUBLIC, "other.example.com"], &inter);
    (root, inter, leaf)
}

/// Runs a command with `--format json` and parses the one target.
fn json(mut cmd: assert_cmd::Command) -> (Output, Value) {
    cmd.args(["--format", "json"]);
    let out = run(cmd);
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    let target = report["targets"][0].clone();
    (out, target)
}

fn assert_no_secret(text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(SECRET_DECODED) && !text.contains("alice:"),
        "a proxy credential leaked:\n{text}"
    );
}

/// Every format and stderr, for one command built by `make`.
fn assert_no_secret_anywhere(make: impl Fn() -> assert_cmd::Command) {
    for format in ["human", "json", "markdown"] {
        let mut cmd = make();
        cmd.args(["--format", format]);
        let out = run(cmd);
        assert_no_secret(&out.stdout);
        assert_no_secret(&out.stderr);
    }
}

fn detail(target: &Value) -> String {
    target["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}\n{}\n",
                f["summary"].as_str().unwrap_or(""),
                f["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Through the tunnel
// ---------------------------------------------------------------------------

#[test]
fn untrusted_chain_through_a_proxy_is_interception_and_names_the_proxy() {
    let (_root, inter, leaf) = public_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let proxy = Proxy::start(Behaviour::Tunnel);
    let check = Check::target(&format!("{PUBLIC}:{}", server.port()));
    let mut cmd = check.command();
    cmd.env("HTTPS_PROXY", proxy.url_with_credentials());
    let (out, t) = json(cmd);
    assert_eq!(
        t["verdict"], "corporate_interception",
        "{t:#}\n{}",
        out.stderr
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        t["connection"]["proxy"],
        format!("http://127.0.0.1:{} (credentials removed)", proxy.port())
    );
    assert_eq!(proxy.connects(), [format!("{PUBLIC}:{}", server.port())]);
    // Basic auth from the percent-decoded userinfo.
    let head = &proxy.heads()[0];
    assert!(
        head.contains("Proxy-Authorization: Basic YWxpY2U6czNjckB0LXB3\r\n"),
        "{head}"
    );
    assert_no_secret(&out.stdout);
    assert_no_secret_anywhere(|| {
        let mut cmd = check.command();
        cmd.env("HTTPS_PROXY", proxy.url_with_credentials());
        cmd
    });
}

#[test]
fn a_local_name_through_a_plain_tunnel_is_its_private_ca() {
    let root = root_ca("Local Dev Root", "Dev");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);
    let proxy = Proxy::start(Behaviour::Tunnel);
    // No store trusts the root. DESIGN.md row 7: a plain CONNECT tunnel
    // re-signs nothing, so a local name stays private_ca, with a note that
    // NO_PROXY probably lacks the name.
    let check = Check::target(&format!("localhost:{}", server.port()));
    let mut cmd = check.command();
    cmd.args(["--proxy", &proxy.url()]);
    let (out, t) = json(cmd);
    assert_eq!(t["verdict"], "private_ca", "{t:#}\n{}", out.stderr);
    assert!(
        t["findings"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("NO_PROXY")),
        "{t:#}"
    );
    assert_eq!(t["connection"]["proxy"], proxy.url());

    let mut direct = check.command();
    direct.args([
        "--resolve",
        &format!("localhost:{}:127.0.0.1", server.port()),
    ]);
    let (_, t) = json(direct);
    assert_eq!(t["verdict"], "private_ca", "{t:#}");
    assert!(t["connection"]["proxy"].is_null());
}

#[test]
fn trusted_chain_through_a_proxy_is_clean_and_redirect_hops_use_the_proxy() {
    let (root, inter, leaf) = public_pki();
    let server = TlsServer::start_http(&[&leaf, &inter], &leaf, &["http/1.1"], |head| {
        if head.starts_with("GET /start ") {
            let port = head
                .lines()
                .find_map(|l| l.strip_prefix("Host: "))
                .and_then(|h| h.rsplit_once(':'))
                .map(|(_, p)| p.trim().to_string())
                .unwrap_or_default();
            format!(
                "HTTP/1.1 302 Found\r\nLocation: https://other.example.com:{port}/end\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes()
        } else {
            HTTP_200.to_vec()
        }
    });
    let proxy = Proxy::start(Behaviour::Tunnel);
    let check = Check::target(&format!("https://{PUBLIC}:{}/start", server.port()))
        .trust(&[&root])
        .http();
    let mut cmd = check.command();
    cmd.env("https_proxy", proxy.url());
    let (out, t) = json(cmd);
    assert_eq!(t["verdict"], "clean", "{t:#}\n{}", out.stderr);
    assert_eq!(t["http"]["status"], 200, "{t:#}");
    // Neither name resolves here: the redirect hop can only have gone through the proxy.
    let port = server.port();
    assert_eq!(
        proxy.connects(),
        [
            format!("{PUBLIC}:{port}"),
            format!("other.example.com:{port}")
        ]
    );
}

// ---------------------------------------------------------------------------
// Proxy failures
// ---------------------------------------------------------------------------

fn failing(behaviour: Behaviour, credentials: bool) -> (Output, Value, Proxy) {
    let proxy = Proxy::start(behaviour);
    let url = if credentials {
        proxy.url_with_credentials()
    } else {
        proxy.url()
    };
    let check = Check::target(&format!("{PUBLIC}:443"));
    let mut cmd = check.command();
    cmd.env("HTTPS_PROXY", &url);
    let (out, t) = json(cmd);
    assert_eq!(t["verdict"], "unreachable", "{t:#}\n{}", out.stderr);
    assert_eq!(out.code, 3, "{t:#}");
    assert_no_secret(&out.stdout);
    assert_no_secret(&out.stderr);
    (out, t, proxy)
}

const PROXY_407: &[u8] = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n";

#[test]
fn proxy_authentication_required_says_whether_credentials_were_sent() {
    let (_, t, proxy) = failing(Behaviour::Reply(PROXY_407), false);
    let text = detail(&t);
    assert!(text.contains("requires authentication"), "{text}");
    assert!(text.contains("no credentials were sent"), "{text}");
    assert!(text.contains("Negotiate, Basic"), "{text}");
    assert!(!proxy.heads()[0].contains("Proxy-Authorization"));

    let (_, t, proxy) = failing(Behaviour::Reply(PROXY_407), true);
    let text = detail(&t);
    assert!(text.contains("rejected the credentials"), "{text}");
    assert!(text.contains("were sent (Basic) and rejected"), "{text}");
    assert!(proxy.heads()[0].contains("Proxy-Authorization: Basic "));
    assert_eq!(
        t["connection"]["proxy"],
        format!("http://127.0.0.1:{} (credentials removed)", proxy.port())
    );
}

#[test]
fn refused_connect_shows_the_status_line() {
    let (_, t, _) = failing(
        Behaviour::Reply(b"HTTP/1.1 403 Forbidden by URL policy\r\nContent-Length: 0\r\n\r\n"),
        true,
    );
    let text = detail(&t);
    assert!(text.contains("refused to connect"), "{text}");
    assert!(
        text.contains("\"HTTP/1.1 403 Forbidden by URL policy\""),
        "{text}"
    );
}

#[test]
fn a_proxy_that_does_not_speak_http_is_named_so() {
    let (_, t, _) = failing(Behaviour::Reply(b"SSH-2.0-OpenSSH_9.6\r\n"), false);
    let text = detail(&t);
    assert!(text.contains("does not speak HTTP"), "{text}");
    assert!(text.contains("SSH-2.0-OpenSSH_9.6"), "{text}");

    // TLS instead of HTTP (an https:// proxy given as http://).
    let (_, t, _) = failing(
        Behaviour::Reply(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]),
        false,
    );
    assert!(detail(&t).contains("does not speak HTTP"), "{t:#}");

    // An endless head is cut off, not read forever.
    static ENDLESS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let endless = ENDLESS.get_or_init(|| {
        let mut v = b"HTTP/1.1 200 OK\r\nX-Filler: ".to_vec();
        v.resize(40 * 1024, b'a');
        v
    });
    let (_, t, _) = failing(Behaviour::Reply(endless), false);
    assert!(detail(&t).contains("without ending its answer"), "{t:#}");
}

#[test]
fn an_unreachable_proxy_is_unreachable_and_says_it_is_the_proxy() {
    let port = closed_port();
    let check = Check::target(&format!("{PUBLIC}:443"));
    let mut cmd = check.command();
    cmd.env(
        "ALL_PROXY",
        format!("http://alice:{SECRET}@127.0.0.1:{port}"),
    );
    let (out, t) = json(cmd);
    assert_eq!(t["verdict"], "unreachable", "{t:#}");
    assert_eq!(out.code, 3);
    let text = detail(&t);
    assert!(text.contains("the proxy for"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{port} (credentials removed)")),
        "{text}"
    );
    assert_no_secret(&out.stdout);
}

#[test]
fn a_socks_proxy_is_reported_as_unsupported() {
    let check = Check::target(&format!("{PUBLIC}:443"));
    let mut cmd = check.command();
    cmd.env("ALL_PROXY", format!("socks5://alice:{SECRET}@127.0.0.1:1"));
    let (out, t) = json(cmd);
    assert_eq!(t["verdict"], "unreachable", "{t:#}");
    assert!(detail(&t).contains("http:// proxies"), "{t:#}");
    assert_no_secret(&out.stdout);
}

#[test]
fn a_bad_proxy_url_never_echoes_its_password() {
    for url in [
        format!("http://alice:{SECRET}@:8080"),
        format!("http://alice:{SECRET}@proxy:notaport"),
        format!("alice:{SECRET}@[::1"),
    ] {
        let make = || {
            let check = Check::target(&format!("{PUBLIC}:443"));
            let mut cmd = check.command();
            cmd.args(["--proxy", &url]);
            cmd
        };
        assert_no_secret_anywhere(make);
        let out = run(make());
        assert_ne!(out.code, 0);
    }
}

// ---------------------------------------------------------------------------
// Choosing the proxy
// ---------------------------------------------------------------------------

#[test]
fn no_proxy_bypasses_the_proxy() {
    let (root, inter, leaf) = public_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let proxy = Proxy::start(Behaviour::Reply(b"HTTP/1.1 403 Forbidden\r\n\r\n"));
    for no_proxy in [".example.com", "api.example.com", "*", "foo, example.com"] {
        let check = Check::new(PUBLIC, server.port()).trust(&[&root]);
        let mut cmd = check.command();
        cmd.env("HTTPS_PROXY", proxy.url())
            .env("NO_PROXY", no_proxy);
        let (out, t) = json(cmd);
        assert_eq!(
            t["verdict"], "clean",
            "NO_PROXY={no_proxy}\n{t:#}\n{}",
            out.stderr
        );
        assert!(t["connection"]["proxy"].is_null(), "{t:#}");
    }
    assert_eq!(proxy.server.connections(), 0);

    // A list that does not name the host leaves the proxy in place.
    let check = Check::new(PUBLIC, server.port()).trust(&[&root]);
    let mut cmd = check.command();
    cmd.env("HTTPS_PROXY", proxy.url())
        .env("no_proxy", "notexample.com,10.0.0.0/8");
    let (_, t) = json(cmd);
    assert_eq!(t["verdict"], "unreachable", "{t:#}");
    assert_eq!(proxy.server.connections(), 1);
}

#[test]
fn command_line_overrides_the_environment() {
    let (root, inter, leaf) = public_pki();
    let server = TlsServer::start(&[&leaf, &inter], &leaf);
    let env_proxy = Proxy::start(Behaviour::Reply(b"HTTP/1.1 403 Forbidden\r\n\r\n"));
    let cli_proxy = Proxy::start(Behaviour::Tunnel);

    // --no-proxy: direct, whatever HTTPS_PROXY says.
    let check = Check::new(PUBLIC, server.port()).trust(&[&root]);
    let mut cmd = check.command();
    cmd.env("HTTPS_PROXY", env_proxy.url()).arg("--no-proxy");
    let (_, t) = json(cmd);
    assert_eq!(t["verdict"], "clean", "{t:#}");
    assert!(t["connection"]["proxy"].is_null());

    // --proxy: always that proxy, even when NO_PROXY names the host.
    let check = Check::target(&format!("{PUBLIC}:{}", server.port())).trust(&[&root]);
    let mut cmd = check.command();
    cmd.env("HTTPS_PROXY", env_proxy.url())
        .env("NO_PROXY", "*")
        .args(["--proxy", &cli_proxy.url()]);
    let (_, t) = json(cmd);
    assert_eq!(t["verdict"], "clean", "{t:#}");
    assert_eq!(t["connection"]["proxy"], cli_proxy.url());
    assert_eq!(env_proxy.server.connections(), 0);
}
