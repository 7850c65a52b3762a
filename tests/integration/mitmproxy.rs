//! A real intercepting proxy: mitmproxy (`mitmdump`) in regular mode as
//! `HTTPS_PROXY`, re-signing a local TLS server's chain with its own CA.
//! With that CA in the OS store (`--os-roots`), tlsdoctor must say
//! `corporate_interception` and name mitmproxy.
//!
//! `mitmdump` comes from `TLSDOCTOR_MITMDUMP` (set by `.ci/run`, which
//! installs mitmproxy into a venv) or `PATH`. When it is missing the test
//! skips with a message, unless `TLSDOCTOR_REQUIRE_TOOLS=1`: then it fails.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;
use serde_json::Value;

/// A running mitmdump, killed on drop.
struct Mitm {
    child: Child,
    port: u16,
    confdir: Scratch,
}

impl Mitm {
    fn start(exe: &PathBuf) -> Mitm {
        let confdir = Scratch::new();
        let port = closed_port();
        let mut cmd = Command::new(exe);
        cmd.args(["--mode", "regular", "--listen-host", "127.0.0.1"])
            .args(["--listen-port", &port.to_string()])
            .arg("--set")
            .arg(format!("confdir={}", confdir.path().display()))
            // The upstream is the harness's server, whose root mitmproxy does not know.
            .arg("--ssl-insecure")
            // Eager (the default, said here because the test relies on it): mitmproxy
            // connects upstream at CONNECT and copies the upstream certificate's names.
            .args(["--set", "connection_strategy=eager"])
            .arg("-q")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // mitmproxy itself must not go through another proxy or read odd CA settings.
        for var in ambient_vars() {
            cmd.env_remove(var);
        }
        let child = cmd.spawn().expect("start mitmdump");
        let mut mitm = Mitm {
            child,
            port,
            confdir,
        };
        mitm.wait_until_listening();
        mitm
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = stderr.read_to_string(&mut err);
                }
                panic!("mitmdump exited early ({status}):\n{err}");
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.ca().is_file() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "mitmdump did not listen on 127.0.0.1:{} within 60 s",
            self.port
        );
    }

    /// mitmproxy's CA certificate (created in the confdir at first start).
    fn ca(&self) -> PathBuf {
        self.confdir.path().join("mitmproxy-ca-cert.pem")
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[cfg_attr(
    not(tool_mitmdump),
    ignore = "mitmdump not found (set TLSDOCTOR_MITMDUMP or put it on PATH; .ci/run installs it)"
)]
fn mitmproxy_is_corporate_interception_naming_mitmproxy() {
    let exe = tool("mitmdump");
    let mitm = Mitm::start(&exe);

    let root = root_ca("Upstream Test Root", "Upstream");
    let leaf = leaf(&["localhost"], &root);
    let server = TlsServer::start(&[&leaf], &leaf);

    let scratch = Scratch::new();
    let bundled = scratch.pem_file("bundled.pem", &[&root]);
    let mut cmd = tlsdoctor();
    cmd.arg("check")
        .arg(format!("localhost:{}", server.port()))
        .arg("--bundled-roots")
        .arg(&bundled)
        .arg("--os-roots")
        .arg(mitm.ca())
        .args(["--no-http", "--format", "json", "--timeout", "20"])
        .env("HTTPS_PROXY", mitm.url());
    let out = run(cmd);
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    let t = &report["targets"][0];
    assert_eq!(
        t["verdict"], "corporate_interception",
        "{t:#}\n{}",
        out.stderr
    );
    assert_eq!(out.code, 1, "{t:#}");
    assert_eq!(t["connection"]["proxy"], mitm.url(), "{t:#}");
    assert_eq!(t["trust"]["os"]["trusted"], true, "{t:#}");
    let vendors: Vec<&str> = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["vendor"].as_str())
        .collect();
    assert!(vendors.contains(&"mitmproxy"), "{t:#}");
    // The chain tlsdoctor saw is mitmproxy's, not the server's.
    let issuer = t["chain"][0]["issuer"].as_str().unwrap_or("");
    assert!(issuer.contains("mitmproxy"), "{issuer}");
    assert!(
        server.connections() >= 1,
        "mitmproxy never reached the upstream"
    );
}
