//! Hostile servers: a diagnostic tool is pointed at broken endpoints on
//! purpose, so each way a server can misbehave gets a local server here and
//! a test that tlsdoctor answers with a truthful verdict, within a bound
//! derived from `--timeout`, with peak memory (VmHWM, Linux) under 50 MB.
//!
//! Also here: over a connection whose chain did not verify, tlsdoctor sends
//! nothing beyond the handshake and one minimal GET.
//!
//! The binary is spawned directly (not through assert_cmd) so its
//! `/proc/<pid>/status` can be polled while it runs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::*;
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

/// The name the tests check; `--resolve` sends it to 127.0.0.1.
const HOST: &str = "hostile.example.com";
/// Peak resident memory allowed for one check.
const MAX_PEAK_KB: u64 = 50 * 1024;
/// Start-up, report and scheduling slack on top of the protocol bound.
const SLACK: Duration = Duration::from_millis(2500);

// ---------------------------------------------------------------------------
// Running the binary with its memory watched

/// One run of the binary, with its peak resident memory when /proc has it.
struct Measured {
    code: i32,
    report: Value,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_kb: Option<u64>,
}

impl Measured {
    fn target(&self) -> &Value {
        &self.report["targets"][0]
    }

    fn verdict(&self) -> &str {
        self.target()["verdict"].as_str().unwrap_or("<none>")
    }

    fn finding_text(&self) -> String {
        self.target()["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!("{} {} {}\n", f["severity"], f["summary"], f["detail"]))
            .collect()
    }

    fn dump(&self) -> String {
        format!(
            "exit code {}, {:?}, peak {:?} kB\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.elapsed, self.peak_kb, self.stdout, self.stderr
        )
    }

    /// The verdict, exit code, time and memory every hostile case must meet.
    #[track_caller]
    fn assert_bounded(&self, verdict: &str, code: i32, bound: Duration) -> &Measured {
        // Shown with --nocapture: the figures behind docs and reports.
        eprintln!(
            "{verdict}: {:?} (bound {bound:?}), peak {:?} kB",
            self.elapsed, self.peak_kb
        );
        assert_eq!(self.verdict(), verdict, "wrong verdict\n{}", self.dump());
        assert_eq!(self.code, code, "wrong exit code\n{}", self.dump());
        assert!(
            self.elapsed < bound,
            "took {:?}, bound {bound:?}\n{}",
            self.elapsed,
            self.dump()
        );
        if let Some(peak) = self.peak_kb {
            assert!(
                peak < MAX_PEAK_KB,
                "peak memory {peak} kB ≥ 50 MB\n{}",
                self.dump()
            );
        }
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("bug report"),
            "{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    fn assert_mentions(&self, needle: &str) -> &Measured {
        let text = self.finding_text();
        assert!(
            text.contains(needle),
            "no finding mentions {needle:?}\n{}",
            self.dump()
        );
        self
    }
}

/// `tlsdoctor check HOST:PORT --format json` with explicit stores (`trusted`
/// in both; an unrelated root when empty), `--resolve` to 127.0.0.1, and
/// every CA and proxy variable removed, as `support::tlsdoctor()` does.
fn check(port: u16, target: Option<&str>, trusted: &[&Cert], args: &[&str]) -> Measured {
    let scratch = Scratch::new();
    let roots = if trusted.is_empty() {
        vec![unrelated_root()]
    } else {
        trusted.to_vec()
    };
    let stores = scratch.pem_file("roots.pem", &roots);
    let target = target.map_or(format!("{HOST}:{port}"), str::to_string);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    for var in ambient_vars() {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd.arg("check")
        .arg(&target)
        .arg("--resolve")
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg("--bundled-roots")
        .arg(&stores)
        .arg("--os-roots")
        .arg(&stores)
        .args(["--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_measured(cmd)
}

/// Run `cmd`, polling VmHWM every few milliseconds until it exits; kill it
/// after [`RUN_TIMEOUT`] so a hang fails the test instead of stalling it.
fn run_measured(mut cmd: Command) -> Measured {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn tlsdoctor");
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let stdout = pipe(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = pipe(child.stderr.take().map(|s| Box::new(s) as _));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak: Option<u64> = None;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(&status_file) {
            peak = Some(peak.map_or(kb, |p| p.max(kb)));
        }
        if let Some(status) = child.try_wait().expect("wait for tlsdoctor") {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            break child.wait().expect("wait for killed tlsdoctor");
        }
        thread::sleep(Duration::from_millis(3));
    };
    let elapsed = start.elapsed();
    let stdout = stdout.join().unwrap_or_default();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Measured {
        code: status.code().unwrap_or(-1),
        report,
        stdout,
        stderr: stderr.join().unwrap_or_default(),
        elapsed,
        peak_kb: peak,
    }
}

/// `VmHWM` (peak resident set) in kB; `None` where /proc is absent.
fn vm_hwm_kb(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The bound for a check that stops at the handshake: connect and
/// handshake, one deadline each.
fn handshake_bound(timeout_secs: u64) -> Duration {
    Duration::from_secs(2 * timeout_secs) + SLACK
}

/// The bound for a check that runs the HTTP probe: connect, handshake, and
/// the HTTP stage's budget of three deadlines.
fn http_bound(timeout_secs: u64) -> Duration {
    Duration::from_secs(5 * timeout_secs) + SLACK
}

// ---------------------------------------------------------------------------
// Servers the harness lacks

/// A trusted root and a leaf for [`HOST`] (the harness issues and serves them).
fn pki() -> (Cert, Cert) {
    let root = root_ca("Tlsdoctor Hostile Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&[HOST], &root);
    (root, leaf)
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .expect("supported key");
    let certified = Arc::new(CertifiedKey::new(chain, signing_key));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(certified)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl rustls::server::ResolvesServerCert for Fixed {
    fn resolve(&self, _: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

/// A TLS server that completes the handshake, then hands the stream to
/// `after` (which reads the request and misbehaves as it likes).
fn tls_server(
    config: Arc<rustls::ServerConfig>,
    after: impl Fn(&mut Tls) + Send + Sync + 'static,
) -> RawServer {
    RawServer::start(move |stream| {
        let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(conn, stream);
        while tls.conn.is_handshaking() {
            if tls.conn.complete_io(&mut tls.sock).is_err() {
                return;
            }
        }
        after(&mut tls);
    })
}

/// Reads a request head (up to the blank line); `None` if the client left.
fn read_head(tls: &mut Tls) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tls.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(head)
}

/// Writes `bytes` one a second (flushing each) until they run out, the
/// client leaves, or `for_at_most` passes.
fn drip(out: &mut impl Write, bytes: &[u8], for_at_most: Duration) {
    let deadline = Instant::now() + for_at_most;
    for b in bytes.iter().cycle() {
        if Instant::now() > deadline || out.write_all(&[*b]).and_then(|_| out.flush()).is_err() {
            return;
        }
        thread::sleep(Duration::from_secs(1));
    }
}

// ---------------------------------------------------------------------------
// Silent, slow, garbage, not TLS

#[test]
fn accepts_then_stays_silent() {
    let server = RawServer::start(raw::silent(Duration::from_secs(30)));
    let run = check(server.port(), None, &[], &["--timeout", "1"]);
    run.assert_bounded("handshake_failed", 1, handshake_bound(1))
        .assert_mentions("never answered the TLS ClientHello");
}

#[test]
fn drips_one_byte_a_second_during_the_handshake() {
    // The start of a real ServerHello record, one byte a second.
    let server = RawServer::start(|mut stream: TcpStream| {
        let mut hello = [0u8; 4096];
        let _ = stream.read(&mut hello);
        drip(
            &mut stream,
            &[
                0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03,
            ],
            Duration::from_secs(30),
        );
    });
    let run = check(server.port(), None, &[], &["--timeout", "2"]);
    run.assert_bounded("handshake_failed", 1, handshake_bound(2))
        .assert_mentions("stalled after");
}

#[test]
fn drips_the_http_response_head_one_byte_a_second() {
    let (root, leaf) = pki();
    let config = server_config(vec![leaf.der.clone()], leaf.key_der());
    let server = tls_server(config, |tls| {
        if read_head(tls).is_some() {
            drip(tls, b"HTTP/1.1 200 OK\r\n", Duration::from_secs(30));
        }
    });
    let run = check(server.port(), None, &[&root], &["--timeout", "1"]);
    run.assert_bounded("clean", 0, http_bound(1))
        .assert_mentions("no response head within");
    assert_eq!(run.target()["http"]["stop"], "failed", "{}", run.dump());
}

#[test]
fn sends_garbage() {
    let server = RawServer::start(raw::reply_after_read(
        b"\x00\xff\x13\x37 garbage \x01\x02\x03\xfe\r\n",
    ));
    let run = check(server.port(), None, &[], &["--timeout", "1"]);
    run.assert_bounded("not_tls", 1, handshake_bound(1))
        .assert_mentions("does not speak TLS");
}

#[test]
fn sends_garbage_that_starts_like_a_tls_record() {
    // A handshake record header, then bytes that are no handshake message.
    let server = RawServer::start(raw::reply_after_read(
        b"\x16\x03\x03\x00\x10\xff\xff\xff\xff\x00\x00\x00\x00garbage!",
    ));
    let run = check(server.port(), None, &[], &["--timeout", "1"]);
    run.assert_bounded("handshake_failed", 1, handshake_bound(1));
}

#[test]
fn sends_an_ssh_banner() {
    let server = RawServer::start(raw::send_on_accept(raw::SSH_BANNER));
    let run = check(server.port(), None, &[], &["--timeout", "1"]);
    run.assert_bounded("not_tls", 1, handshake_bound(1))
        .assert_mentions("SSH-2.0-OpenSSH_9.6")
        .assert_mentions("SSH server");
}

#[test]
fn closes_in_the_middle_of_the_handshake() {
    // A real server's first flight (ServerHello onwards), cut in half.
    let (_, leaf) = pki();
    let config = server_config(vec![leaf.der.clone()], leaf.key_der());
    let server = RawServer::start(move |mut stream: TcpStream| {
        let Ok(mut conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
            return;
        };
        let mut hello = vec![0u8; 16 * 1024];
        let Ok(n) = stream.read(&mut hello) else {
            return;
        };
        let mut input = &hello[..n];
        if conn.read_tls(&mut input).is_err() || conn.process_new_packets().is_err() {
            return;
        }
        let mut flight = Vec::new();
        while conn.wants_write() {
            if conn.write_tls(&mut flight).is_err() {
                return;
            }
        }
        let _ = stream.write_all(&flight[..flight.len() / 2]);
        let _ = stream.shutdown(std::net::Shutdown::Both);
    });
    let run = check(server.port(), None, &[], &["--timeout", "2"]);
    run.assert_bounded("handshake_failed", 1, handshake_bound(2))
        .assert_mentions("closed the connection during the TLS handshake");
}

// ---------------------------------------------------------------------------
// Long chains

/// `n` certificates that have nothing to do with the server's chain: roots,
/// and intermediates issued by them.
fn unrelated(n: usize) -> Vec<CertificateDer<'static>> {
    let roots: Vec<Cert> = (0..n.div_ceil(2))
        .map(|i| root_ca(&format!("Unrelated Root {i}"), "Unrelated"))
        .collect();
    roots
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let int = intermediate_ca(&format!("Unrelated Intermediate {i}"), r);
            [r.der.clone(), int.der]
        })
        .take(n)
        .collect()
}

#[test]
fn sends_a_chain_of_forty_certificates_with_unrelated_ones() {
    let root = root_ca("Tlsdoctor Hostile Test Root", "Tlsdoctor Test Trust");
    let int = intermediate_ca("Tlsdoctor Hostile Intermediate", &root);
    let leaf = leaf(&[HOST], &int);
    // The leaf first, then 40 unrelated certificates, the intermediate last.
    let mut chain = vec![leaf.der.clone()];
    chain.extend(unrelated(40));
    chain.push(int.der.clone());
    assert!(chain.len() >= 42);
    let server = TlsServer::start_der(chain, leaf.key_der());

    let run = check(server.port(), None, &[&root], &["--timeout", "2"]);
    run.assert_bounded("clean", 0, http_bound(2));
    assert_eq!(
        run.target()["chain"].as_array().map(Vec::len),
        Some(42),
        "every certificate sent is reported\n{}",
        run.dump()
    );

    // Trusted by no store: the diagnosis names the chain's own root, not
    // one of the forty distractors.
    let run = check(server.port(), None, &[], &["--timeout", "2"]);
    run.assert_bounded("incomplete_chain", 1, http_bound(2));
    assert!(
        !run.finding_text().contains("Unrelated"),
        "a finding blames an unrelated certificate\n{}",
        run.dump()
    );
}

#[test]
fn sends_a_chain_too_large_for_one_handshake_message() {
    // 200 certificates: more than the 64 KiB a TLS handshake message may hold.
    let (root, leaf) = pki();
    let mut chain = vec![leaf.der.clone()];
    chain.extend(unrelated(200));
    let server = TlsServer::start_der(chain, leaf.key_der());
    let run = check(server.port(), None, &[&root], &["--timeout", "2"]);
    run.assert_bounded("handshake_failed", 1, handshake_bound(2))
        .assert_mentions("larger than clients accept");
}

// ---------------------------------------------------------------------------
// HTTP: endless headers, endless redirects

#[test]
fn answers_the_get_with_endless_headers() {
    let (root, leaf) = pki();
    let config = server_config(vec![leaf.der.clone()], leaf.key_der());
    let server = tls_server(config, |tls| {
        if read_head(tls).is_none() {
            return;
        }
        let _ = tls.write_all(b"HTTP/1.1 200 OK\r\n");
        let line = format!("X-Filler: {}\r\n", "a".repeat(100));
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if tls.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    });
    let run = check(server.port(), None, &[&root], &["--timeout", "1"]);
    run.assert_bounded("clean", 0, http_bound(1));
    let text = run.finding_text();
    assert!(
        text.contains("header lines") || text.contains("larger than"),
        "the HTTP warning does not say the head was too large\n{}",
        run.dump()
    );
}

#[test]
fn answers_the_get_with_one_endless_header_line() {
    let (root, leaf) = pki();
    let config = server_config(vec![leaf.der.clone()], leaf.key_der());
    let server = tls_server(config, |tls| {
        if read_head(tls).is_none() {
            return;
        }
        let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nX-Endless: ");
        let chunk = vec![b'a'; 16 * 1024];
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if tls.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let run = check(server.port(), None, &[&root], &["--timeout", "1"]);
    run.assert_bounded("clean", 0, http_bound(1))
        .assert_mentions("larger than 65536 bytes");
}

fn path_of(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or("")
}

#[test]
fn redirects_forever() {
    let (root, leaf) = pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| {
        let n: u64 = path_of(head).trim_start_matches('/').parse().unwrap_or(0);
        format!(
            "HTTP/1.1 302 Found\r\nLocation: /{}\r\nContent-Length: 0\r\n\r\n",
            n + 1
        )
        .into_bytes()
    });
    let target = format!("https://{HOST}:{}/0", server.port());
    let run = check(server.port(), Some(&target), &[&root], &["--timeout", "1"]);
    run.assert_bounded("clean", 0, http_bound(1))
        .assert_mentions("more than 5 redirects");
    assert_eq!(run.target()["http"]["stop"], "too_many_redirects");
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn redirects_forever_each_hop_just_inside_the_deadline() {
    // Each answer comes 0.8 s after the request: every hop meets its own
    // 1 s deadline, so only the HTTP stage's shared budget stops the probe.
    let (root, leaf) = pki();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |head| {
        thread::sleep(Duration::from_millis(800));
        let n: u64 = path_of(head).trim_start_matches('/').parse().unwrap_or(0);
        format!(
            "HTTP/1.1 302 Found\r\nLocation: /{}\r\nContent-Length: 0\r\n\r\n",
            n + 1
        )
        .into_bytes()
    });
    let target = format!("https://{HOST}:{}/0", server.port());
    let run = check(server.port(), Some(&target), &[&root], &["--timeout", "1"]);
    run.assert_bounded("clean", 0, http_bound(1))
        .assert_mentions("as a whole took longer");
    assert!(run.target()["http"]["redirects"]
        .as_array()
        .is_some_and(|h| h.len() < 6));
}

// ---------------------------------------------------------------------------
// Nothing extra sent

#[test]
fn over_an_unverified_chain_only_one_minimal_get_is_sent() {
    let (_, leaf) = pki();
    let config = server_config(vec![leaf.der.clone()], leaf.key_der());
    // Every byte received after the handshake, per connection.
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let record = Arc::clone(&received);
    let server = tls_server(config, move |tls| {
        let mut got = read_head(tls).unwrap_or_default();
        if !got.is_empty() {
            let _ = tls.write_all(HTTP_200);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
        // Keep reading until the client leaves: anything more is recorded.
        let _ = tls.sock.set_read_timeout(Some(Duration::from_secs(3)));
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = tls.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        record.lock().unwrap().push(got);
    });
    let port = server.port();
    let target = format!("https://alice:hunter2@{HOST}:{port}/api?x=1");
    let run = check(port, Some(&target), &[], &["--timeout", "2"]);
    assert_ne!(run.verdict(), "clean", "{}", run.dump());
    assert_eq!(run.code, 1, "{}", run.dump());

    // The server thread records when the client has closed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while received.lock().unwrap().is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.connections(), 1, "one connection only");
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let text = String::from_utf8_lossy(&received[0]).into_owned();
    let (head, after) = text.split_once("\r\n\r\n").expect("one request head");
    assert_eq!(after, "", "bytes sent after the request head: {text:?}");
    let mut lines = head.split("\r\n");
    assert_eq!(lines.next(), Some("GET /api?x=1 HTTP/1.1"), "{text:?}");
    let names: Vec<String> = lines
        .map(|l| l.split(':').next().unwrap_or("").to_ascii_lowercase())
        .collect();
    assert_eq!(
        names,
        ["host", "user-agent", "accept", "connection"],
        "{text:?}"
    );
    let lower = text.to_ascii_lowercase();
    for secret in ["authorization", "cookie", "alice", "hunter2"] {
        assert!(!lower.contains(secret), "{secret} was sent: {text:?}");
    }
}

// ---------------------------------------------------------------------------
// Chain files

/// `tlsdoctor inspect FILE --host HOST --format json`, stores as in [`check`].
fn inspect(scratch: &Scratch, file: &std::path::Path) -> Measured {
    let stores = scratch.pem_file("roots.pem", &[unrelated_root()]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    for var in ambient_vars() {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
        .arg("inspect")
        .arg(file)
        .args(["--host", HOST, "--format", "json"])
        .arg("--bundled-roots")
        .arg(&stores)
        .arg("--os-roots")
        .arg(&stores)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_measured(cmd)
}

#[test]
fn a_chain_file_of_a_thousand_linked_certificates_is_bounded() {
    // 999 CAs, each issuing the next, and a leaf, root first: the worst
    // case for putting a chain in order (inspect refuses more than 1000).
    let mut certs = vec![root_ca("Long Chain Root", "Long")];
    for i in 1..999 {
        let next = intermediate_ca(&format!("Long Chain CA {i}"), &certs[i - 1]);
        certs.push(next);
    }
    let leaf = leaf(&[HOST], &certs[certs.len() - 1]);
    certs.push(leaf);
    let scratch = Scratch::new();
    let refs: Vec<&Cert> = certs.iter().collect();
    let file = scratch.pem_file("long.pem", &refs);
    let run = inspect(&scratch, &file);
    // 0.3 s in a release build; the test binary is a debug build.
    let bound = Duration::from_secs(if cfg!(debug_assertions) { 25 } else { 3 });
    run.assert_bounded("invalid_certificate", 1, bound)
        .assert_mentions("path building gave up")
        .assert_mentions("and 992 more");
    assert!(
        run.stdout.len() < 2 << 20,
        "a {} byte report",
        run.stdout.len()
    );
    assert_eq!(run.target()["chain"].as_array().map(Vec::len), Some(1000));

    // One more is not a chain: refused with one line, exit 2.
    let extra = root_ca("One Too Many", "Long");
    let mut refs = refs;
    refs.push(&extra);
    let file = scratch.pem_file("too-long.pem", &refs);
    let run = inspect(&scratch, &file);
    assert_eq!(run.code, 2, "{}", run.dump());
    assert!(
        run.stderr.contains("more than 1000 certificates"),
        "{}",
        run.dump()
    );
}
