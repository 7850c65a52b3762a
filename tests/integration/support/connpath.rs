//! Servers for the connection-path tests: a real HTTP/2 server (the `h2`
//! crate's server side, over rustls) that misbehaves the ways middleboxes
//! do, and TCP relays on 127.0.0.1 that drop large ClientHellos, fail some
//! connections, or alternate between two backends.
//!
//! Every server stops when dropped; every wait is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Cert;

/// What the HTTP/2 server does once `h2` is negotiated.
#[derive(Debug, Clone, Copy)]
pub enum H2Behaviour {
    /// Answers every request `200`.
    Ok,
    /// Completes TLS, then sends nothing at all (no SETTINGS).
    Silent,
    /// Sends its SETTINGS, accepts the request, never answers it.
    StallAfterSettings,
    /// Answers the first request with GOAWAY carrying this code.
    GoAway(u32),
    /// Resets every request's stream with this code.
    Reset(u32),
}

/// What the server does when the client negotiated HTTP/1.1.
#[derive(Debug, Clone, Copy)]
pub enum H1Behaviour {
    /// `200 OK`.
    Ok,
    /// Reads the request and closes without an answer.
    Close,
}

/// A TLS server offering `h2` and `http/1.1` on 127.0.0.1.
pub struct H2Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long a stalling server holds a connection at most.
const HOLD: Duration = Duration::from_secs(20);

impl H2Server {
    pub fn start(chain: &[&Cert], key_of: &Cert, h2: H2Behaviour, h1: H1Behaviour) -> H2Server {
        let chain = chain.iter().map(|c| c.der.clone()).collect();
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key_of.key_der())
        .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                while !stopping.load(Ordering::SeqCst) {
                    let accepted =
                        tokio::time::timeout(Duration::from_millis(50), listener.accept()).await;
                    if let Ok(Ok((tcp, _))) = accepted {
                        let acceptor = acceptor.clone();
                        tokio::spawn(async move {
                            let _ = tokio::time::timeout(HOLD, serve(acceptor, tcp, h2, h1)).await;
                        });
                    }
                }
            });
            runtime.shutdown_background();
        });
        H2Server {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for H2Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    h2: H2Behaviour,
    h1: H1Behaviour,
) {
    let Ok(mut tls) = acceptor.accept(tcp).await else {
        return;
    };
    if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        if let H1Behaviour::Ok = h1 {
            let _ = tls.write_all(super::HTTP_200).await;
        }
        let _ = tls.shutdown().await;
        return;
    }
    if let H2Behaviour::Silent = h2 {
        tokio::time::sleep(HOLD).await;
        return;
    }
    let Ok(mut conn) = h2::server::handshake(tls).await else {
        return;
    };
    let mut held = Vec::new();
    while let Some(Ok((_request, mut respond))) = conn.accept().await {
        match h2 {
            H2Behaviour::Ok => {
                let response = http::Response::builder().status(200).body(()).unwrap();
                let _ = respond.send_response(response, true);
            }
            H2Behaviour::StallAfterSettings | H2Behaviour::Silent => held.push(respond),
            H2Behaviour::GoAway(code) => {
                conn.abrupt_shutdown(h2::Reason::from(code));
                held.push(respond);
            }
            H2Behaviour::Reset(code) => respond.send_reset(h2::Reason::from(code)),
        }
    }
    // Let the last frames (GOAWAY) go out, and be read, before the
    // connection drops: closing with the client's bytes unread sends a
    // reset that can overtake them.
    let _ = futures_poll_closed(&mut conn).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn futures_poll_closed<T, B>(conn: &mut h2::server::Connection<T, B>) -> Result<(), h2::Error>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    B: bytes::Buf,
{
    std::future::poll_fn(|cx| conn.poll_closed(cx)).await
}

// ---------------------------------------------------------------------------
// Relays

/// What a relay does with one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayAction {
    /// Forward to this backend port.
    Forward(u16),
    /// Reset the connection (read nothing more, close with unread data).
    Reset,
    /// Answer with these bytes (a TLS alert) and close.
    Answer(&'static [u8]),
}

/// A TCP relay on 127.0.0.1: per connection, it reads the first TLS record
/// header and asks `decide(connection number, record length)` what to do.
pub struct Relay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    pub fn start(decide: impl Fn(usize, usize) -> RelayAction + Send + Sync + 'static) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let decide = Arc::new(decide);
        let thread = {
            let (stop, accepted) = (Arc::clone(&stop), Arc::clone(&accepted));
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let n = accepted.fetch_add(1, Ordering::SeqCst);
                            let decide = Arc::clone(&decide);
                            thread::spawn(move || relay_one(client, n, &*decide));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Relay {
            addr,
            stop,
            accepted,
            thread: Some(thread),
        }
    }

    /// A relay to `backend` that resets every connection whose first TLS
    /// record is longer than `threshold` bytes, as some middleboxes do.
    pub fn dropping_hellos_over(threshold: usize, backend: u16) -> Relay {
        Relay::start(move |_, len| {
            if len > threshold {
                RelayAction::Reset
            } else {
                RelayAction::Forward(backend)
            }
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn relay_one(
    mut client: TcpStream,
    n: usize,
    decide: &(dyn Fn(usize, usize) -> RelayAction + Send + Sync),
) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(super::IO_TIMEOUT));
    let mut header = [0u8; 5];
    if client.read_exact(&mut header).is_err() {
        return;
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let backend = match decide(n, len) {
        // Closing with unread bytes in the receive buffer makes the kernel
        // send RST, as a middlebox's reset looks to the client.
        RelayAction::Reset => return drop(client),
        RelayAction::Answer(bytes) => {
            let _ = client.write_all(bytes);
            let _ = client.shutdown(std::net::Shutdown::Write);
            let mut sink = [0u8; 4096];
            let _ = client.set_read_timeout(Some(Duration::from_millis(500)));
            while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
        RelayAction::Forward(port) => port,
    };
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", backend)) else {
        return;
    };
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    if server.write_all(&header).is_err() {
        return;
    }
    let _ = client.set_read_timeout(None);
    let (Ok(mut client2), Ok(mut server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut client2, &mut server2);
        let _ = server2.shutdown(std::net::Shutdown::Write);
    });
    let _ = server.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

// ---------------------------------------------------------------------------
// A real client

/// What one curl request did: `%{http_version} %{http_code}` on success, or
/// its error, with the exit code.
pub struct CurlRun {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// Runs curl against `https://localhost:PORT/` with `root` as its only CA,
/// an empty environment but PATH, and `extra` arguments.
pub fn curl(port: u16, root: &std::path::Path, extra: &[&str]) -> CurlRun {
    let out = std::process::Command::new(super::tool("curl"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root.parent().unwrap())
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version} %{http_code}",
            "--max-time",
            "3",
        ])
        .arg("--cacert")
        .arg(root)
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .args(extra)
        .arg(format!("https://localhost:{port}/"))
        .output()
        .expect("run curl");
    CurlRun {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
