/*!
The test harness for tlsdoctor's end-to-end tests.

It owns three things and nothing else:

- **PKI**: certificates made with rcgen for the test ([`CertSpec`], [`Cert`]),
  written to PEM bundles in a temporary directory ([`Scratch`]).
- **Servers** on 127.0.0.1: a real rustls server that sends exactly the chain it
  is given, in the order given ([`TlsServer`]), and a raw TCP server whose every
  connection runs a closure ([`RawServer`], with ready-made behaviours in
  [`raw`]).
- **The binary**: [`tlsdoctor`] gives a command with every CA and proxy variable
  removed; [`Check`] runs `tlsdoctor check` with explicit trust stores and parses
  its JSON.

Tests never leave the machine and never depend on the machine's trust store:
every run passes `--bundled-roots` and `--os-roots` with PEM files written here.
Everything that waits has a timeout, so a broken product fails a test instead of
hanging it.
*/

pub mod connpath;
pub mod sandbox;
mod tools;
pub use tools::tool;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use time::OffsetDateTime;

/// How long any single read or write in a test server may block.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one run of the binary may take before the test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// PKI
// ---------------------------------------------------------------------------

/// A UTC midnight, for validity windows.
pub fn date(year: i32, month: u8, day: u8) -> OffsetDateTime {
    rcgen::date_time_ymd(year, month, day)
}

/// A certificate made for a test, with its key, so it can sign or be served.
pub struct Cert {
    /// The subject common name, for assertions on report text.
    pub cn: String,
    pub der: CertificateDer<'static>,
    pub pem: String,
    params: CertificateParams,
    key: KeyPair,
}

impl Cert {
    /// The private key, as a server needs it.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()))
    }

    /// The private key as PKCS#8 PEM, as nginx or openssl need it.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// The SHA-256 fingerprint of the DER, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(self.der.as_ref())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn not_before(&self) -> OffsetDateTime {
        self.params.not_before
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.params.not_after
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

impl std::fmt::Debug for Cert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cert").field("cn", &self.cn).finish()
    }
}

/// What a certificate should say, before it is signed.
///
/// Defaults are realistic: CAs are valid 2018-01-01..2040-01-01 (so a chain can be
/// checked `--at` a date in 2019), leaves from yesterday for 90 days with EKU
/// serverAuth and no SANs until [`CertSpec::dns`] or [`CertSpec::ip`] adds some.
#[derive(Clone)]
pub struct CertSpec {
    params: CertificateParams,
    cn: String,
}

impl CertSpec {
    /// A CA certificate (root or intermediate): CA:TRUE, keyCertSign and cRLSign.
    pub fn ca(cn: &str) -> CertSpec {
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn, None);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = date(2018, 1, 1);
        params.not_after = date(2040, 1, 1);
        params.use_authority_key_identifier_extension = true;
        CertSpec {
            params,
            cn: cn.to_string(),
        }
    }

    /// A server certificate: no CA flag, EKU serverAuth, valid from yesterday
    /// for 90 days, subject CN `cn` and no SANs yet.
    pub fn leaf(cn: &str) -> CertSpec {
        let now = OffsetDateTime::now_utc();
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn, None);
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(90);
        params.use_authority_key_identifier_extension = true;
        CertSpec {
            params,
            cn: cn.to_string(),
        }
    }

    /// Adds O= to the subject.
    pub fn org(mut self, org: &str) -> CertSpec {
        self.params.distinguished_name = dn(&self.cn, Some(org));
        self
    }

    /// Adds DNS names to the subjectAltName.
    pub fn dns(mut self, names: &[&str]) -> CertSpec {
        for name in names {
            let name = (*name).to_string().try_into().expect("valid DNS SAN");
            self.params.subject_alt_names.push(SanType::DnsName(name));
        }
        self
    }

    pub fn validity(mut self, not_before: OffsetDateTime, not_after: OffsetDateTime) -> CertSpec {
        self.params.not_before = not_before;
        self.params.not_after = not_after;
        self
    }

    /// Sets or clears basicConstraints CA:TRUE (and the key usages that go with it).
    pub fn ca_flag(mut self, ca: bool) -> CertSpec {
        if ca {
            self.params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            for ku in [KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign] {
                if !self.params.key_usages.contains(&ku) {
                    self.params.key_usages.push(ku);
                }
            }
        } else {
            self.params.is_ca = IsCa::NoCa;
        }
        self
    }

    /// Drops the keyUsage extension (a CA without it breaks strict profiles).
    pub fn without_key_usage(mut self) -> CertSpec {
        self.params.key_usages.clear();
        self
    }

    /// Leaves out the authorityKeyIdentifier (which Python 3.13's strict mode
    /// and `-x509_strict` require in a certificate a CA issued).
    pub fn no_aki(mut self) -> CertSpec {
        self.params.use_authority_key_identifier_extension = false;
        self
    }

    /// Replaces the extended key usages (empty: no EKU extension).
    pub fn eku(mut self, ekus: &[ExtendedKeyUsagePurpose]) -> CertSpec {
        self.params.extended_key_usages = ekus.to_vec();
        self
    }

    /// Signs the certificate with its own key.
    pub fn self_signed(self) -> Cert {
        let key = KeyPair::generate().expect("generate key");
        let cert = self.params.self_signed(&key).expect("self-sign");
        Cert {
            cn: self.cn,
            pem: cert.pem(),
            der: cert.der().clone(),
            params: self.params,
            key,
        }
    }

    /// Signs the certificate with `issuer`'s key; its issuer name is `issuer`'s subject.
    pub fn signed_by(self, issuer: &Cert) -> Cert {
        let key = KeyPair::generate().expect("generate key");
        let cert = self
            .params
            .signed_by(&key, &issuer.issuer())
            .expect("sign certificate");
        Cert {
            cn: self.cn,
            pem: cert.pem(),
            der: cert.der().clone(),
            params: self.params,
            key,
        }
    }
}

fn dn(cn: &str, org: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    if let Some(org) = org {
        dn.push(DnType::OrganizationName, org);
    }
    dn.push(DnType::CommonName, cn);
    dn
}

/// A self-signed root CA with subject CN=`cn`, O=`org`.
pub fn root_ca(cn: &str, org: &str) -> Cert {
    CertSpec::ca(cn).org(org).self_signed()
}

/// An intermediate CA with subject CN=`cn`, issued by `issuer`.
pub fn intermediate_ca(cn: &str, issuer: &Cert) -> Cert {
    CertSpec::ca(cn).signed_by(issuer)
}

/// A server certificate for `names` (the first is also the CN), issued by `issuer`.
pub fn leaf(names: &[&str], issuer: &Cert) -> Cert {
    CertSpec::leaf(names[0]).dns(names).signed_by(issuer)
}

/// A self-signed server certificate as `openssl req -x509 -subj /CN=name
/// -addext subjectAltName=DNS:name` makes it: it carries basicConstraints CA:TRUE.
pub fn self_signed_openssl_style(name: &str) -> Cert {
    CertSpec::leaf(name)
        .dns(&[name])
        .ca_flag(true)
        .eku(&[])
        .self_signed()
}

/// A self-signed server certificate without the CA flag (rcgen's and many
/// frameworks' dev certificates).
pub fn self_signed_leaf(name: &str) -> Cert {
    CertSpec::leaf(name).dns(&[name]).self_signed()
}

/// A root that signs nothing the tests serve: the stand-in for "some other
/// public CA" in a trust store that must not trust the server.
pub fn unrelated_root() -> &'static Cert {
    static ROOT: OnceLock<Cert> = OnceLock::new();
    ROOT.get_or_init(|| root_ca("Unrelated Public Root CA", "Unrelated Trust Services"))
}

/// A PEM bundle of `certs`, in order.
pub fn pem_bundle(certs: &[&Cert]) -> String {
    certs.iter().map(|c| c.pem.as_str()).collect()
}

/// A temporary directory that removes itself, for PEM files.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("tlsdoctor-test-")
                .tempdir()
                .expect("create temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `certs` as one PEM bundle to `name` and returns its path.
    pub fn pem_file(&self, name: &str, certs: &[&Cert]) -> PathBuf {
        self.write(name, pem_bundle(certs))
    }

    /// Writes `contents` to `name` and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

/// A listener on 127.0.0.1:0 whose accept loop runs in a thread until dropped.
/// Each connection is handled in its own thread, so one stuck client cannot
/// block the next.
struct Acceptor {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    fn start(handler: Arc<dyn Fn(TcpStream) + Send + Sync>) -> Acceptor {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let thread = {
            let stop = Arc::clone(&stop);
            let accepted = Arc::clone(&accepted);
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
                            let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
                            let _ = stream.set_nodelay(true);
                            let handler = Arc::clone(&handler);
                            thread::spawn(move || handler(stream));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Acceptor {
            addr,
            stop,
            accepted,
            thread: Some(thread),
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A real TLS server (rustls, TLS 1.2 and 1.3, ALPN `http/1.1`) on 127.0.0.1
/// that sends exactly the chain it was given, in that order, whatever the
/// client asks for. After the handshake it reads an HTTP request head and
/// answers `200 OK` with an empty body.
pub struct TlsServer {
    acceptor: Acceptor,
    requests: Arc<Mutex<Vec<String>>>,
}

/// Builds the HTTP answer from the request head the server read.
pub type Responder = Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

/// The answer to any HTTP request the TLS server reads.
pub const HTTP_200: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

impl TlsServer {
    /// Serves `chain` (sent as is) with the private key of `key_of`.
    pub fn start(chain: &[&Cert], key_of: &Cert) -> TlsServer {
        let chain = chain.iter().map(|c| c.der.clone()).collect();
        TlsServer::start_der(chain, key_of.key_der())
    }

    /// Serves `chain` (sent as is) with `key`.
    pub fn start_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> TlsServer {
        TlsServer::start_full(chain, key, &["http/1.1"], Arc::new(|_| HTTP_200.to_vec()))
    }

    /// Serves `chain` with `key_of`'s key, offering `alpn`, and answers each
    /// request head with `respond(head)`.
    pub fn start_http(
        chain: &[&Cert],
        key_of: &Cert,
        alpn: &[&str],
        respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static,
    ) -> TlsServer {
        let chain = chain.iter().map(|c| c.der.clone()).collect();
        TlsServer::start_full(chain, key_of.key_der(), alpn, Arc::new(respond))
    }

    fn start_full(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        alpn: &[&str],
        respond: Responder,
    ) -> TlsServer {
        let signing_key =
            rustls::crypto::aws_lc_rs::sign::any_supported_type(&key).expect("supported key type");
        let resolver = FixedChain(Arc::new(CertifiedKey::new(chain, signing_key)));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("protocol versions")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
        config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        let config = Arc::new(config);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let acceptor = Acceptor::start(Arc::new(move |stream| {
            serve_tls(stream, Arc::clone(&config), &respond, &seen);
        }));
        TlsServer { acceptor, requests }
    }

    /// Every request head read so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    pub fn port(&self) -> u16 {
        self.acceptor.addr.port()
    }

    /// How many TCP connections the server has accepted so far.
    pub fn connections(&self) -> usize {
        self.acceptor.accepted.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct FixedChain(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedChain {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

fn serve_tls(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    respond: &Responder,
    seen: &Mutex<Vec<String>>,
) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return;
        }
    }
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tls.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    seen.lock().unwrap().push(head.clone());
    let _ = tls.write_all(&respond(&head));
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// A plain TCP server on 127.0.0.1 whose every connection runs `behaviour`.
pub struct RawServer {
    acceptor: Acceptor,
}

impl RawServer {
    pub fn start(behaviour: impl Fn(TcpStream) + Send + Sync + 'static) -> RawServer {
        RawServer {
            acceptor: Acceptor::start(Arc::new(behaviour)),
        }
    }

    pub fn port(&self) -> u16 {
        self.acceptor.addr.port()
    }

    /// How many TCP connections the server has accepted so far.
    pub fn connections(&self) -> usize {
        self.acceptor.accepted.load(Ordering::SeqCst)
    }
}

/// Ready-made [`RawServer`] behaviours and the bytes they send.
pub mod raw {
    use super::*;

    /// What a plain HTTP server answers to a ClientHello.
    pub const HTTP_400: &[u8] = b"HTTP/1.0 400 Bad Request\r\n\r\n";
    /// What an SSH server says before the client says anything.
    pub const SSH_BANNER: &[u8] = b"SSH-2.0-OpenSSH_9.6\r\n";
    /// A TLS 1.2 record: fatal alert handshake_failure (40).
    pub const ALERT_HANDSHAKE_FAILURE: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
    /// A TLS 1.0 record: fatal alert protocol_version (70), as a TLS 1.0-only
    /// server answers a client that offers TLS 1.2 and 1.3 only.
    pub const ALERT_PROTOCOL_VERSION: &[u8] = &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

    /// Writes `bytes` as soon as the connection is accepted (an SSH banner).
    pub fn send_on_accept(bytes: &'static [u8]) -> impl Fn(TcpStream) + Send + Sync + 'static {
        move |mut stream| {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
            read_first_record(&mut stream);
            finish(stream);
        }
    }

    /// Reads what the client sends first (its ClientHello), then writes `bytes`
    /// (an HTTP error, a TLS alert).
    pub fn reply_after_read(bytes: &'static [u8]) -> impl Fn(TcpStream) + Send + Sync + 'static {
        move |mut stream| {
            read_first_record(&mut stream);
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
            finish(stream);
        }
    }

    /// Reads the ClientHello, then closes without a word.
    pub fn close_after_read() -> impl Fn(TcpStream) + Send + Sync + 'static {
        move |mut stream| {
            read_first_record(&mut stream);
            finish(stream);
        }
    }

    /// Accepts and never answers; reads and discards whatever comes until the
    /// client leaves or `for_at_most` has passed.
    pub fn silent(for_at_most: Duration) -> impl Fn(TcpStream) + Send + Sync + 'static {
        move |mut stream| {
            let deadline = Instant::now() + for_at_most;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
            let mut buf = [0u8; 4096];
            while Instant::now() < deadline {
                match stream.read(&mut buf) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        }
    }

    /// Reads one TLS record (5-byte header and its body) when the client sent
    /// one, or whatever one read returns otherwise.
    fn read_first_record(stream: &mut TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            let complete = match got.as_slice() {
                [0x16, _, _, hi, lo, rest @ ..] => {
                    rest.len() >= usize::from(u16::from_be_bytes([*hi, *lo]))
                }
                _ => true,
            };
            if complete {
                return got;
            }
        }
    }

    /// Half-closes, then drains until the client closes (bounded), so the
    /// kernel sends FIN after our bytes rather than a reset that could
    /// discard them.
    fn finish(mut stream: TcpStream) {
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            match stream.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return,
            }
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

/// Every variable that could point the binary at a CA bundle or a proxy, or
/// turn verification off: the library's own list, so it cannot drift.
pub fn ambient_vars() -> Vec<&'static str> {
    tlsdoctor::knowledge::audited_names()
}

/// The built binary, with every CA and proxy variable removed, no client
/// to find (an empty PATH, no VIRTUAL_ENV/CONDA_PREFIX: a test about your
/// tools builds its own machine), `NO_COLOR=1`, and a timeout.
pub fn tlsdoctor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    for var in ambient_vars() {
        cmd.env_remove(var);
    }
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION"] {
        cmd.env_remove(var);
    }
    cmd.env("PATH", "");
    cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd.timeout(RUN_TIMEOUT);
    cmd
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Output {
    /// The exit code; -1 when killed (by the timeout or a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `cmd` and collects its output (never fails on a non-zero exit).
pub fn run(mut cmd: assert_cmd::Command) -> Output {
    let start = Instant::now();
    let out = cmd.output().expect("run tlsdoctor");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// Runs `tlsdoctor check ARGS --format json` and returns (exit code, the one
/// target's JSON object, stderr). Panics, showing the output, when stdout is
/// not a JSON report with exactly one target.
pub fn check_json<I, S>(args: I) -> (i32, Value, String)
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut cmd = tlsdoctor();
    cmd.arg("check");
    for a in args {
        cmd.arg(a.into());
    }
    cmd.args(["--format", "json"]);
    let run = JsonRun::from_output(run(cmd));
    (run.code, run.target, run.stderr)
}

/// A `tlsdoctor check` run against one target, with explicit trust stores.
///
/// The bundled and OS stores default to [`unrelated_root`] alone, so nothing
/// is trusted unless a test says so. `--no-http` is passed unless
/// [`Check::http`] is called.
pub struct Check {
    scratch: Scratch,
    target: String,
    args: Vec<OsString>,
    bundled: Vec<String>,
    os: Vec<String>,
    no_http: bool,
}

impl Check {
    /// Checks `host:port`, connecting to 127.0.0.1 with `--resolve` whatever the
    /// name (so public names can be simulated and `localhost` never means ::1).
    pub fn new(host: &str, port: u16) -> Check {
        let mut check = Check::target(&format!("{host}:{port}"));
        check.args.extend([
            "--resolve".into(),
            format!("{host}:{port}:127.0.0.1").into(),
        ]);
        check
    }

    /// Checks `target` exactly as given, with no `--resolve`.
    pub fn target(target: &str) -> Check {
        Check {
            scratch: Scratch::new(),
            target: target.to_string(),
            args: Vec::new(),
            bundled: vec![unrelated_root().pem.clone()],
            os: vec![unrelated_root().pem.clone()],
            no_http: true,
        }
    }

    /// Replaces the bundled (Mozilla) store with `certs`.
    pub fn bundled(mut self, certs: &[&Cert]) -> Check {
        self.bundled = certs.iter().map(|c| c.pem.clone()).collect();
        self
    }

    /// Replaces the OS store with `certs`.
    pub fn os(mut self, certs: &[&Cert]) -> Check {
        self.os = certs.iter().map(|c| c.pem.clone()).collect();
        self
    }

    /// Replaces the OS store with PEM text (certificates not made here).
    pub fn os_pem(mut self, pem: &[String]) -> Check {
        self.os = pem.to_vec();
        self
    }

    /// Puts `certs` in both stores.
    pub fn trust(self, certs: &[&Cert]) -> Check {
        self.bundled(certs).os(certs)
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Check {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Check
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Lets the HTTP probe run.
    pub fn http(mut self) -> Check {
        self.no_http = false;
        self
    }

    /// The command this check would run, without `--format`.
    pub fn command(&self) -> assert_cmd::Command {
        let bundled = self.scratch.write("bundled.pem", self.bundled.concat());
        let os = self.scratch.write("os.pem", self.os.concat());
        let mut cmd = tlsdoctor();
        cmd.arg("check").arg(&self.target);
        cmd.arg("--bundled-roots").arg(bundled);
        cmd.arg("--os-roots").arg(os);
        if self.no_http {
            cmd.arg("--no-http");
        }
        cmd.args(&self.args);
        cmd
    }

    /// Runs with `--format json`.
    pub fn json(&self) -> JsonRun {
        let mut cmd = self.command();
        cmd.args(["--format", "json"]);
        JsonRun::from_output(run(cmd))
    }

    /// Runs with the default (human) format.
    pub fn human(&self) -> Output {
        run(self.command())
    }
}

/// A parsed `--format json` run.
pub struct JsonRun {
    pub code: i32,
    /// The whole report.
    pub report: Value,
    /// `report.targets[0]`.
    pub target: Value,
    pub stderr: String,
    pub elapsed: Duration,
}

impl JsonRun {
    pub fn from_output(out: Output) -> JsonRun {
        let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                out.code, out.stdout, out.stderr
            )
        });
        let targets = report["targets"].as_array().unwrap_or_else(|| {
            panic!(
                "report has no targets array\nexit code: {}\n{report:#}\n--- stderr ---\n{}",
                out.code, out.stderr
            )
        });
        assert_eq!(
            targets.len(),
            1,
            "expected one target\n{report:#}\n--- stderr ---\n{}",
            out.stderr
        );
        JsonRun {
            code: out.code,
            target: targets[0].clone(),
            report,
            stderr: out.stderr,
            elapsed: out.elapsed,
        }
    }

    pub fn verdict(&self) -> &str {
        self.target["verdict"].as_str().unwrap_or("<no verdict>")
    }

    pub fn findings(&self) -> &[Value] {
        self.target["findings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every finding's summary and detail, one per line: what a person reads.
    pub fn finding_text(&self) -> String {
        let mut text = String::new();
        for f in self.findings() {
            for key in ["summary", "detail"] {
                if let Some(s) = f[key].as_str() {
                    text.push_str(s);
                    text.push('\n');
                }
            }
        }
        text
    }

    pub fn finding_of_kind(&self, kind: &str) -> Option<&Value> {
        self.findings().iter().find(|f| f["kind"] == kind)
    }

    /// The vendors named by any finding.
    pub fn vendors(&self) -> Vec<String> {
        self.findings()
            .iter()
            .filter_map(|f| f.get("vendor").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    /// The report, the exit code and stderr, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "exit code: {}\nelapsed: {:?}\n--- target ---\n{:#}\n--- stderr ---\n{}",
            self.code, self.elapsed, self.target, self.stderr
        )
    }

    /// Asserts the verdict and the exit code, showing the report when either is wrong.
    #[track_caller]
    pub fn assert_verdict(&self, verdict: &str, code: i32) -> &JsonRun {
        assert_eq!(self.verdict(), verdict, "wrong verdict\n{}", self.dump());
        assert_eq!(self.code, code, "wrong exit code\n{}", self.dump());
        self
    }

    /// Asserts that the findings' text contains `needle`.
    #[track_caller]
    pub fn assert_findings_mention(&self, needle: &str) -> &JsonRun {
        assert!(
            self.finding_text().contains(needle),
            "no finding mentions {needle:?}\n{}",
            self.dump()
        );
        self
    }
}
