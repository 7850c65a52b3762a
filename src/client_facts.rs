//! The facts Machine reads about installed clients, as plain data: which
//! client ([`ClientId`]), where it was found ([`FoundClient`]), its settings
//! and, for the Python family, what its interpreter imports
//! ([`PythonFacts`]). Machine fills them; Diagnose and Report read them.
//! Also where a client reads its roots from ([`Source`]): Knowledge names
//! the sources, Trust loads and verifies them.
//!
//! Nothing here reads the machine or decides anything.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// The clients tlsdoctor knows, each with a stable id (DESIGN.md, Your tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ClientId {
    #[serde(rename = "python")]
    Python,
    #[serde(rename = "python-requests")]
    PythonRequests,
    #[serde(rename = "python-httpx")]
    PythonHttpx,
    #[serde(rename = "pip")]
    Pip,
    #[serde(rename = "node")]
    Node,
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "curl")]
    Curl,
    #[serde(rename = "git")]
    Git,
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "java")]
    Java,
    #[serde(rename = "go")]
    Go,
    #[serde(rename = "cargo")]
    Cargo,
    #[serde(rename = "uv")]
    Uv,
    #[serde(rename = "conda")]
    Conda,
}

impl ClientId {
    /// The stable id, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientId::Python => "python",
            ClientId::PythonRequests => "python-requests",
            ClientId::PythonHttpx => "python-httpx",
            ClientId::Pip => "pip",
            ClientId::Node => "node",
            ClientId::Npm => "npm",
            ClientId::Curl => "curl",
            ClientId::Git => "git",
            ClientId::Aws => "aws",
            ClientId::Java => "java",
            ClientId::Go => "go",
            ClientId::Cargo => "cargo",
            ClientId::Uv => "uv",
            ClientId::Conda => "conda",
        }
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One client found on this machine: what `--run-clients` runs, and the
/// identity every report line carries. Field names are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundClient {
    pub client: ClientId,
    /// The executable a user runs (for Python libraries: the interpreter).
    pub executable: PathBuf,
    /// The client's version when a file tells it (library metadata, a
    /// version manager's directory name, a header); `None` = unknown.
    pub version: Option<String>,
    /// For the Python family and pip: the interpreter that imports it.
    pub interpreter: Option<PathBuf>,
}

/// One setting that bears on a client's trust, with where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The key as the tool spells it (`http.sslCAInfo`, `cafile`, `ca_bundle`).
    pub key: String,
    pub value: String,
    /// The file it came from, or `environment`.
    pub source: String,
}

/// A found client with everything read about its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFacts {
    #[serde(flatten)]
    pub found: FoundClient,
    /// For the Python family and pip: the interpreter's facts.
    #[serde(skip)]
    pub python: Option<PythonFacts>,
    /// Settings from the tool's own config files and variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// What could not be read cheaply, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

/// One place a client reads roots from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A PEM file, or a hashed directory (decided when it is read).
    Path(PathBuf),
    /// A hashed certificate directory (`<hash>.0`), searched by name.
    Dir(PathBuf),
    /// Mozilla's roots as built into the client (Node, uv, webpki-roots).
    Bundled,
    /// The platform verifier (macOS, Windows).
    OsVerifier,
}

/// What one interpreter imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PythonFacts {
    /// The interpreter as the user runs it (not resolved through symlinks:
    /// Python finds its venv from this path).
    pub interpreter: PathBuf,
    /// How it was found: `PATH`, `VIRTUAL_ENV`, `CONDA_PREFIX`, `.venv`,
    /// `--python`, or a version manager's selection.
    pub found_by: String,
    /// `3.11.7` or `3.13` — as precise as the files say.
    pub version: Option<String>,
    /// The `sys.prefix` this interpreter gets.
    pub prefix: PathBuf,
    pub venv: bool,
    /// In import order.
    pub site_packages: Vec<PathBuf>,
    /// Normalised package name → version (the first on the import path wins).
    pub packages: BTreeMap<String, String>,
    /// certifi's `cacert.pem`, when certifi is importable.
    pub certifi: Option<PathBuf>,
    /// pip's vendored certifi bundle.
    pub pip_certifi: Option<PathBuf>,
    /// The file that injects truststore at start-up, when one does.
    pub truststore_injected_by: Option<PathBuf>,
    /// What could not be read.
    pub unknown: Vec<String>,
}

impl PythonFacts {
    /// (major, minor) when known.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        parse_major_minor(self.version.as_deref()?)
    }

    /// A package's version, when installed.
    pub fn package(&self, name: &str) -> Option<&str> {
        self.packages.get(name).map(String::as_str)
    }
}

/// `3.11.7` → (3, 11).
pub fn parse_major_minor(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor))
}
