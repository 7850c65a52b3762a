//! The redirect-scheme-loss failure, reproduced with real nginx: a TLS
//! terminator on 127.0.0.1 proxies to a plain-HTTP backend (a second nginx
//! server) that serves a directory `/mcp/` and builds absolute redirects
//! without the port (`port_in_redirect off`). `https://localhost:PORT/mcp`
//! is answered `301 Location: http://localhost/mcp/` — the shape an app
//! mounted at `/mcp` behind a proxy produces.
//!
//! Needs Debian's `nginx-light`: without it the test is ignored (see main.rs).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An nginx process with its own prefix directory, stopped on drop.
pub(crate) struct Nginx {
    child: Child,
    dir: Scratch,
}

impl Nginx {
    pub(crate) fn start(binary: &Path, dir: Scratch, config: &str, wait_for: u16) -> Nginx {
        let conf = dir.write("nginx.conf", config);
        for sub in ["tmp", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("logs/error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", wait_for)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let log = std::fs::read_to_string(nginx.dir.path().join("logs/error.log"))
                    .unwrap_or_default();
                panic!("nginx exited ({status}):\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {wait_for} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The part of every test nginx's configuration that keeps it inside `dir`:
/// one foreground process, its pid, logs and temporary files under `dir`.
/// What follows it goes inside the `http` block, which `servers` closes.
pub(crate) fn config_in(dir: &Path, servers: &str) -> String {
    let d = dir.display();
    format!(
        r#"
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {d}/logs/access.log;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
{servers}}}
"#
    )
}

/// A TLS front on `front` proxying to a plain-HTTP app on `backend`.
fn config(dir: &Path, front: u16, backend: u16) -> String {
    let d = dir.display();
    let servers = format!(
        r#"
    # The app: plain HTTP, sees neither https nor the public port.
    server {{
        listen 127.0.0.1:{backend};
        server_name localhost;
        port_in_redirect off;
        root {d}/www;
    }}

    # The TLS terminator, configured the way that loses the scheme:
    # no X-Forwarded-Proto, Host without the port.
    server {{
        listen 127.0.0.1:{front} ssl;
        server_name localhost;
        ssl_certificate {d}/leaf.pem;
        ssl_certificate_key {d}/leaf.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_set_header Host $host;
        }}
    }}
"#
    );
    config_in(dir, &servers)
}

#[test]
#[cfg_attr(
    not(tool_nginx),
    ignore = "nginx not found (apt-get install nginx-light)"
)]
fn nginx_mcp_redirect_loses_the_scheme_and_the_canonical_url_is_clean() {
    let binary = tool("nginx");
    let root = root_ca("Tlsdoctor nginx Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);

    let dir = Scratch::new();
    dir.pem_file("leaf.pem", &[&leaf]);
    dir.write("leaf.key", leaf.key_pem());
    std::fs::create_dir_all(dir.path().join("www/mcp")).unwrap();
    std::fs::write(dir.path().join("www/mcp/index.html"), "mcp\n").unwrap();

    let (front, backend) = (free_port(), free_port());
    let config = config(dir.path(), front, backend);
    let _nginx = Nginx::start(&binary, dir, &config, front);

    let check = |path: &str| {
        Check::target(&format!("https://localhost:{front}{path}"))
            .args([
                "--resolve".to_string(),
                format!("localhost:{front}:127.0.0.1"),
            ])
            .trust(&[&root])
            .http()
            .json()
    };

    let run = check("/mcp");
    run.assert_verdict("redirect_scheme_loss", 1);
    let http = &run.target["http"];
    assert_eq!(http["redirects"][0]["status"], 301, "{}", run.dump());
    assert_eq!(
        http["redirects"][0]["location"],
        "http://localhost/mcp/",
        "{}",
        run.dump()
    );
    assert_eq!(
        run.target["trust"]["os"]["trusted"], true,
        "TLS itself is fine"
    );

    let run = check("/mcp/");
    run.assert_verdict("clean", 0);
    assert_eq!(run.target["http"]["status"], 200, "{}", run.dump());
}
