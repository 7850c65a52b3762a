//! Machine stage: which TLS clients are installed here, where, which
//! version, and how each is configured to find its roots — read from files
//! only (PATH, interpreters' site-packages, tool config files).
//!
//! Fills [`FoundClient`] (what `--run-clients` runs) and [`ClientFacts`]
//! (what Diagnose evaluates), plain data defined in [`crate::client_facts`].
//! It must not spawn a process, must not decide whether anything is trusted, and must never hang or panic on an odd
//! file: what cannot be read cheaply is recorded in `unknown`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::client_facts::PythonFacts;
pub use crate::client_facts::{ClientFacts, ClientId, FoundClient, Setting};
use crate::machine::memo;

/// What discovery reads from the process, gathered once at the edge.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryInputs {
    /// The process's variables that discovery and the clients read.
    pub vars: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    /// `--python` arguments, already validated.
    pub pythons: Vec<PathBuf>,
}

/// The variables the clients and their version managers read.
pub const CLIENT_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "ASDF_DATA_DIR",
    "ASDF_PYTHON_VERSION",
    "ASDF_NODEJS_VERSION",
    "XDG_CONFIG_HOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "PIP_CONFIG_FILE",
    "PYTHONHTTPSVERIFY",
    "NODE_EXTRA_CA_CERTS",
    "NODE_OPTIONS",
    "NODE_USE_SYSTEM_CA",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "NPM_CONFIG_USERCONFIG",
    "NPM_CONFIG_CAFILE",
    "npm_config_cafile",
    "NPM_CONFIG_STRICT_SSL",
    "npm_config_strict_ssl",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "GIT_SSL_NO_VERIFY",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_NOSYSTEM",
    "CURL_HOME",
    "AWS_CA_BUNDLE",
    "AWS_CONFIG_FILE",
    "AWS_PROFILE",
    "JAVA_HOME",
    "CARGO_HOME",
    "CARGO_HTTP_CAINFO",
    "UV_SYSTEM_CERTS",
    "UV_NATIVE_TLS",
    "CONDARC",
];

impl DiscoveryInputs {
    /// Read the variables, the working directory and the home of this process.
    pub fn from_process(pythons: Vec<PathBuf>) -> DiscoveryInputs {
        let vars: BTreeMap<String, String> = CLIENT_VARIABLES
            .iter()
            .filter_map(|n| std::env::var(n).ok().map(|v| (n.to_string(), v)))
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        DiscoveryInputs {
            cwd: std::env::current_dir().unwrap_or_default(),
            home,
            vars,
            pythons,
        }
    }

    /// A variable's value when set (possibly empty).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A variable's value when set and not empty.
    pub fn nonempty(&self, name: &str) -> Option<&str> {
        self.var(name).filter(|v| !v.is_empty())
    }
}

/// Everything discovery found.
#[derive(Debug, Clone, Default)]
pub struct ClientsFacts {
    pub clients: Vec<ClientFacts>,
    /// The variables as discovery read them (for the trust sources).
    pub vars: BTreeMap<String, String>,
    /// Debian's Java keystore is built from the OS store.
    pub java_cacerts_from_os: bool,
    /// The platform's CA bundle file, when one exists.
    pub platform_bundle: Option<PathBuf>,
}

/// Executables looked for on PATH, with the client each one is.
const EXECUTABLES: &[(&str, ClientId)] = &[
    ("node", ClientId::Node),
    ("npm", ClientId::Npm),
    ("curl", ClientId::Curl),
    ("git", ClientId::Git),
    ("aws", ClientId::Aws),
    ("java", ClientId::Java),
    ("go", ClientId::Go),
    ("cargo", ClientId::Cargo),
    ("uv", ClientId::Uv),
    ("conda", ClientId::Conda),
];

/// Find the clients and read their configuration. Files only; never spawns.
pub fn discover(inputs: &DiscoveryInputs) -> ClientsFacts {
    crate::machine::memo::scope(|| discover_in_scope(inputs))
}

fn discover_in_scope(inputs: &DiscoveryInputs) -> ClientsFacts {
    let mut clients = Vec::new();
    let interpreters = crate::machine::python::find_interpreters(inputs);
    for interp in &interpreters {
        clients.extend(python_clients(inputs, interp.clone()));
    }
    for &(name, id) in EXECUTABLES {
        match find_on_path(inputs, name) {
            Lookup::Found(exe, _) if id == ClientId::Aws => {
                let aws = aws_cli(inputs, &interpreters, &mut clients, exe);
                clients.push(aws);
            }
            Lookup::Found(exe, version) => clients.push(tool_client(inputs, id, exe, version)),
            Lookup::Unknown(exe, why) => {
                let mut c = tool_client(inputs, id, exe, None);
                c.unknown.push(why);
                clients.push(c);
            }
            Lookup::Missing => {}
        }
    }
    ClientsFacts {
        clients,
        vars: inputs.vars.clone(),
        java_cacerts_from_os: memo::is_file(Path::new(
            crate::knowledge::clients::DEBIAN_JAVA_CACERTS,
        )),
        platform_bundle: crate::knowledge::clients::PLATFORM_BUNDLES
            .iter()
            .map(PathBuf::from)
            .find(|p| memo::is_file(p)),
    }
}

/// The AWS CLI on PATH: v1 is a Python script (it then replaces the
/// boto3 entry of its interpreter), v2 a bundle of its own.
fn aws_cli(
    inputs: &DiscoveryInputs,
    interpreters: &[PythonFacts],
    clients: &mut Vec<ClientFacts>,
    exe: PathBuf,
) -> ClientFacts {
    let interp = crate::machine::python::shebang_interpreter(inputs, &exe).and_then(|i| {
        let real = memo::real(&i).unwrap_or(i);
        interpreters
            .iter()
            .find(|p| memo::real(&p.interpreter).is_some_and(|r| r == real))
    });
    let Some(py) = interp else {
        return tool_client(inputs, ClientId::Aws, exe, None);
    };
    clients.retain(|c| {
        !(c.found.client == ClientId::Aws && c.found.interpreter.as_ref() == Some(&py.interpreter))
    });
    let mut facts = ClientFacts {
        found: FoundClient {
            client: ClientId::Aws,
            executable: exe,
            version: py.package("awscli").map(str::to_string),
            interpreter: Some(py.interpreter.clone()),
        },
        python: Some(py.clone()),
        settings: Vec::new(),
        unknown: py.unknown.clone(),
    };
    crate::machine::config::read_settings(inputs, &mut facts);
    facts
}

/// The Python family one interpreter brings: urllib (always), and the
/// libraries it can import.
fn python_clients(inputs: &DiscoveryInputs, py: PythonFacts) -> Vec<ClientFacts> {
    let bin = py
        .interpreter
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut add = |client, executable: PathBuf, version: Option<String>| {
        let mut facts = ClientFacts {
            found: FoundClient {
                client,
                executable,
                version,
                interpreter: Some(py.interpreter.clone()),
            },
            python: Some(py.clone()),
            settings: Vec::new(),
            unknown: py.unknown.clone(),
        };
        if matches!(client, ClientId::Pip | ClientId::Aws) {
            crate::machine::config::read_settings(inputs, &mut facts);
        }
        out.push(facts);
    };
    add(ClientId::Python, py.interpreter.clone(), py.version.clone());
    for (package, id) in [
        ("requests", ClientId::PythonRequests),
        ("httpx", ClientId::PythonHttpx),
    ] {
        if let Some(v) = py.package(package) {
            add(id, py.interpreter.clone(), Some(v.to_string()));
        }
    }
    if let Some(v) = py.package("pip") {
        let pip = ["pip", "pip3"]
            .iter()
            .map(|n| bin.join(n))
            .find(|p| memo::is_file(p))
            .unwrap_or_else(|| py.interpreter.clone());
        add(ClientId::Pip, pip, Some(v.to_string()));
    }
    if let Some(v) = py.package("boto3").or_else(|| py.package("botocore")) {
        add(
            ClientId::Aws,
            py.interpreter.clone(),
            Some(format!("boto3 {v}")),
        );
    }
    out
}

/// A client that is an executable on PATH, with its configuration read.
fn tool_client(
    inputs: &DiscoveryInputs,
    client: ClientId,
    executable: PathBuf,
    version: Option<String>,
) -> ClientFacts {
    let version = version.or_else(|| version_from_files(client, &executable));
    let mut facts = ClientFacts {
        found: FoundClient {
            client,
            executable,
            version,
            interpreter: None,
        },
        python: None,
        settings: Vec::new(),
        unknown: Vec::new(),
    };
    crate::machine::config::read_settings(inputs, &mut facts);
    facts
}

/// A version read from where the executable lives: a version manager's
/// directory (`…/v20.11.0/bin/node`, `…/go1.22.1/…`), Node's header, AWS CLI
/// v2's install directory.
fn version_from_files(client: ClientId, exe: &Path) -> Option<String> {
    if !matches!(client, ClientId::Node | ClientId::Go) {
        return None;
    }
    let real = memo::real(exe)?;
    if client == ClientId::Node {
        let header = real.parent()?.parent()?.join("include/node/node_version.h");
        if let Ok(text) = crate::machine::python::read_small(&header) {
            if let Some(v) = node_header_version(&text) {
                return Some(v);
            }
        }
    }
    real.ancestors().find_map(|dir| {
        let name = dir.file_name()?.to_str()?;
        let v = name
            .strip_prefix('v')
            .or_else(|| name.strip_prefix("go"))
            .or_else(|| name.strip_prefix("node-v"))
            .unwrap_or(name);
        let plausible = v.split('.').count() >= 2
            && v.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        plausible.then(|| v.to_string())
    })
}

/// `MAJOR.MINOR.PATCH` from `node_version.h`'s `#define NODE_*_VERSION`
/// lines (the first of each), in one pass over the header.
fn node_header_version(text: &str) -> Option<String> {
    const PARTS: [&str; 3] = [
        "NODE_MAJOR_VERSION ",
        "NODE_MINOR_VERSION ",
        "NODE_PATCH_VERSION ",
    ];
    let mut found: [Option<&str>; 3] = [None; 3];
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#define ") else {
            continue;
        };
        for (slot, name) in found.iter_mut().zip(PARTS) {
            if slot.is_none() {
                if let Some(v) = rest.strip_prefix(name) {
                    *slot = Some(v.trim());
                }
            }
        }
        if found.iter().all(Option::is_some) {
            break;
        }
    }
    let [Some(a), Some(b), Some(c)] = found else {
        return None;
    };
    Some(format!("{a}.{b}.{c}"))
}

/// What a PATH lookup gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The executable that runs, and a version its version manager names.
    Found(PathBuf, Option<String>),
    /// A shim whose target could not be told.
    Unknown(PathBuf, String),
    Missing,
}

/// The first `name` on PATH, with version-manager shims resolved to the
/// selected version (a shim for a version that is not selected runs
/// nothing: missing).
pub fn find_on_path(inputs: &DiscoveryInputs, name: &str) -> Lookup {
    let path = inputs.var("PATH").unwrap_or("");
    let mut dirs: Vec<&str> = Vec::new();
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        // A directory named twice is looked in once (the first time).
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    // One buffer for every `dir/name` tried (most are not there).
    let mut candidate = PathBuf::new();
    for (i, dir) in dirs.iter().enumerate() {
        candidate.clear();
        candidate.push(dir);
        candidate.push(name);
        if !is_executable(&candidate) {
            continue;
        }
        return match crate::machine::shims::resolve(inputs, &candidate, name) {
            crate::machine::shims::Shim::NotShim => Lookup::Found(candidate, None),
            crate::machine::shims::Shim::Resolved(exe, version) => {
                Lookup::Found(exe, Some(version))
            }
            crate::machine::shims::Shim::System => {
                // pyenv's "system": the next one on PATH after the shims.
                let rest = DiscoveryInputs {
                    vars: [(
                        "PATH".to_string(),
                        dirs.get(i + 1..).unwrap_or_default().join(":"),
                    )]
                    .into_iter()
                    .collect(),
                    ..DiscoveryInputs::default()
                };
                find_on_path(&rest, name)
            }
            crate::machine::shims::Shim::NotSelected => Lookup::Missing,
            crate::machine::shims::Shim::Unknown(why) => Lookup::Unknown(candidate, why),
        };
    }
    Lookup::Missing
}

/// A regular file (through symlinks) with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    memo::meta(path).is_some_and(|m| m.executable)
}
