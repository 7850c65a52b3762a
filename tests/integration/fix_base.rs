//! `tlsdoctor fix` for a base interpreter (not a venv), with a real Python
//! 3.13 laid out as a prefix of its own under the test's HOME (the binary
//! hard-linked, the standard library linked in, its own site-packages with
//! pip from ensurepip and httpx from the pinned wheels), in the namespace
//! of `fix_clients` whose OS store holds the test root:
//!
//! - with PEP 668's `EXTERNALLY-MANAGED` marker (which its real pip
//!   honours): nothing is installed or written into it; the variables fix
//!   it, a venv command is printed for the user, never
//!   `--break-system-packages`;
//! - without the marker (a Python of the user's own, as pyenv's): truststore
//!   is installed with its own pip and `sitecustomize.py` written in its
//!   site-packages, proven by running httpx; `--undo` removes both.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fix_clients::{bounded, World, TRUSTSTORE};
use crate::support::*;

/// The base interpreter of the 3.13 clients venv (its `pyvenv.cfg` `home`).
fn base_python313() -> PathBuf {
    let venv = tool("py313")
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let cfg = std::fs::read_to_string(venv.join("pyvenv.cfg")).unwrap();
    let home = cfg
        .lines()
        .find_map(|l| l.strip_prefix("home = "))
        .expect("home in pyvenv.cfg");
    PathBuf::from(home.trim()).join("python3.13")
}

/// A prefix of its own at `prefix`: returns its interpreter.
fn own_prefix(w: &World, prefix: &Path) -> PathBuf {
    let base = base_python313();
    let base_lib = base
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("lib/python3.13");
    let bin = prefix.join("bin");
    let lib = prefix.join("lib/python3.13");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(lib.join("site-packages")).unwrap();
    let python = bin.join("python3.13");
    if std::fs::hard_link(&base, &python).is_err() {
        std::fs::copy(&base, &python).unwrap();
    }
    for entry in std::fs::read_dir(&base_lib).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "site-packages" {
            std::os::unix::fs::symlink(entry.path(), lib.join(entry.file_name())).unwrap();
        }
    }
    let run = |args: &[&str]| {
        let (code, out, err) = bounded(w.command(&python, args));
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    };
    run(&["-m", "ensurepip", "--default-pip"]);
    let wheels = tool("fix_wheels").display().to_string();
    run(&[
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        &wheels,
        "httpx==0.28.1",
    ]);
    python
}

fn fix(w: &World, python: &Path, args: &[&str]) -> (i32, Value, String) {
    let target = format!("localhost:{}", w.server.port());
    let python = python.display().to_string();
    let mut all = vec!["fix", &target, "--python", &python, "--format", "json"];
    all.extend(["--timeout", "20", "--run-clients"]);
    all.extend(args);
    let (code, out, err) = bounded(w.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), &all));
    let json = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\nstderr: {err}"));
    (code, json, err)
}

fn httpx<'a>(json: &'a Value, key: &str) -> &'a Value {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "python-httpx")
        .unwrap_or_else(|| panic!("no python-httpx in {key}: {json:#}"))
}

#[test]
#[cfg_attr(
    not(all(tool_python3, tool_openssl, tool_unshare, tool_fix_wheels, tool_py313)),
    ignore = "needs python3, openssl, unshare, the 3.13 clients venv and TLSDOCTOR_FIX_WHEELS"
)]
fn a_base_interpreter_under_pep_668_gets_commands_and_one_of_the_users_own_gets_truststore() {
    let w = World::new();
    let prefix = w.home.join(".local/pythons/3.13");
    let python = own_prefix(&w, &prefix);
    let site = prefix.join("lib/python3.13/site-packages");
    let marker = prefix.join("lib/python3.13/EXTERNALLY-MANAGED");
    std::fs::write(&marker, "[externally-managed]\nError=managed by the test\n").unwrap();
    // Its real pip honours the marker.
    let (code, _, err) = bounded(w.command(
        &python,
        &["-m", "pip", "install", "--no-index", "truststore"],
    ));
    assert_ne!(code, 0);
    assert!(err.contains("externally-managed-environment"), "{err}");
    let site_before = std::fs::read_dir(&site).unwrap().count();

    let (code, json, stderr) = fix(&w, &python, &["--apply"]);
    assert_eq!(httpx(&json, "before")["outcome"], "fails", "{json:#}");
    let plan = json["plan"].as_array().unwrap();
    assert!(
        plan.iter().all(|p| p["run_by"] != "tlsdoctor"),
        "nothing is installed into it: {json:#}"
    );
    let printed: Vec<&str> = plan
        .iter()
        .filter(|p| p["run_by"] == "you")
        .map(|p| p["command"].as_str().unwrap())
        .collect();
    assert_eq!(printed.len(), 1, "{json:#}");
    assert!(printed[0].contains("-m venv .venv"), "{printed:?}");
    assert!(!json.to_string().contains("--break-system-packages"));
    assert!(!w.server.requests().iter().any(|r| r.contains(TRUSTSTORE)));
    assert_eq!(std::fs::read_dir(&site).unwrap().count(), site_before);
    assert!(!site.join("sitecustomize.py").exists());
    // The variables fix it now: httpx run again with them, trusts.
    let after = httpx(&json, "after");
    assert_eq!(
        (&after["outcome"], &after["how"]),
        (&"trusts".into(), &"run".into()),
        "{json:#}\n{stderr}"
    );
    assert_eq!(code, 0, "{json:#}");
    let (code, out, err) = bounded(w.command(
        Path::new(env!("CARGO_BIN_EXE_tlsdoctor")),
        &["fix", "--undo"],
    ));
    assert_eq!(code, 0, "{out}{err}");

    // The same Python without the marker: the user's own, in the home.
    std::fs::remove_file(&marker).unwrap();
    let (code, json, stderr) = fix(&w, &python, &["--apply"]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    let plan = json["plan"].as_array().unwrap();
    assert!(plan.iter().all(|p| p["applied"] == true), "{json:#}");
    assert!(
        plan.iter()
            .any(|p| p["path"] == site.join("sitecustomize.py").display().to_string()),
        "{json:#}"
    );
    assert!(w.server.requests().iter().any(|r| r.contains(TRUSTSTORE)));
    let after = httpx(&json, "after");
    assert_eq!(
        (&after["outcome"], &after["how"]),
        (&"trusts".into(), &"run".into()),
        "{json:#}"
    );
    assert!(
        !std::fs::read_to_string(w.home.join(".bashrc"))
            .unwrap()
            .contains("tlsdoctor"),
        "no variables needed"
    );
    let (code, out, err) = bounded(w.command(
        Path::new(env!("CARGO_BIN_EXE_tlsdoctor")),
        &["fix", "--undo", "--format", "json"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!site.join("sitecustomize.py").exists());
    assert_eq!(
        std::fs::read_dir(&site).unwrap().count(),
        site_before,
        "{out}"
    );
}
