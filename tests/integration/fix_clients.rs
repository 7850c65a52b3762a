//! `tlsdoctor fix --apply` proven with the real requests, httpx and pip in a
//! venv, in a private mount namespace whose OS store (`/etc/ssl/certs`)
//! holds only the test root — the corporate-root situation: Python's `ssl`
//! trusts the server, requests and httpx (certifi) do not.
//!
//! The fix writes `sitecustomize.py` and installs truststore with the venv's
//! own pip from a local HTTPS index (served under the same root); after it,
//! requests and httpx trust the server and pip still installs from that
//! index. A control shows why the block loads pip's truststore first: a plain
//! `truststore.inject_into_ssl()` breaks pip 24.2+.
//!
//! The venv is made offline from the pinned wheels `.ci/run` downloads
//! (`TLSDOCTOR_FIX_WHEELS`); machine-wide pip configs are hidden in the
//! namespace. Needs root or unprivileged user namespaces for `unshare -m`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

pub(crate) const TRUSTSTORE: &str = "truststore-0.10.4-py3-none-any.whl";

/// Binds `certs` over /etc/ssl/certs and an empty file over each machine
/// pip config, then runs the command.
const MOUNT: &str = r#"
set -e
certs=$1; empty=$2; shift 2
/bin/mount --bind "$certs" /etc/ssl/certs
for f in /etc/pip.conf /etc/xdg/pip/pip.conf; do
    if [ -f "$f" ]; then /bin/mount --bind "$empty" "$f"; fi
done
exec "$@"
"#;

pub(crate) struct World {
    pub(crate) scratch: Scratch,
    /// `PATH` inside the namespace (an empty directory unless a test links programs there).
    pub(crate) path: PathBuf,
    pub(crate) home: PathBuf,
    venv: PathBuf,
    certs: PathBuf,
    pub(crate) server: TlsServer,
}

/// The simple index: one project (truststore), one file.
fn index(head: &str, wheel: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let (kind, body) = if path.starts_with("/simple/truststore") {
        let hash = hex::encode(sha2::Sha256::digest(wheel));
        let html = format!(
            "<!DOCTYPE html><html><body><a href=\"/files/{TRUSTSTORE}#sha256={hash}\">{TRUSTSTORE}</a></body></html>"
        );
        ("text/html", html.into_bytes())
    } else if path == format!("/files/{TRUSTSTORE}") {
        ("application/octet-stream", wheel.to_vec())
    } else {
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec();
    };
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

impl World {
    pub(crate) fn new() -> World {
        let wheels = tool("fix_wheels");
        let wheel = std::fs::read(wheels.join(TRUSTSTORE)).unwrap();
        let root = root_ca("Fix Corp Root", "tlsdoctor tests");
        let leaf = leaf(&["localhost"], &root);
        let server = TlsServer::start_http(&[&leaf, &root], &leaf, &["http/1.1"], move |head| {
            index(head, &wheel)
        });
        let scratch = Scratch::new();
        let home = scratch.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join(".bashrc"), "alias ll='ls -l'").unwrap();
        let certs = scratch.path().join("etc-ssl-certs");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::write(certs.join("ca-certificates.crt"), &root.pem).unwrap();
        let hash = Command::new(tool("openssl"))
            .args(["x509", "-hash", "-noout", "-in"])
            .arg(certs.join("ca-certificates.crt"))
            .output()
            .unwrap();
        let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
        std::fs::write(certs.join(format!("{hash}.0")), &root.pem).unwrap();
        std::fs::write(scratch.path().join("empty"), "").unwrap();
        let venv = scratch.path().join("venv");
        let path = scratch.path().join("bin");
        std::fs::create_dir_all(&path).unwrap();
        let world = World {
            path,
            scratch,
            home,
            venv,
            certs,
            server,
        };
        world.make_venv();
        world
    }

    /// A venv with pip 24.3.1, requests and httpx (not truststore), offline.
    fn make_venv(&self) {
        let ok = Command::new(tool("python3"))
            .args(["-m", "venv"])
            .arg(&self.venv)
            .status()
            .unwrap();
        assert!(ok.success(), "python3 -m venv");
        self.install_offline(&["pip==24.3.1", "requests==2.32.3", "httpx==0.28.1"]);
    }

    /// `pip install --no-index` from the pinned wheels.
    fn install_offline(&self, requirements: &[&str]) {
        let out = self
            .command(
                &self.python(),
                &[
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--no-index",
                    "--find-links",
                ],
            )
            .arg(tool("fix_wheels"))
            .args(requirements)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Does the venv's Python import truststore?
    fn imports_truststore(&self) -> bool {
        let (code, _, _) = bounded(self.command(&self.python(), &["-c", "import truststore"]));
        code == 0
    }

    fn python(&self) -> PathBuf {
        self.venv.join("bin/python")
    }

    fn index_url(&self) -> String {
        format!("https://localhost:{}/simple/", self.server.port())
    }

    /// `program ARGS` in the namespace with a whole environment.
    pub(crate) fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(tool("unshare"));
        // As root, a mount namespace; otherwise inside a user namespace.
        use std::os::unix::fs::MetadataExt;
        if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() != 0) {
            cmd.arg("-r");
        }
        cmd.args([
            "-m",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            MOUNT,
            "sh",
        ])
        .arg(&self.certs)
        .arg(self.scratch.path().join("empty"))
        .arg(program)
        .args(args)
        .env_clear()
        .env("HOME", &self.home)
        .env("PATH", &self.path)
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("PIP_INDEX_URL", self.index_url())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_CACHE_DIR", "1")
        .current_dir(&self.home);
        cmd
    }

    fn fix(&self, extra: &[&str]) -> (i32, Value, String) {
        self.fix_with(extra, &[])
    }

    /// `fix` with `env` set besides the whole environment of [`Self::command`].
    fn fix_with(&self, extra: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
        let target = format!("localhost:{}", self.server.port());
        let venv = self.venv.display().to_string();
        let mut args = vec![
            "fix",
            &target,
            "--python",
            &venv,
            "--format",
            "json",
            "--timeout",
            "20",
        ];
        args.extend(extra);
        let mut cmd = self.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), &args);
        cmd.envs(env.iter().copied());
        let out = bounded(cmd);
        let json = serde_json::from_str(&out.1)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", out.1, out.2));
        (out.0, json, out.2)
    }

    fn pip_install_from_index(&self) -> (i32, String, String) {
        bounded(self.command(
            &self.python(),
            &[
                "-m",
                "pip",
                "install",
                "--force-reinstall",
                "--no-deps",
                "truststore==0.10.4",
            ],
        ))
    }
}

/// Runs `cmd` for at most two minutes: (code, stdout, stderr).
pub(crate) fn bounded(mut cmd: Command) -> (i32, String, String) {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("timed out");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Python family's outcomes (other clients of the venv, such as its
/// pip, may be listed too).
fn outcomes(json: &Value, key: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = json[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["client"]
                .as_str()
                .is_some_and(|n| n.starts_with("python"))
        })
        .map(|c| {
            (
                c["client"].as_str().unwrap().into(),
                c["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
#[cfg_attr(
    not(all(tool_python3, tool_openssl, tool_unshare, tool_fix_wheels)),
    ignore = "needs python3, openssl, unshare and TLSDOCTOR_FIX_WHEELS (.ci/run downloads them)"
)]
fn apply_makes_real_requests_and_httpx_trust_and_pip_keeps_installing() {
    let w = World::new();
    let (code, json, stderr) = w.fix(&["--apply"]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!(
        outcomes(&json, "before"),
        pairs(&[
            ("python", "trusts"),
            ("python-httpx", "fails"),
            ("python-requests", "fails")
        ]),
        "{json:#}"
    );
    assert_eq!(
        outcomes(&json, "after"),
        pairs(&[
            ("python", "trusts"),
            ("python-httpx", "trusts"),
            ("python-requests", "trusts")
        ]),
        "{json:#}"
    );
    let still: Vec<_> = json["after"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "fails")
        .collect();
    assert!(still.is_empty(), "still failing: {still:?}");
    let plan = json["plan"].as_array().unwrap();
    assert!(plan.iter().all(|p| p["applied"] == true), "{json:#}");
    assert!(plan.iter().any(|p| p["command"]
        .as_str()
        .is_some_and(|c| c.contains("pip install"))));
    let fetched = w.server.requests().iter().any(|r| r.contains(TRUSTSTORE));
    assert!(
        fetched,
        "truststore came from the local index: {:?}",
        w.server.requests()
    );

    // pip in the fixed venv still installs from an HTTPS index the fixed trust accepts.
    let (code, out, err) = w.pip_install_from_index();
    assert_eq!(code, 0, "pip broke after the fix:\n{out}\n{err}");

    // The control: a plain inject (without loading pip's truststore first) breaks pip.
    let site = w
        .venv
        .join("lib")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let sitecustomize = site.join("site-packages/sitecustomize.py");
    let ours = std::fs::read(&sitecustomize).unwrap();
    std::fs::write(
        &sitecustomize,
        "import truststore\ntruststore.inject_into_ssl()\n",
    )
    .unwrap();
    let (code, _, err) = w.pip_install_from_index();
    assert_ne!(
        code, 0,
        "a plain inject did not break pip; the preload may be unneeded now"
    );
    assert!(err.contains("Error"), "{err}");
    std::fs::write(&sitecustomize, ours).unwrap();

    let (code, again, _) = w.fix(&["--apply"]);
    assert_eq!(code, 0, "{again:#}");
    assert!(
        again["plan"].as_array().unwrap().is_empty(),
        "nothing left to fix: {again:#}"
    );
    let undo = ["fix", "--undo", "--format", "json"];
    let (code, out, err) = bounded(w.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), &undo));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !sitecustomize.exists(),
        "undo removes the sitecustomize.py it created"
    );
    let undone: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(undone["packages"][0]["outcome"], "removed", "{undone:#}");
    assert!(
        !w.imports_truststore(),
        "undo uninstalls the truststore that --apply installed"
    );
    assert!(
        !w.home.join(".local/state/tlsdoctor/manifest.json").exists(),
        "the manifest goes when nothing is left in it"
    );

    // truststore installed by the user before the fix stays after --undo.
    w.install_offline(&["truststore==0.10.4"]);
    let (code, json, _) = w.fix(&["--apply"]);
    assert_eq!(code, 0, "{json:#}");
    let (code, out, err) = bounded(w.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), &undo));
    assert_eq!(code, 0, "{out}\n{err}");
    let undone: Value = serde_json::from_str(&out).unwrap();
    assert!(undone.get("packages").is_none(), "{undone:#}");
    assert!(!sitecustomize.exists());
    assert!(
        w.imports_truststore(),
        "undo left the user's own truststore installed"
    );
}

/// Link `tools` into the namespace's `PATH` directory (and nothing else).
fn link_tools(w: &World, tools: &[&str]) {
    for t in tools {
        std::os::unix::fs::symlink(tool(t), w.path.join(t)).unwrap();
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool_python3,
        tool_openssl,
        tool_unshare,
        tool_fix_wheels,
        tool_node,
        tool_git,
        tool_curl
    )),
    ignore = "needs python3, openssl, unshare, node, git, curl and TLSDOCTOR_FIX_WHEELS"
)]
fn apply_makes_real_node_git_and_curl_trust() {
    let w = World::new();
    link_tools(&w, &["node", "git", "curl"]);
    // git pointed at a file without the root (and no CA directory, which
    // libcurl searches too): it fails before the fix.
    let stale = w.scratch.pem_file("stale.pem", &[unrelated_root()]);
    let empty_dir = w.scratch.path().join("no-ca-dir");
    std::fs::create_dir_all(&empty_dir).unwrap();
    std::fs::write(
        w.home.join(".gitconfig"),
        format!(
            "[user]\n\tname = Test\n[http]\n\tsslCAInfo = {}\n\tsslCAPath = {}\n",
            stale.display(),
            empty_dir.display()
        ),
    )
    .unwrap();
    // curl too: its ~/.curlrc names the same file and directory.
    std::fs::write(
        w.home.join(".curlrc"),
        format!(
            "silent\ncacert = \"{}\"\ncapath={}\n",
            stale.display(),
            empty_dir.display()
        ),
    )
    .unwrap();
    let url = format!("https://localhost:{}/repo.git", w.server.port());
    let node_js = format!(
        "require('https').get('{url}', r => {{ console.log('tls-ok', r.statusCode); }}).on('error', e => {{ console.log('tls-error', e.code); process.exit(3); }})"
    );
    let node = |w: &World| {
        let script = format!(
            ". \"$HOME/.bashrc\"; exec node -e \"{}\"",
            node_js.replace('"', "\\\"")
        );
        bounded(w.command(Path::new("/bin/bash"), &["-c", &script]))
    };
    let git = |w: &World| bounded(w.command(&tool("git"), &["ls-remote", &url]));
    let curl = |w: &World| bounded(w.command(&tool("curl"), &["-o", "/dev/null", &url]));
    let (code, _, err) = curl(&w);
    assert_eq!(code, 60, "curl before the fix: {err}");
    let (code, out, _) = node(&w);
    assert_ne!(code, 0, "node trusted before the fix: {out}");
    let (_, _, err) = git(&w);
    assert!(
        err.contains("certificate") || err.contains("SSL"),
        "git before: {err}"
    );

    let (code, json, stderr) = w.fix(&["--apply"]);
    let fixed: Vec<(String, String)> = json["after"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| ["node", "git", "curl"].contains(&c["client"].as_str().unwrap()))
        .map(|c| {
            (
                c["client"].to_string(),
                format!("{} {}", c["outcome"].as_str().unwrap(), c["how"]),
            )
        })
        .collect();
    // Proven: fix ran node, git and curl after the change (the shared runner).
    assert!(
        fixed.len() == 3 && fixed.iter().all(|(_, o)| o == "trusts \"run\""),
        "{fixed:?}\n{json:#}\n{stderr}"
    );
    assert_eq!(code, 0, "{json:#}");

    let (code, out, err) = node(&w);
    assert_eq!(code, 0, "node after the fix: {out}{err}\n{json:#}");
    assert!(out.contains("tls-ok"), "{out}");
    let (_, _, err) = git(&w);
    assert!(
        !err.contains("certificate") && !err.contains("SSL"),
        "git after: {err}"
    );
    let (code, _, err) = curl(&w);
    assert_eq!(code, 0, "curl after the fix: {err}");
    let curlrc = std::fs::read_to_string(w.home.join(".curlrc")).unwrap();
    assert!(
        curlrc.starts_with("silent\ncacert=\""),
        "replaced in place: {curlrc}"
    );
    assert!(curlrc.contains("capath="), "{curlrc}");
}

/// Node 24 (which honours `--use-system-ca`) under a directory that names
/// it 24.5: the versions from 22.15 to 24.5 that take the flag through
/// `NODE_OPTIONS` but not `NODE_USE_SYSTEM_CA`. A hard link (a copy when the
/// link fails), so that the path tlsdoctor reads the version from is the
/// executable's own.
fn node_named_24_5(w: &World) {
    let dir = w.scratch.path().join("node-v24.5.0/bin");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("node");
    if std::fs::hard_link(tool("node24"), &exe).is_err() {
        std::fs::copy(tool("node24"), &exe).unwrap();
    }
    std::os::unix::fs::symlink(&exe, w.path.join("node")).unwrap();
}

#[test]
#[cfg_attr(
    not(all(tool_python3, tool_openssl, tool_unshare, tool_fix_wheels, tool_node24)),
    ignore = "needs python3, openssl, unshare, node 24 (the clients venv) and TLSDOCTOR_FIX_WHEELS"
)]
fn node_options_keeps_what_the_user_set_and_undo_gives_it_back() {
    let w = World::new();
    node_named_24_5(&w);
    let bashrc = w.home.join(".bashrc");
    let original = std::fs::read(&bashrc).unwrap();
    let mine = "--max-old-space-size=100";
    let url = format!("https://localhost:{}/", w.server.port());
    // A new login shell with the user's NODE_OPTIONS: what node sees, and
    // whether it trusts the server.
    let shell = |w: &World, before: &str| {
        let script = format!(
            "{before} . \"$HOME/.bashrc\"; . \"$HOME/.bashrc\"; node -e \"console.log('opts=' + (process.env.NODE_OPTIONS || '')); require('https').get('{url}', r => console.log('tls-ok')).on('error', e => {{ console.log('tls-error', e.code); process.exit(3); }})\""
        );
        let (code, out, err) = bounded(w.command(Path::new("/bin/bash"), &["-c", &script]));
        (code, format!("{out}{err}"))
    };
    let set_mine = format!("export NODE_OPTIONS='{mine}';");
    let (code, out) = shell(&w, &set_mine);
    assert_ne!(code, 0, "node trusted before the fix: {out}");

    let (code, json, stderr) = w.fix_with(&["--apply", "--run-clients"], &[("NODE_OPTIONS", mine)]);
    let node: Vec<&Value> = json["after"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["client"] == "node")
        .collect();
    assert_eq!(node.len(), 1, "{json:#}");
    assert_eq!(node[0]["outcome"], "trusts", "{json:#}\n{stderr}");
    assert_eq!(node[0]["how"], "run", "fix ran node to prove it: {json:#}");
    let before_node = json["before"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "node")
        .unwrap();
    assert_eq!(
        (&before_node["outcome"], &before_node["how"]),
        (&Value::from("fails"), &Value::from("run")),
        "{json:#}"
    );
    assert_eq!(code, 0, "{json:#}");
    let written = std::fs::read_to_string(&bashrc).unwrap();
    assert!(!written.contains("export NODE_OPTIONS='"), "{written}");

    // The user's flag stays, the new one is added once (sourced twice).
    let (code, out) = shell(&w, &set_mine);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("opts={mine} --use-system-ca\n")),
        "{out}"
    );
    assert!(out.contains("tls-ok"), "{out}");
    let (code, out) = shell(&w, "unset NODE_OPTIONS;");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("opts=--use-system-ca\n"), "{out}");

    let undo = ["fix", "--undo", "--format", "json"];
    let (code, out, err) = bounded(w.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), &undo));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(std::fs::read(&bashrc).unwrap(), original);
    let (_, out) = shell(&w, &set_mine);
    assert!(
        out.contains(&format!("opts={mine}\n")),
        "exactly the value before: {out}"
    );
}
