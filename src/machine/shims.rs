//! Machine stage: version managers' shims (pyenv, asdf) resolved from their
//! own files to the version that is selected here — `PYENV_VERSION`, a
//! `.python-version` up the tree, `$PYENV_ROOT/version`; asdf's
//! `ASDF_<TOOL>_VERSION` and `.tool-versions`. A shim for a command the
//! selected version does not have runs nothing and is not a client.
//!
//! Reads files only; never runs the shim.

use std::path::{Path, PathBuf};

use crate::machine::clients::DiscoveryInputs;
use crate::machine::python::read_small;

/// What a PATH entry is once shims are seen through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shim {
    /// Not a shim: the file itself runs.
    NotShim,
    /// The executable the shim runs, and the selected version's name.
    Resolved(PathBuf, String),
    /// pyenv/asdf `system`: the next match on PATH runs.
    System,
    /// The selected version does not have this command: nothing runs.
    NotSelected,
    /// A shim whose target the files do not tell.
    Unknown(String),
}

/// Resolve `candidate` (found on PATH as `name`).
pub fn resolve(inputs: &DiscoveryInputs, candidate: &Path, name: &str) -> Shim {
    let dir = candidate.parent().unwrap_or(Path::new(""));
    let home = inputs.home.as_deref();
    let pyenv_root = inputs
        .nonempty("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".pyenv")));
    if let Some(root) = pyenv_root.filter(|r| dir == r.join("shims")) {
        return pyenv(inputs, &root, name);
    }
    let asdf_root = inputs
        .nonempty("ASDF_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".asdf")));
    if let Some(root) = asdf_root.filter(|r| dir == r.join("shims")) {
        return asdf(inputs, &root, candidate, name);
    }
    Shim::NotShim
}

fn pyenv(inputs: &DiscoveryInputs, root: &Path, name: &str) -> Shim {
    let selected: Vec<String> = if let Some(v) = inputs.nonempty("PYENV_VERSION") {
        v.split(':').map(str::to_string).collect()
    } else if let Some(text) = find_up(inputs, ".python-version") {
        words(&text)
    } else {
        match read_small(&root.join("version")) {
            Ok(text) => words(&text),
            Err(_) => vec!["system".to_string()],
        }
    };
    if selected.is_empty() {
        return Shim::Unknown("pyenv selects no version".into());
    }
    for version in selected {
        if version == "system" {
            return Shim::System;
        }
        let Some(dir) = version_dir(&root.join("versions"), &version) else {
            continue;
        };
        let exe = dir.join("bin").join(name);
        if crate::machine::memo::is_file(&exe) {
            let shown = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(version);
            return Shim::Resolved(exe, shown);
        }
    }
    Shim::NotSelected
}

/// `versions/3.11.7`, or for a prefix such as `3.11` the latest `3.11.*`.
fn version_dir(versions: &Path, version: &str) -> Option<PathBuf> {
    let exact = versions.join(version);
    if crate::machine::memo::is_dir(&exact) {
        return Some(exact);
    }
    let prefix = format!("{version}.");
    std::fs::read_dir(versions)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with(&prefix))
        .max_by_key(|n| {
            n.split('.')
                .map(|p| p.parse::<u64>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .map(|n| versions.join(n))
}

fn asdf(inputs: &DiscoveryInputs, root: &Path, shim: &Path, name: &str) -> Shim {
    let Ok(text) = read_small(shim) else {
        return Shim::Unknown(format!("cannot read the asdf shim {}", shim.display()));
    };
    // `# asdf-plugin: python 3.11.7` lines name the versions that have it.
    let provided: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# asdf-plugin:"))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect();
    let Some((plugin, _)) = provided.first().cloned() else {
        return Shim::Unknown(format!("the asdf shim {} names no plugin", shim.display()));
    };
    let env_name = format!("ASDF_{}_VERSION", plugin.to_ascii_uppercase());
    let selected: Vec<String> = match inputs.nonempty(&env_name) {
        Some(v) => words(v),
        None => find_up(inputs, ".tool-versions")
            .and_then(|t| tool_versions(&t, &plugin))
            .or_else(|| {
                let home = inputs.home.as_ref()?;
                tool_versions(&read_small(&home.join(".tool-versions")).ok()?, &plugin)
            })
            .unwrap_or_default(),
    };
    for version in selected {
        if version == "system" {
            return Shim::System;
        }
        if provided.iter().any(|(p, v)| *p == plugin && *v == version) {
            let exe = root
                .join("installs")
                .join(&plugin)
                .join(&version)
                .join("bin")
                .join(name);
            return Shim::Resolved(exe, version);
        }
    }
    Shim::NotSelected
}

/// The versions a `.tool-versions` text selects for `plugin`.
fn tool_versions(text: &str, plugin: &str) -> Option<Vec<String>> {
    text.lines().find_map(|l| {
        let mut w = l.split('#').next()?.split_whitespace();
        (w.next()? == plugin).then(|| w.map(str::to_string).collect())
    })
}

/// The first `file` in the working directory or above it.
fn find_up(inputs: &DiscoveryInputs, file: &str) -> Option<String> {
    inputs
        .cwd
        .ancestors()
        .take(64)
        .find_map(|dir| read_small(&dir.join(file)).ok())
}

/// Whitespace-separated words, comments removed.
fn words(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split('#').next())
        .flat_map(str::split_whitespace)
        .map(str::to_string)
        .collect()
}
