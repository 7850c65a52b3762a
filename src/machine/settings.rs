//! The trust settings in the configuration files that were read, parsed
//! (pure: text in, [`Setting`]s out), and the paths they and the variables
//! name. Used by the collector (to know which files to read) and by the
//! audit.
//!
//! Owns parsing; must not read files or judge values.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::MachineFacts;
use crate::knowledge::{ca_file_use, config_setting, CaFileUse};

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
                        // The subsection is a URL: it may carry credentials.
                        Some(s) => crate::untrusted::redact_config_key(&format!(
                            "http.{s}.{}",
                            &setting.key[5..]
                        )),
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
pub fn settings(inputs: &MachineFacts) -> Vec<Setting> {
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
pub fn referenced_paths(inputs: &MachineFacts) -> Vec<PathBuf> {
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

pub fn split_dirs(value: &str) -> impl Iterator<Item = &str> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    value.split(sep).filter(|d| !d.is_empty())
}

/// The file a setting names, when it names one.
pub fn setting_path(s: &Setting, home: Option<&Path>) -> Option<PathBuf> {
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
