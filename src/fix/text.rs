//! Pure text edits for `tlsdoctor fix`: the marked block in a shell profile
//! or `sitecustomize.py`, and one key in a tool's config file (INI, npmrc,
//! TOML, YAML).
//!
//! Owns how a file's new text follows from its old text. It does no I/O and
//! decides nothing about trust: the engine ([`super::apply`]) reads and writes,
//! the choice module says which key gets which value. Every edit is
//! idempotent: editing a text that already holds the change returns it
//! unchanged, byte for byte.

use serde::{Deserialize, Serialize};

/// First line of tlsdoctor's block (a comment in sh, fish, PowerShell, Python).
pub const BEGIN: &str = "# >>> tlsdoctor >>>";
/// Last line of tlsdoctor's block.
pub const END: &str = "# <<< tlsdoctor <<<";

/// Why a text could not be edited safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("it has a '{BEGIN}' line without its '{END}' line; fix the block by hand")]
    UnclosedBlock,
    #[error("it has more than one tlsdoctor block; remove all but one by hand")]
    TwoBlocks,
}

/// The whole block for `body` lines, ending in a newline.
pub fn block(body: &[String]) -> String {
    let mut out = format!("{BEGIN}\n");
    for line in body {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Where the block sits in `text`: byte range from the start of its first
/// line to the end of its last line (newline included when there is one).
fn find_block(text: &str) -> Result<Option<std::ops::Range<usize>>, EditError> {
    let mut start = None;
    let mut found = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == BEGIN {
            if start.is_some() || found.is_some() {
                return Err(EditError::TwoBlocks);
            }
            start = Some(offset);
        } else if bare == END {
            if let Some(s) = start.take() {
                found = Some(s..offset + line.len());
            }
        }
        offset += line.len();
    }
    if start.is_some() {
        return Err(EditError::UnclosedBlock);
    }
    Ok(found)
}

/// `current` (None = the file does not exist) with tlsdoctor's block set to
/// `body`: replaced in place when there is one, else appended (after a
/// newline when the text does not end in one).
pub fn with_block(current: Option<&str>, body: &[String]) -> Result<String, EditError> {
    let text = current.unwrap_or("");
    let new_block = block(body);
    if let Some(range) = find_block(text)? {
        let mut out = String::with_capacity(text.len() + new_block.len());
        out.push_str(text.get(..range.start).unwrap_or(""));
        out.push_str(&new_block);
        out.push_str(text.get(range.end..).unwrap_or(""));
        return Ok(out);
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&new_block);
    Ok(out)
}

/// The syntax of a config file, as far as setting one key needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// `[section]` then `key = value` (pip.conf, ~/.aws/config); keys match
    /// ASCII case-insensitively.
    Ini,
    /// Like INI with tab-indented keys (`~/.gitconfig`).
    GitConfig,
    /// `key=value` lines, no sections (`.npmrc`).
    KeyValue,
    /// TOML: `[table]` then `key = value`; a top-level key goes before the first table.
    Toml,
    /// YAML: a top-level `key: value` (`.condarc`).
    Yaml,
}

/// One key to set in one config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySetting {
    pub syntax: Syntax,
    /// `[section]` / `[table]`, none for top level.
    pub section: Option<String>,
    pub key: String,
    /// The value as the file spells it (already quoted for TOML strings).
    pub value: String,
}

impl KeySetting {
    /// The line that sets the key.
    pub fn line(&self) -> String {
        match self.syntax {
            Syntax::Ini | Syntax::Toml => format!("{} = {}", self.key, self.value),
            Syntax::GitConfig => format!("\t{} = {}", self.key, self.value),
            Syntax::KeyValue => format!("{}={}", self.key, self.value),
            Syntax::Yaml => format!("{}: {}", self.key, self.value),
        }
    }

    /// The lines a reader sees added: the section header (if any) and the key line.
    pub fn shown_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.section.iter().map(|s| format!("[{s}]")).collect();
        out.push(self.line().trim_start().to_string());
        out
    }

    fn separator(&self) -> char {
        if self.syntax == Syntax::Yaml {
            ':'
        } else {
            '='
        }
    }

    /// Does this line set our key?
    fn is_key_line(&self, line: &str) -> bool {
        let bare = line.trim_start();
        let Some(rest) = bare.get(self.key.len()..) else {
            return false;
        };
        let name = bare.get(..self.key.len()).unwrap_or("");
        let same = match self.syntax {
            Syntax::Ini | Syntax::GitConfig => name.eq_ignore_ascii_case(&self.key),
            _ => name == self.key,
        };
        let indented = line.len() != bare.len();
        let top_level_ok = !(self.syntax == Syntax::Yaml && indented);
        same && top_level_ok && rest.trim_start().starts_with(self.separator())
    }
}

/// Is `line` a `[section]` header (TOML `[a.b]` and `[[a]]` included)?
fn header_name(line: &str) -> Option<&str> {
    let bare = line.trim();
    let inner = bare.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.trim_matches(['[', ']']).trim())
}

/// `current` with `setting` set: the key's line replaced when the section
/// has one (first occurrence), else inserted after the section's header,
/// else the section appended (top-level TOML keys go first in the file).
pub fn with_key(current: Option<&str>, setting: &KeySetting) -> String {
    let text = current.unwrap_or("");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let new_line = setting.line();
    let sectioned = setting.section.is_some();
    let mut in_section = !sectioned;
    let mut header_at = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = header_name(line).filter(|_| setting.syntax != Syntax::Yaml) {
            in_section = match &setting.section {
                Some(s) if setting.syntax == Syntax::GitConfig => name.eq_ignore_ascii_case(s),
                Some(s) => name == s,
                None => false,
            };
            if in_section && header_at.is_none() {
                header_at = Some(i);
            }
            continue;
        }
        if in_section && setting.is_key_line(line) {
            let ending = line
                .get(line.trim_end_matches(['\n', '\r']).len()..)
                .unwrap_or("");
            let replaced = format!("{new_line}{ending}");
            return splice(&lines, i, 1, &replaced, text);
        }
    }
    match (header_at, &setting.section) {
        (Some(h), _) => splice(&lines, h + 1, 0, &format!("{new_line}\n"), text),
        (None, Some(section)) => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("[{section}]\n{new_line}\n"));
            out
        }
        (None, None) if setting.syntax == Syntax::Toml => format!("{new_line}\n{text}"),
        (None, None) => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&new_line);
            out.push('\n');
            out
        }
    }
}

/// `lines` with `remove` lines at `at` replaced by `insert`.
fn splice(lines: &[&str], at: usize, remove: usize, insert: &str, original: &str) -> String {
    let mut out = String::with_capacity(original.len() + insert.len());
    for line in lines.iter().take(at) {
        out.push_str(line);
    }
    // A file without a final newline: the inserted line must not glue onto its last line.
    if at == lines.len() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(insert);
    for line in lines.iter().skip(at + remove) {
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn block_appends_after_a_missing_final_newline_and_replaces_in_place() {
        let once = with_block(Some("alias ll='ls -l'"), &body(&["export A=1"])).unwrap();
        assert_eq!(
            once,
            format!("alias ll='ls -l'\n{BEGIN}\nexport A=1\n{END}\n")
        );
        let again = with_block(Some(&once), &body(&["export A=1"])).unwrap();
        assert_eq!(again, once);
        let user = format!("{once}alias g=git\n");
        let replaced = with_block(Some(&user), &body(&["export B=2"])).unwrap();
        assert_eq!(
            replaced,
            format!("alias ll='ls -l'\n{BEGIN}\nexport B=2\n{END}\nalias g=git\n")
        );
    }

    #[test]
    fn block_in_a_new_file_and_malformed_blocks() {
        assert_eq!(
            with_block(None, &body(&["x"])).unwrap(),
            format!("{BEGIN}\nx\n{END}\n")
        );
        assert_eq!(
            with_block(Some(&format!("{BEGIN}\nx\n")), &body(&["y"])),
            Err(EditError::UnclosedBlock)
        );
        let two = format!("{BEGIN}\n{END}\n{BEGIN}\n{END}\n");
        assert_eq!(
            with_block(Some(&two), &body(&["y"])),
            Err(EditError::TwoBlocks)
        );
    }

    fn pip(value: &str) -> KeySetting {
        KeySetting {
            syntax: Syntax::Ini,
            section: Some("global".into()),
            key: "cert".into(),
            value: value.into(),
        }
    }

    #[test]
    fn ini_key_inserted_replaced_and_idempotent() {
        let conf = "[global]\ntimeout = 60\n[install]\nuser = false";
        let set = with_key(Some(conf), &pip("/b.pem"));
        assert_eq!(
            set,
            "[global]\ncert = /b.pem\ntimeout = 60\n[install]\nuser = false"
        );
        assert_eq!(with_key(Some(&set), &pip("/b.pem")), set);
        let other = with_key(Some("[global]\nCERT=/old.pem\n"), &pip("/b.pem"));
        assert_eq!(other, "[global]\ncert = /b.pem\n");
        assert_eq!(
            with_key(Some("[install]\nuser = false"), &pip("/b.pem")),
            "[install]\nuser = false\n[global]\ncert = /b.pem\n"
        );
        assert_eq!(with_key(None, &pip("/b.pem")), "[global]\ncert = /b.pem\n");
    }

    #[test]
    fn toml_top_level_goes_first_and_yaml_ignores_nested_keys() {
        let uv = KeySetting {
            syntax: Syntax::Toml,
            section: None,
            key: "system-certs".into(),
            value: "true".into(),
        };
        assert_eq!(
            with_key(Some("[pip]\nindex-url = \"x\"\n"), &uv),
            "system-certs = true\n[pip]\nindex-url = \"x\"\n"
        );
        let conda = KeySetting {
            syntax: Syntax::Yaml,
            section: None,
            key: "ssl_verify".into(),
            value: "/b.pem".into(),
        };
        let rc = "channels:\n  ssl_verify: nested\nssl_verify: true\n";
        assert_eq!(
            with_key(Some(rc), &conda),
            "channels:\n  ssl_verify: nested\nssl_verify: /b.pem\n"
        );
    }

    #[test]
    fn gitconfig_matches_keys_and_sections_case_insensitively() {
        let git = KeySetting {
            syntax: Syntax::GitConfig,
            section: Some("http".into()),
            key: "sslCAInfo".into(),
            value: "/b.pem".into(),
        };
        let cfg = "[user]\n\tname = A\n[HTTP]\n\tsslcainfo = /old\n";
        assert_eq!(
            with_key(Some(cfg), &git),
            "[user]\n\tname = A\n[HTTP]\n\tsslCAInfo = /b.pem\n"
        );
        assert_eq!(git.shown_lines(), vec!["[http]", "sslCAInfo = /b.pem"]);
    }
}
