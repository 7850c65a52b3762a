/*!
`tlsdoctor env`: an audit of what decides TLS trust for the tools on this
machine — CA and proxy environment variables, and the trust settings in
git, pip, npm, AWS, conda and curl configuration files.

Two halves, kept apart so the judgement is unit-testable:

- **Collecting** ([`collect`], [`collect_for_vars`]) is the I/O at the edge:
  it reads the variables, the configuration files under `HOME` (or the
  locations their own variables name), and every file or directory a
  variable or setting points at (bounded in size and count). Nothing is
  decided there.
- **Auditing** ([`audit`]) is a pure function of those [`Inputs`]: what
  each variable and setting means, which clients honour or ignore it (from
  [`crate::ecosystems`], the one place that knows the ecosystems), what each
  file holds (certificates, Mozilla roots, notable CAs named through the
  interception table), and [`Warning`]s for dangerous or useless values.

Exit code of `env`: 1 when a warning says verification is off or broken
([`Level::Danger`]), 0 otherwise. Proxy credentials never leave this module:
values of `*_PROXY` variables are redacted before they enter an [`Audit`].
`check` takes a short version through [`warnings_for_check`].
*/

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde::Serialize;

use crate::cert::CertName;
use crate::diagnose::interceptors;
use crate::ecosystems::{
    ca_file_use, config_setting, env_variable, CaFileUse, Platform, ENV_VARIABLES,
};
use crate::exit::ExitCode;
use crate::findings::{Finding, FindingKind};
use crate::probe::proxy::{redact_text, ProxyUrl};
use crate::report::Format;

/// The most bytes read from one file a setting points at (the largest real
/// CA bundles are well under 1 MiB).
const MAX_FILE_BYTES: u64 = 16 << 20;
/// The most files read from one certificate directory.
const MAX_DIR_FILES: usize = 4096;
/// The most bytes read from one configuration file.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Every variable the audit reads: the table's, plus the lower-case proxy
/// spellings that curl and Python also read.
pub fn variable_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = ENV_VARIABLES.iter().map(|v| v.name).collect();
    names.extend(["all_proxy", "no_proxy"]);
    names
}

fn is_proxy_variable(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("_proxy")
}

// ---------------------------------------------------------------------------
// Inputs (collected at the edge)

/// What a path held when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Missing,
    Unreadable(String),
    /// A file's bytes (or a character device's, like /dev/null: none).
    File(Vec<u8>),
    /// A directory: the bytes of each regular file in it.
    Dir(Vec<Vec<u8>>),
}

/// A configuration file that was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The tool, as in [`crate::ecosystems::CONFIG_SETTINGS`].
    pub tool: &'static str,
    pub path: PathBuf,
    /// `Ok(None)`: not there. `Err`: there but unreadable.
    pub contents: Result<Option<String>, String>,
}

/// Everything the audit looks at.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Variables that are set (any value, even empty), in [`variable_names`] order.
    pub vars: Vec<(String, String)>,
    /// Configuration files looked for.
    pub configs: Vec<ConfigFile>,
    /// Every path a variable or setting names, as read.
    pub paths: BTreeMap<PathBuf, PathState>,
    /// The user's home, for `~` in settings.
    pub home: Option<PathBuf>,
}

/// Read the environment, the configuration files and every file they name.
pub fn collect() -> Inputs {
    let getenv = |name: &str| std::env::var(name).ok();
    let vars = variable_names()
        .into_iter()
        .filter_map(|n| getenv(n).map(|v| (n.to_string(), v)))
        .collect();
    let home = getenv("HOME")
        .or_else(|| getenv("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let configs = config_locations(home.as_deref(), &getenv)
        .into_iter()
        .map(|(tool, path)| ConfigFile {
            tool,
            contents: read_config(&path),
            path,
        })
        .collect();
    let mut inputs = Inputs {
        vars,
        configs,
        paths: BTreeMap::new(),
        home,
    };
    read_referenced_paths(&mut inputs);
    inputs
}

/// Inputs for `check`: the given variables and the files they name, no
/// configuration files. A directory is read only until it shows a Mozilla
/// root: `check` needs its warnings (which fire on none), not its counts.
pub fn collect_for_vars(vars: &[(String, String)]) -> Inputs {
    let mut inputs = Inputs {
        vars: vars.to_vec(),
        ..Inputs::default()
    };
    for path in referenced_paths(&inputs) {
        let state = read_path_with(&path, DirRead::UntilMozillaRoot);
        inputs.paths.insert(path, state);
    }
    inputs
}

fn read_referenced_paths(inputs: &mut Inputs) {
    for path in referenced_paths(inputs) {
        let state = read_path(&path);
        inputs.paths.insert(path, state);
    }
}

/// How much of a certificate directory to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirRead {
    /// Every file (up to the bound), for counts.
    All,
    /// Until a file holds a Mozilla root.
    UntilMozillaRoot,
}

/// Where each tool's user configuration lives (the first existing wins for
/// pip; all are listed so the report can say which were looked at).
fn config_locations(
    home: Option<&Path>,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Vec<(&'static str, PathBuf)> {
    let mut out = Vec::new();
    let env_path = |name: &str| getenv(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let xdg = env_path("XDG_CONFIG_HOME").or_else(|| home.map(|h| h.join(".config")));
    match env_path("GIT_CONFIG_GLOBAL") {
        Some(p) => out.push(("git", p)),
        None => {
            if let Some(h) = home {
                out.push(("git", h.join(".gitconfig")));
            }
            if let Some(x) = &xdg {
                out.push(("git", x.join("git").join("config")));
            }
        }
    }
    match env_path("PIP_CONFIG_FILE") {
        Some(p) => out.push(("pip", p)),
        None => {
            if let Some(x) = &xdg {
                out.push(("pip", x.join("pip").join("pip.conf")));
            }
            if let Some(h) = home {
                out.push(("pip", h.join(".pip").join("pip.conf")));
            }
            if let Some(a) = env_path("APPDATA") {
                out.push(("pip", a.join("pip").join("pip.ini")));
            }
        }
    }
    match env_path("NPM_CONFIG_USERCONFIG") {
        Some(p) => out.push(("npm", p)),
        None => out.extend(home.map(|h| ("npm", h.join(".npmrc")))),
    }
    match env_path("AWS_CONFIG_FILE") {
        Some(p) => out.push(("aws", p)),
        None => out.extend(home.map(|h| ("aws", h.join(".aws").join("config")))),
    }
    match env_path("CONDARC") {
        Some(p) => out.push(("conda", p)),
        None => out.extend(home.map(|h| ("conda", h.join(".condarc")))),
    }
    match env_path("CURL_HOME") {
        Some(p) => out.push(("curl", p.join(".curlrc"))),
        None => out.extend(home.map(|h| ("curl", h.join(".curlrc")))),
    }
    out
}

fn read_config(path: &Path) -> Result<Option<String>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
        Ok(m) if m.is_dir() => return Err("is a directory".into()),
        Ok(m) if m.len() > MAX_CONFIG_BYTES => return Err("larger than 1 MiB".into()),
        Ok(_) => {}
    }
    std::fs::read(path)
        .map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
        .map_err(|e| e.to_string())
}

fn read_path(path: &Path) -> PathState {
    read_path_with(path, DirRead::All)
}

fn read_path_with(path: &Path, dir_read: DirRead) -> PathState {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PathState::Missing,
        Err(e) => return PathState::Unreadable(e.to_string()),
    };
    if meta.is_dir() {
        let entries = match std::fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => return PathState::Unreadable(e.to_string()),
        };
        let mut files = Vec::new();
        let readable = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .take(MAX_DIR_FILES)
            .filter_map(|p| read_bounded(&p).ok());
        for bytes in readable {
            let enough = dir_read == DirRead::UntilMozillaRoot && holds_mozilla_root(&bytes);
            files.push(bytes);
            if enough {
                break;
            }
        }
        return PathState::Dir(files);
    }
    match read_bounded(path) {
        Ok(bytes) => PathState::File(bytes),
        Err(e) => PathState::Unreadable(e),
    }
}

fn holds_mozilla_root(pem: &[u8]) -> bool {
    let mozilla = mozilla_ders();
    CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .any(|der| mozilla.contains(der.as_ref()))
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// Parsing settings (pure)

/// One trust setting found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub tool: &'static str,
    /// The key as reported, e.g. `http.sslVerify` or `http.https://x/.sslVerify`.
    pub key: String,
    /// The table's key (for the meaning), e.g. `http.sslVerify`.
    #[serde(skip)]
    pub table_key: &'static str,
    pub value: String,
    pub file: PathBuf,
}

/// The trust settings in one configuration file's text.
pub fn parse_settings(tool: &'static str, file: &Path, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut push = |key: String, table_key: &'static str, value: &str| {
        out.push(Setting {
            tool,
            key,
            table_key,
            value: unquote(value).to_string(),
            file: file.to_path_buf(),
        })
    };
    let mut section = String::new();
    for raw in text.lines() {
        let line = strip_comment(raw, tool).trim();
        if line.is_empty() {
            continue;
        }
        if tool != "conda" && tool != "curl" && line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        match tool {
            "git" => {
                let (key, value) = match line.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim()),
                    None => (line, "true"),
                };
                // [http] or [http "https://host/"]
                let (name, sub) = match section.split_once(char::is_whitespace) {
                    Some((n, s)) => (n, Some(unquote(s.trim()))),
                    None => (section.as_str(), None),
                };
                if !name.eq_ignore_ascii_case("http") {
                    continue;
                }
                if let Some(setting) = config_setting("git", &format!("http.{key}")) {
                    let shown = match sub {
                        Some(s) => format!("http.{s}.{}", &setting.key[5..]),
                        None => setting.key.to_string(),
                    };
                    push(shown, setting.key, value);
                }
            }
            "conda" => {
                if let Some((k, v)) = line.split_once(':') {
                    if let Some(setting) = config_setting(tool, k.trim()) {
                        push(setting.key.to_string(), setting.key, v.trim());
                    }
                }
            }
            "curl" => {
                let word = line.trim_start_matches('-');
                let (k, v) =
                    match word.split_once(|c: char| c == '=' || c == ':' || c.is_whitespace()) {
                        Some((k, v)) => (k.trim(), v.trim().trim_start_matches(['=', ':']).trim()),
                        None => (word, ""),
                    };
                let k = if k == "k" { "insecure" } else { k };
                if let Some(setting) = config_setting(tool, k) {
                    let value = if setting.key == "insecure" {
                        "insecure"
                    } else {
                        v
                    };
                    push(setting.key.to_string(), setting.key, value);
                }
            }
            _ => {
                // pip.conf, .npmrc, ~/.aws/config: INI-like `key = value`.
                if let Some((k, v)) = line.split_once('=') {
                    let k = k.trim();
                    // npm also accepts the `//registry/:cafile` scoped form.
                    let k = k.rsplit(':').next().unwrap_or(k);
                    if let Some(setting) = config_setting(tool, k) {
                        let shown = if section.is_empty() {
                            setting.key.to_string()
                        } else {
                            format!("[{section}] {}", setting.key)
                        };
                        push(shown, setting.key, v.trim());
                    }
                }
            }
        }
    }
    out
}

fn strip_comment<'a>(line: &'a str, tool: &str) -> &'a str {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return "";
    }
    if tool == "git" || tool == "conda" {
        // An unquoted # or ; starts a comment.
        let mut quoted = false;
        for (i, c) in line.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '#' | ';' if !quoted && tool == "git" => return &line[..i],
                '#' if !quoted => return &line[..i],
                _ => {}
            }
        }
    }
    line
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

/// Every trust setting in the configuration files that were read.
fn settings(inputs: &Inputs) -> Vec<Setting> {
    inputs
        .configs
        .iter()
        .filter_map(|c| match &c.contents {
            Ok(Some(text)) => Some(parse_settings(c.tool, &c.path, text)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `~/x` → `HOME/x`.
fn expand(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The paths the variables and settings name (the collector reads them).
fn referenced_paths(inputs: &Inputs) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (name, value) in &inputs.vars {
        match ca_file_use(name) {
            Some(CaFileUse::Directory) => out.extend(split_dirs(value).map(PathBuf::from)),
            Some(_) if !value.is_empty() => out.push(PathBuf::from(value)),
            _ => {}
        }
    }
    for s in settings(inputs) {
        if let Some(path) = setting_path(&s, inputs.home.as_deref()) {
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn split_dirs(value: &str) -> impl Iterator<Item = &str> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    value.split(sep).filter(|d| !d.is_empty())
}

/// The file a setting names, when it names one.
fn setting_path(s: &Setting, home: Option<&Path>) -> Option<PathBuf> {
    let table = config_setting(s.tool, s.table_key)?;
    table.ca_file?;
    let v = s.value.trim();
    if v.is_empty()
        || table
            .disabling_values
            .contains(&v.to_ascii_lowercase().as_str())
    {
        return None;
    }
    if s.tool == "conda" && matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1") {
        return None;
    }
    Some(expand(v, home))
}

// ---------------------------------------------------------------------------
// The audit (pure)

/// How bad a warning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Verification is off, or broken (clients that read this fail every call).
    Danger,
    /// Useless, surprising or risky, but verification still happens.
    Warning,
    /// Worth knowing.
    Info,
}

/// A dangerous, useless or surprising value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub level: Level,
    /// The variable, or `tool: key` of a setting.
    pub source: String,
    pub message: String,
    /// What to do instead, when there is something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// What a file (or directory) a variable or setting names holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub path: String,
    /// file, directory, missing, unreadable.
    pub kind: &'static str,
    pub exists: bool,
    /// At least one certificate, and no malformed PEM.
    pub parses: bool,
    pub certificates: usize,
    /// How many of them are Mozilla roots (as built into tlsdoctor).
    pub mozilla_roots: usize,
    /// Interception products and known-bad roots among them, by vendor.
    pub notable: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One variable of the table, set or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariableReport {
    pub name: String,
    pub set: bool,
    /// The value (proxy credentials removed), when set.
    pub value: Option<String>,
    pub meaning: &'static str,
    pub honoured_by: &'static [&'static str],
    pub ignored_by: &'static [&'static str],
    /// What the file or directories it names hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileReport>,
}

/// One configuration setting found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingReport {
    pub tool: &'static str,
    pub file: String,
    pub key: String,
    pub value: String,
    pub meaning: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<FileReport>,
}

/// A configuration file looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub tool: &'static str,
    pub path: String,
    pub exists: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema_version: u32,
    pub tool_version: &'static str,
    pub os: &'static str,
    pub variables: Vec<VariableReport>,
    pub config_files: Vec<ConfigReport>,
    pub settings: Vec<SettingReport>,
    /// Most severe first.
    pub warnings: Vec<Warning>,
    /// A warning says verification is off or broken (exit 1).
    pub verification_off_or_broken: bool,
}

impl Audit {
    /// 1 when verification is off or broken somewhere, else 0.
    pub fn exit_code(&self) -> ExitCode {
        if self.verification_off_or_broken {
            ExitCode::Diagnosis
        } else {
            ExitCode::Clean
        }
    }
}

/// Audit what was collected. Pure.
pub fn audit(inputs: &Inputs, platform: Platform) -> Audit {
    let mozilla = mozilla_ders();
    let mut reports = Reports::default();
    let mut warnings = Vec::new();
    let set: BTreeMap<&str, &str> = inputs
        .vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    let mut variables = Vec::new();
    for name in variable_names() {
        let Some(entry) = env_variable(name) else {
            continue;
        };
        let value = set.get(name).copied();
        if value.is_none() && entry.name != name {
            // Lower-case spellings are listed only when set.
            continue;
        }
        let mut files = Vec::new();
        if let Some(value) = value {
            warnings.extend(variable_warnings(name, value, &set));
            match ca_file_use(name) {
                Some(CaFileUse::Directory) => {
                    for dir in split_dirs(value) {
                        let report = reports.get(Path::new(dir), &inputs.paths, mozilla);
                        warnings.extend(dir_warnings(name, &report));
                        files.push(report);
                    }
                }
                Some(usage) if !value.is_empty() => {
                    let report = reports.get(Path::new(value), &inputs.paths, mozilla);
                    warnings.extend(file_warnings(
                        name,
                        usage,
                        name == "REQUESTS_CA_BUNDLE",
                        &report,
                    ));
                    files.push(report);
                }
                _ => {}
            }
        }
        variables.push(VariableReport {
            name: name.to_string(),
            set: value.is_some(),
            value: value.map(|v| {
                if is_proxy_variable(name) {
                    redact_text(v)
                } else {
                    v.to_string()
                }
            }),
            meaning: entry.meaning,
            honoured_by: entry.honoured_by,
            ignored_by: entry.ignored_by,
            files,
        });
    }
    warnings.extend(proxy_pair_warnings(&set));

    let config_files = inputs
        .configs
        .iter()
        .map(|c| ConfigReport {
            tool: c.tool,
            path: c.path.display().to_string(),
            exists: !matches!(c.contents, Ok(None)),
            error: c.contents.as_ref().err().cloned(),
        })
        .collect::<Vec<_>>();
    for c in &inputs.configs {
        if let Err(e) = &c.contents {
            warnings.push(Warning {
                level: Level::Warning,
                source: format!("{}: {}", c.tool, c.path.display()),
                message: format!("cannot read it ({e}), so its trust settings are unknown"),
                fix: None,
            });
        }
    }

    let mut settings_out = Vec::new();
    for s in settings(inputs) {
        let Some(table) = config_setting(s.tool, s.table_key) else {
            continue;
        };
        let source = format!("{} {}: {}", s.tool, s.file.display(), s.key);
        let lower = s.value.trim().to_ascii_lowercase();
        if table.disabling_values.contains(&lower.as_str()) {
            warnings.push(Warning {
                level: Level::Danger,
                source: source.clone(),
                message: format!("{} = {}: {}", s.key, s.value, table.meaning),
                fix: Some(
                    "remove it and trust the CA instead (tlsdoctor bundle writes a combined bundle)"
                        .into(),
                ),
            });
        }
        if s.table_key == "trusted-host" {
            warnings.push(Warning {
                level: Level::Warning,
                source: source.clone(),
                message: format!("trusted-host = {}: {}", s.value, table.meaning),
                fix: Some(
                    "use cert = a combined bundle, or pip 24.2+ (which uses the OS store)".into(),
                ),
            });
        }
        let ca_file = setting_path(&s, inputs.home.as_deref()).map(|path| {
            let report = reports.get(&path, &inputs.paths, mozilla);
            let usage = table.ca_file.unwrap_or(CaFileUse::Replaces);
            warnings.extend(file_warnings(&source, usage, false, &report));
            report
        });
        settings_out.push(SettingReport {
            tool: s.tool,
            file: s.file.display().to_string(),
            key: s.key,
            value: s.value,
            meaning: table.meaning,
            ca_file,
        });
    }

    warnings.sort_by_key(|w| w.level);
    let broken = warnings.iter().any(|w| w.level == Level::Danger);
    Audit {
        schema_version: 1,
        tool_version: env!("CARGO_PKG_VERSION"),
        os: platform.as_str(),
        variables,
        config_files,
        settings: settings_out,
        warnings,
        verification_off_or_broken: broken,
    }
}

/// The Mozilla roots' DER, built once (`check` asks per directory file).
fn mozilla_ders() -> &'static HashSet<&'static [u8]> {
    static SET: std::sync::OnceLock<HashSet<&'static [u8]>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| c.as_ref())
            .collect()
    })
}

fn warn(level: Level, source: &str, message: impl Into<String>, fix: Option<&str>) -> Warning {
    Warning {
        level,
        source: source.to_string(),
        message: message.into(),
        fix: fix.map(str::to_string),
    }
}

/// Warnings about a variable's value itself (not the file it names).
fn variable_warnings(name: &str, value: &str, set: &BTreeMap<&str, &str>) -> Vec<Warning> {
    let mut out = Vec::new();
    let v = value.trim();
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => out.push(warn(
            Level::Danger,
            name,
            "is 0: certificate validation is off for every TLS connection of every Node.js process (npm, yarn included)",
            Some("unset it; add the CA with NODE_EXTRA_CA_CERTS instead"),
        )),
        "PYTHONHTTPSVERIFY" if v == "0" => out.push(warn(
            Level::Danger,
            name,
            "is 0: Python 2.7 and some distro Pythons skip verification in urllib/http.client; requests, httpx, pip and boto3 ignore it",
            Some("unset it; set REQUESTS_CA_BUNDLE/SSL_CERT_FILE to a combined bundle instead"),
        )),
        "GIT_SSL_NO_VERIFY" => out.push(warn(
            Level::Danger,
            name,
            format!("is set{}: git accepts any server certificate (any value, even empty or 0, turns verification off)", if v.is_empty() { " (empty)" } else { "" }),
            Some("unset it; point http.sslCAInfo or GIT_SSL_CAINFO at a combined bundle"),
        )),
        "SSL_CERT_FILE" | "SSL_CERT_DIR" if v.is_empty() => out.push(warn(
            Level::Danger,
            name,
            "is set but empty: OpenSSL (Python's ssl, curl) loads no roots from it, and rustls-native-certs errors and skips the OS store",
            Some("unset it rather than setting it empty"),
        )),
        _ if ca_file_use(name).is_some() && v.is_empty() => out.push(warn(
            Level::Warning,
            name,
            "is set but empty: most clients treat it as unset, some as a file name that does not exist",
            Some("unset it"),
        )),
        _ => {}
    }
    if (name == "SSL_CERT_FILE" || name == "SSL_CERT_DIR") && !v.is_empty() {
        let both = set.contains_key("SSL_CERT_FILE") && set.contains_key("SSL_CERT_DIR");
        if name == "SSL_CERT_FILE" || !both {
            out.push(warn(
                Level::Info,
                name,
                "rustls-native-certs (and tlsdoctor's OS store) then read only SSL_CERT_FILE/SSL_CERT_DIR and skip the platform store",
                None,
            ));
        }
    }
    if is_proxy_variable(name) && !name.eq_ignore_ascii_case("no_proxy") && !v.is_empty() {
        match ProxyUrl::parse(v) {
            Err(e) => out.push(warn(Level::Warning, name, e.to_string(), None)),
            Ok(p) if p.scheme != "http" => out.push(warn(
                Level::Info,
                name,
                format!("a {} proxy: clients differ in support (tlsdoctor check speaks only http:// proxies)", p.scheme),
                None,
            )),
            Ok(_) => {}
        }
    }
    out
}

fn proxy_pair_warnings(set: &BTreeMap<&str, &str>) -> Vec<Warning> {
    let mut out = Vec::new();
    for (upper, lower) in [
        ("HTTPS_PROXY", "https_proxy"),
        ("HTTP_PROXY", "http_proxy"),
        ("ALL_PROXY", "all_proxy"),
        ("NO_PROXY", "no_proxy"),
    ] {
        if let (Some(u), Some(l)) = (set.get(upper), set.get(lower)) {
            if u.trim() != l.trim() {
                out.push(warn(
                    Level::Warning,
                    upper,
                    format!("{upper} and {lower} differ: curl and Python prefer {lower}, other clients may read {upper}"),
                    Some("set both to the same value, or unset one"),
                ));
            }
        }
    }
    out
}

/// File reports by path: several variables often name the same bundle.
#[derive(Default)]
struct Reports(BTreeMap<PathBuf, FileReport>);

impl Reports {
    fn get(
        &mut self,
        path: &Path,
        paths: &BTreeMap<PathBuf, PathState>,
        mozilla: &HashSet<&'static [u8]>,
    ) -> FileReport {
        self.0
            .entry(path.to_path_buf())
            .or_insert_with(|| file_report(path, paths, mozilla))
            .clone()
    }
}

/// What `path` holds, from the collected state.
fn file_report(
    path: &Path,
    paths: &BTreeMap<PathBuf, PathState>,
    mozilla: &HashSet<&'static [u8]>,
) -> FileReport {
    let mut report = FileReport {
        path: path.display().to_string(),
        kind: "missing",
        exists: false,
        parses: false,
        certificates: 0,
        mozilla_roots: 0,
        notable: Vec::new(),
        error: None,
    };
    let blobs: Vec<&[u8]> = match paths.get(path) {
        None | Some(PathState::Missing) => return report,
        Some(PathState::Unreadable(e)) => {
            report.kind = "unreadable";
            report.exists = true;
            report.error = Some(e.clone());
            return report;
        }
        Some(PathState::File(bytes)) => {
            report.kind = "file";
            vec![bytes.as_slice()]
        }
        Some(PathState::Dir(files)) => {
            report.kind = "directory";
            files.iter().map(Vec::as_slice).collect()
        }
    };
    report.exists = true;
    let mut malformed = None;
    let mut seen = HashSet::new();
    for blob in blobs {
        for cert in CertificateDer::pem_slice_iter(blob) {
            match cert {
                Ok(der) => {
                    if !seen.insert(der.as_ref().to_vec()) {
                        continue; // hashed directories hold each root more than once
                    }
                    if mozilla.contains(der.as_ref()) {
                        report.certificates += 1;
                        report.mozilla_roots += 1;
                        continue;
                    }
                    // Names only: checking signatures of a whole bundle costs
                    // tens of milliseconds, and `check` runs this too.
                    let facts = match CertName::from_der(der.as_ref()) {
                        Ok(facts) => facts,
                        Err(e) => {
                            malformed =
                                Some(format!("a PEM block that is not a certificate ({e})"));
                            continue;
                        }
                    };
                    report.certificates += 1;
                    if let Some(i) = interceptors::match_name(&facts.subject) {
                        report.notable.push(format!(
                            "{} ({}, {})",
                            facts.display_name,
                            i.vendor,
                            i.kind.label()
                        ));
                    } else if let Some(r) = interceptors::match_spki(&facts.spki_sha256) {
                        report.notable.push(format!(
                            "{} ({}: its private key is public)",
                            facts.display_name, r.vendor
                        ));
                    }
                }
                Err(e) => {
                    malformed = Some(format!("malformed PEM: {e}"));
                    if report.kind == "file" {
                        break;
                    }
                }
            }
        }
    }
    report.parses = report.certificates > 0 && (malformed.is_none() || report.kind == "directory");
    if report.kind == "file" {
        report.error = malformed;
    }
    report
}

/// Warnings about the file a CA variable or setting names.
fn file_warnings(source: &str, usage: CaFileUse, dir_ok: bool, f: &FileReport) -> Vec<Warning> {
    let combined = Some("point it at a combined bundle: tlsdoctor bundle TARGET --out FILE");
    let mut out = Vec::new();
    if f.path == "/dev/null" {
        out.push(warn(
            Level::Danger,
            source,
            "points at /dev/null: that does not turn verification off; it leaves clients that read it with no roots, so every HTTPS call fails",
            Some("unset it"),
        ));
        return out;
    }
    match f.kind {
        "missing" => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which does not exist: clients that read it fail every HTTPS call",
                f.path
            ),
            Some("fix the path, or unset it"),
        )),
        "unreadable" => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which cannot be read ({}): clients that read it fail every HTTPS call",
                f.path,
                f.error.as_deref().unwrap_or("error")
            ),
            Some("fix its permissions, or unset it"),
        )),
        "directory" if !dir_ok => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which is a directory; a PEM file is expected",
                f.path
            ),
            combined,
        )),
        _ if f.certificates == 0 => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which holds no certificate{}: clients that read it trust nothing",
                f.path,
                f.error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
            combined,
        )),
        _ => {
            if let Some(e) = &f.error {
                out.push(warn(
                    Level::Warning,
                    source,
                    format!(
                        "{} holds {} certificate(s), then {e}; some clients reject the whole file",
                        f.path, f.certificates
                    ),
                    None,
                ));
            }
            if usage == CaFileUse::Replaces && f.mozilla_roots == 0 {
                let who = if source == "SSL_CERT_FILE" {
                    "httpx, Python's ssl, curl, Go and rustls-native-certs"
                } else {
                    "the clients that read it"
                };
                out.push(warn(
                    Level::Warning,
                    source,
                    format!(
                        "{} holds {} certificate(s) and none of Mozilla's public roots: it replaces the default roots, so {who} trust only these, and every site not re-signed by them fails",
                        f.path, f.certificates
                    ),
                    combined,
                ));
            }
        }
    }
    if !f.notable.is_empty() {
        out.push(warn(
            Level::Info,
            source,
            format!("{} holds {}", f.path, f.notable.join(", ")),
            None,
        ));
    }
    out
}

fn dir_warnings(source: &str, f: &FileReport) -> Vec<Warning> {
    match f.kind {
        "missing" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which does not exist (ignored by OpenSSL)", f.path),
            Some("fix the path, or remove it from the list"),
        )],
        "unreadable" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which cannot be read", f.path),
            None,
        )],
        "file" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which is a file: SSL_CERT_DIR takes directories (use SSL_CERT_FILE for a file)", f.path),
            None,
        )],
        _ if f.certificates == 0 => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which holds no certificates", f.path),
            None,
        )],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// For `check`

/// The environment warnings that bear on a `check` verdict, as warning
/// findings (never errors: they do not change the verdict). Pure.
///
/// Only variables are considered (no configuration files), and only what is
/// off, broken or surprising: CA variables with bad values or files, and
/// variables that turn verification off.
pub fn findings_for_check(inputs: &Inputs, platform: Platform) -> Vec<Finding> {
    let inputs = Inputs {
        configs: Vec::new(),
        ..inputs.clone()
    };
    audit(&inputs, platform)
        .warnings
        .into_iter()
        .filter(|w| w.level != Level::Info)
        .map(|w| {
            let summary = format!("{} {}", w.source, first_clause(&w.message));
            let detail = match &w.fix {
                Some(fix) => format!("{} {}. Fix: {fix}.", w.source, w.message),
                None => format!("{} {}.", w.source, w.message),
            };
            Finding::warning(FindingKind::Environment, summary, detail)
        })
        .collect()
}

/// [`findings_for_check`] for these variables (name, value), reading the
/// files they name. `vars` is what the process environment holds for
/// [`variable_names`].
pub fn warnings_for_check(vars: &[(String, String)]) -> Vec<Finding> {
    findings_for_check(&collect_for_vars(vars), Platform::current())
}

fn first_clause(message: &str) -> &str {
    message.split(": ").next().unwrap_or(message)
}

// ---------------------------------------------------------------------------
// Output

/// Audit the environment and print the result.
pub fn run(format: Format, color: bool) -> anyhow::Result<ExitCode> {
    let audit = audit(&collect(), Platform::current());
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&audit)? + "\n",
        Format::Human => render_human(&audit, color),
        Format::Markdown => render_markdown(&audit),
    };
    crate::report::write_stdout(&text)?;
    Ok(audit.exit_code())
}

struct Paint(bool);

impl Paint {
    fn style(&self, text: &str, style: owo_colors::Style) -> String {
        use owo_colors::OwoColorize;
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
    fn level(&self, level: Level) -> String {
        use owo_colors::Style;
        match level {
            Level::Danger => self.style("✗ danger ", Style::new().red().bold()),
            Level::Warning => self.style("! warning", Style::new().yellow()),
            Level::Info => self.style("· info   ", Style::new().dimmed()),
        }
    }
}

fn describe_file(f: &FileReport) -> String {
    match f.kind {
        "missing" => "does not exist".into(),
        "unreadable" => format!("cannot be read ({})", f.error.as_deref().unwrap_or("error")),
        kind => {
            let mut s = format!(
                "{kind}, {} certificate(s), {} Mozilla root(s)",
                f.certificates, f.mozilla_roots
            );
            if !f.notable.is_empty() {
                s.push_str(&format!("; notable: {}", f.notable.join(", ")));
            }
            s
        }
    }
}

/// The human report: verdict line, set variables, settings, warnings.
pub fn render_human(a: &Audit, color: bool) -> String {
    use owo_colors::Style;
    let p = Paint(color);
    let mut out = String::new();
    let dangers = a
        .warnings
        .iter()
        .filter(|w| w.level == Level::Danger)
        .count();
    let warnings = a
        .warnings
        .iter()
        .filter(|w| w.level == Level::Warning)
        .count();
    let headline = if dangers > 0 {
        p.style(
            &format!("✗ {dangers} setting(s) turn verification off or break it"),
            Style::new().red().bold(),
        )
    } else if warnings > 0 {
        p.style(
            &format!("! {warnings} warning(s); verification is on"),
            Style::new().yellow().bold(),
        )
    } else {
        p.style(
            "✓ nothing turns verification off",
            Style::new().green().bold(),
        )
    };
    out.push_str(&format!("{headline}  (tlsdoctor env, {})\n", a.os));

    out.push_str(&format!(
        "\n{}\n",
        p.style("Variables set", Style::new().bold())
    ));
    let mut any = false;
    for v in a.variables.iter().filter(|v| v.set) {
        any = true;
        out.push_str(&format!(
            "  {} = {}\n",
            p.style(&v.name, Style::new().bold()),
            v.value.as_deref().unwrap_or("")
        ));
        for f in &v.files {
            out.push_str(&format!("      {}: {}\n", f.path, describe_file(f)));
        }
        out.push_str(&format!(
            "      {}\n",
            p.style(
                &format!("honoured by: {}", v.honoured_by.join(", ")),
                Style::new().dimmed()
            )
        ));
        out.push_str(&format!(
            "      {}\n",
            p.style(
                &format!("ignored by: {}", v.ignored_by.join(", ")),
                Style::new().dimmed()
            )
        ));
    }
    if !any {
        out.push_str("  none of the CA, TLS or proxy variables\n");
    }
    let unset: Vec<&str> = a
        .variables
        .iter()
        .filter(|v| !v.set)
        .map(|v| v.name.as_str())
        .collect();
    if !unset.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            p.style(
                &format!("not set: {}", unset.join(", ")),
                Style::new().dimmed()
            )
        ));
    }

    out.push_str(&format!(
        "\n{}\n",
        p.style("Configuration files", Style::new().bold())
    ));
    for c in a.config_files.iter().filter(|c| c.exists) {
        let settings: Vec<String> = a
            .settings
            .iter()
            .filter(|s| s.file == c.path)
            .map(|s| match &s.ca_file {
                Some(f) => format!("{} = {} ({})", s.key, s.value, describe_file(f)),
                None => format!("{} = {}", s.key, s.value),
            })
            .collect();
        let what = match (&c.error, settings.is_empty()) {
            (Some(e), _) => format!("cannot be read: {e}"),
            (None, true) => "no trust settings".to_string(),
            (None, false) => settings.join("; "),
        };
        out.push_str(&format!("  {} ({}): {what}\n", c.path, c.tool));
    }
    let absent = a.config_files.iter().filter(|c| !c.exists).count();
    if absent > 0 {
        out.push_str(&format!(
            "  {}\n",
            p.style(
                &format!("{absent} other location(s) looked at do not exist"),
                Style::new().dimmed()
            )
        ));
    }

    if !a.warnings.is_empty() {
        out.push_str(&format!("\n{}\n", p.style("Warnings", Style::new().bold())));
        for w in &a.warnings {
            out.push_str(&format!(
                "  {} {}: {}\n",
                p.level(w.level),
                w.source,
                w.message
            ));
            if let Some(fix) = &w.fix {
                out.push_str(&format!("            fix: {fix}\n"));
            }
        }
    }
    out
}

/// A markdown list, for a ticket.
pub fn render_markdown(a: &Audit) -> String {
    let mut out = format!(
        "## tlsdoctor env ({}, tlsdoctor {})\n\n### Variables set\n\n",
        a.os, a.tool_version
    );
    for v in a.variables.iter().filter(|v| v.set) {
        out.push_str(&format!(
            "- `{}` = `{}`\n",
            v.name,
            v.value.as_deref().unwrap_or("")
        ));
        for f in &v.files {
            out.push_str(&format!("  - `{}`: {}\n", f.path, describe_file(f)));
        }
    }
    out.push_str("\n### Configuration settings\n\n");
    for s in &a.settings {
        out.push_str(&format!(
            "- {} `{}`: `{}` = `{}`\n",
            s.tool, s.file, s.key, s.value
        ));
    }
    out.push_str("\n### Warnings\n\n");
    if a.warnings.is_empty() {
        out.push_str("- none\n");
    }
    for w in &a.warnings {
        let level = serde_json::to_value(w.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!("- **{level}** `{}`: {}", w.source, w.message));
        if let Some(fix) = &w.fix {
            out.push_str(&format!(" (fix: {fix})"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_PEM: &str =
        "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";

    fn mozilla_pem(n: usize) -> Vec<u8> {
        let mut out = String::new();
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().take(n) {
            out.push_str(&crate::bundle::pem("CERTIFICATE", der.as_ref()));
        }
        out.into_bytes()
    }

    fn inputs(vars: &[(&str, &str)], paths: &[(&str, PathState)]) -> Inputs {
        Inputs {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            configs: Vec::new(),
            paths: paths
                .iter()
                .map(|(p, s)| (PathBuf::from(p), s.clone()))
                .collect(),
            home: Some(PathBuf::from("/home/u")),
        }
    }

    fn levels(a: &Audit, source: &str) -> Vec<Level> {
        a.warnings
            .iter()
            .filter(|w| w.source == source)
            .map(|w| w.level)
            .collect()
    }

    #[test]
    fn nothing_set_is_clean() {
        let a = audit(&inputs(&[], &[]), Platform::Linux);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        assert!(!a.verification_off_or_broken);
        assert!(a.variables.iter().all(|v| !v.set));
        assert!(a.variables.iter().any(|v| v.name == "CARGO_HTTP_CAINFO"));
    }

    #[test]
    fn verification_off_variables_are_danger() {
        for (name, value, danger) in [
            ("NODE_TLS_REJECT_UNAUTHORIZED", "0", true),
            ("NODE_TLS_REJECT_UNAUTHORIZED", "1", false),
            ("PYTHONHTTPSVERIFY", "0", true),
            ("PYTHONHTTPSVERIFY", "1", false),
            ("GIT_SSL_NO_VERIFY", "", true),
            ("GIT_SSL_NO_VERIFY", "0", true),
        ] {
            let a = audit(&inputs(&[(name, value)], &[]), Platform::Linux);
            assert_eq!(
                a.verification_off_or_broken, danger,
                "{name}={value}: {:?}",
                a.warnings
            );
        }
    }

    #[test]
    fn ca_file_problems() {
        let good = PathState::File(mozilla_pem(3));
        let cases: Vec<(&str, &str, PathState, Option<Level>)> = vec![
            ("SSL_CERT_FILE", "", PathState::Missing, Some(Level::Danger)),
            (
                "REQUESTS_CA_BUNDLE",
                "",
                PathState::Missing,
                Some(Level::Warning),
            ),
            (
                "AWS_CA_BUNDLE",
                "/dev/null",
                PathState::File(Vec::new()),
                Some(Level::Danger),
            ),
            (
                "PIP_CERT",
                "/nope.pem",
                PathState::Missing,
                Some(Level::Danger),
            ),
            (
                "CURL_CA_BUNDLE",
                "/x.pem",
                PathState::Unreadable("permission denied".into()),
                Some(Level::Danger),
            ),
            (
                "GIT_SSL_CAINFO",
                "/x.pem",
                PathState::File(b"hello".to_vec()),
                Some(Level::Danger),
            ),
            (
                "CARGO_HTTP_CAINFO",
                "/x.pem",
                PathState::File(ROOT_PEM.as_bytes().to_vec()),
                Some(Level::Danger),
            ),
            ("SSL_CERT_FILE", "/x.pem", good.clone(), None),
            ("NODE_EXTRA_CA_CERTS", "/x.pem", good.clone(), None),
            (
                "SSL_CERT_FILE",
                "/d",
                PathState::Dir(vec![mozilla_pem(2)]),
                Some(Level::Danger),
            ),
            (
                "REQUESTS_CA_BUNDLE",
                "/d",
                PathState::Dir(vec![mozilla_pem(2)]),
                None,
            ),
        ];
        for (name, value, state, expect) in cases {
            let path = if value.is_empty() { "/unused" } else { value };
            let a = audit(&inputs(&[(name, value)], &[(path, state)]), Platform::Linux);
            let worst = a
                .warnings
                .iter()
                .filter(|w| w.source == name && w.level != Level::Info)
                .map(|w| w.level)
                .min();
            assert_eq!(worst, expect, "{name}={value}: {:?}", a.warnings);
        }
    }

    #[test]
    fn ssl_cert_dir_is_a_path_list() {
        let a = audit(
            &inputs(
                &[("SSL_CERT_DIR", "/a:/b")],
                &[
                    ("/a", PathState::Dir(vec![mozilla_pem(2), mozilla_pem(2)])),
                    ("/b", PathState::Missing),
                ],
            ),
            Platform::Linux,
        );
        let v = a
            .variables
            .iter()
            .find(|v| v.name == "SSL_CERT_DIR")
            .unwrap();
        assert_eq!(v.files.len(), 2);
        assert_eq!(v.files[0].certificates, 2, "duplicates counted once");
        assert_eq!(levels(&a, "SSL_CERT_DIR"), [Level::Warning, Level::Info]);
        assert!(!a.verification_off_or_broken);
    }

    #[test]
    fn proxy_values_are_redacted_and_checked() {
        let a = audit(
            &inputs(
                &[
                    ("HTTPS_PROXY", "http://u:hunter2@proxy:8080"),
                    ("https_proxy", "http://other:3128"),
                    ("ALL_PROXY", "socks5://p:1080"),
                    ("no_proxy", "localhost"),
                ],
                &[],
            ),
            Platform::Linux,
        );
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(
            json.contains("http://proxy:8080 (credentials removed)"),
            "{json}"
        );
        assert!(levels(&a, "HTTPS_PROXY").contains(&Level::Warning));
        assert_eq!(levels(&a, "ALL_PROXY"), [Level::Info]);
        assert!(a.variables.iter().any(|v| v.name == "no_proxy" && v.set));
    }

    #[test]
    fn config_files_parse_simply() {
        let git = "[user]\n\tname = x\n[http]\n\tsslVerify = false ; comment\n\tsslCAInfo = ~/certs/b.pem\n[http \"https://git.corp/\"]\n\tsslVerify = true\n";
        let s = parse_settings("git", Path::new("/h/.gitconfig"), git);
        let keys: Vec<(&str, &str)> = s
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("http.sslVerify", "false"),
                ("http.sslCAInfo", "~/certs/b.pem"),
                ("http.https://git.corp/.sslVerify", "true")
            ]
        );
        let npm = "registry=https://r/\nstrict-ssl=false\n//r/:cafile=/c.pem\n";
        let s = parse_settings("npm", Path::new("/h/.npmrc"), npm);
        assert_eq!(s.len(), 2);
        let pip = "[global]\ncert = /etc/ca.pem\ntrusted-host = pypi.org\n";
        assert_eq!(parse_settings("pip", Path::new("p"), pip).len(), 2);
        let aws = "[profile dev]\nregion = x\nca_bundle = /a.pem\n";
        assert_eq!(
            parse_settings("aws", Path::new("a"), aws)[0].key,
            "[profile dev] ca_bundle"
        );
        let conda = "channels:\n  - defaults\nssl_verify: false # no\n";
        assert_eq!(
            parse_settings("conda", Path::new("c"), conda)[0].value,
            "false"
        );
        let curl = "# c\n-k\ncacert = \"/c.pem\"\n";
        let s = parse_settings("curl", Path::new("c"), curl);
        assert_eq!(
            (s[0].key.as_str(), s[1].value.as_str()),
            ("insecure", "/c.pem")
        );
    }

    #[test]
    fn config_settings_are_audited() {
        let mut i = inputs(&[], &[("/home/u/certs/b.pem", PathState::Missing)]);
        i.configs = vec![
            ConfigFile {
                tool: "git",
                path: PathBuf::from("/home/u/.gitconfig"),
                contents: Ok(Some(
                    "[http]\nsslVerify = no\nsslCAInfo = ~/certs/b.pem\n".into(),
                )),
            },
            ConfigFile {
                tool: "npm",
                path: PathBuf::from("/home/u/.npmrc"),
                contents: Err("permission denied".into()),
            },
        ];
        assert_eq!(referenced_paths(&i), [PathBuf::from("/home/u/certs/b.pem")]);
        let a = audit(&i, Platform::Linux);
        assert!(a.verification_off_or_broken);
        let danger: Vec<&str> = a
            .warnings
            .iter()
            .filter(|w| w.level == Level::Danger)
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(danger.len(), 2, "{danger:?}");
        assert!(a
            .warnings
            .iter()
            .any(|w| w.message.contains("cannot read it")));
        assert_eq!(a.settings[1].ca_file.as_ref().unwrap().kind, "missing");
    }

    #[test]
    fn check_gets_warnings_not_errors() {
        let i = inputs(
            &[("SSL_CERT_FILE", ""), ("NODE_TLS_REJECT_UNAUTHORIZED", "0")],
            &[],
        );
        let f = findings_for_check(&i, Platform::Linux);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.verdict().is_none()));
        assert!(
            f[0].summary.starts_with("SSL_CERT_FILE") || f[1].summary.starts_with("SSL_CERT_FILE")
        );
        assert!(f.iter().all(|f| f.detail.contains("Fix: ")), "{f:?}");
    }
}
