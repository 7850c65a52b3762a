//! `tlsdoctor fix`: the changes that make failing clients trust a server
//! without turning verification off, applied and undone byte-exactly.
//!
//! - [`choose`]: for each failing client, the one change (pure, from data);
//! - [`text`]: how a file's new text follows from its old (marked blocks,
//!   config keys; pure);
//! - [`bundle`]: the combined bundle's text and its parse-back check;
//! - [`python`]: the `sitecustomize.py` block that injects truststore;
//! - [`apply`]: the engine — atomic writes, the manifest, `--undo`;
//! - [`needs`]: what a judged target asks (pure); [`command`]: the flow;
//!   [`evaluate`]: each client's outcome before and after, predicted and
//!   corrected by running it (`machine::run`, the `--run-clients` runner);
//!   [`prove`]: the outcome type and the pip commands (install, and
//!   uninstall on `--undo`). What it reads of the machine is
//!   `machine::fix`; its reports are `report::fix`.
//!
//! This module owns the plan's types. It must not probe, verify or diagnose:
//! it is handed the failing clients and the root, and returns or applies a
//! [`FixPlan`]. Nothing it writes may turn verification off; the plan
//! never holds a command with `sudo` to run — such commands are printed.

pub mod apply;
pub mod bundle;
pub mod choose;
pub mod command;
pub mod evaluate;
pub mod needs;
pub mod prove;
pub mod python;
pub mod text;

use std::path::PathBuf;

use serde::Serialize;

use text::{EditError, KeySetting};

/// How one file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A file tlsdoctor owns whole (the combined bundle). `certificates`: the
    /// DER it must parse back to, in order, before it is renamed into place.
    CreateFile {
        contents: String,
        shown: Vec<String>,
        certificates: Option<Vec<Vec<u8>>>,
    },
    /// tlsdoctor's marked block, replaced in place when fix runs again.
    MarkedBlock { body: Vec<String> },
    /// One key in a tool's config file.
    ConfigKey(KeySetting),
}

impl FileKind {
    /// The manifest's name for the kind.
    pub fn name(&self) -> &'static str {
        match self {
            FileKind::CreateFile { .. } => "create_file",
            FileKind::MarkedBlock { .. } => "marked_block",
            FileKind::ConfigKey(_) => "config_key",
        }
    }
}

/// One file and how it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub kind: FileKind,
}

impl FileChange {
    /// The lines a reader is shown (and the manifest records as added).
    pub fn lines(&self) -> Vec<String> {
        match &self.kind {
            FileKind::CreateFile { shown, .. } => shown.clone(),
            FileKind::MarkedBlock { body } => {
                let mut out = vec![text::BEGIN.to_string()];
                out.extend(body.iter().cloned());
                out.push(text::END.to_string());
                out
            }
            FileKind::ConfigKey(setting) => setting.shown_lines(),
        }
    }

    /// The file's new text given its current text (None = absent). Pure.
    pub fn new_text(&self, current: Option<&str>) -> Result<String, EditError> {
        Ok(match &self.kind {
            FileKind::CreateFile { contents, .. } => contents.clone(),
            FileKind::MarkedBlock { body } => text::with_block(current, body)?,
            FileKind::ConfigKey(setting) => text::with_key(current, setting),
        })
    }
}

/// What the fix does for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A file under the home directory or a named venv (index into [`FixPlan::files`]).
    File { file: usize, lines: Vec<String> },
    /// A command printed for the user to run, never run by tlsdoctor
    /// (system-store changes, sudo, a base interpreter under PEP 668).
    Command { command: String, why: String },
    /// `python -m pip install PACKAGE` in a venv, run by `--apply` after the
    /// files are written (so it goes through the trust the fix set up).
    PipInstall {
        python: PathBuf,
        requirement: String,
    },
}

/// One client's part of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// The client's stable id (`python-httpx`, `node`, …).
    pub client: String,
    pub executable: PathBuf,
    pub change: Change,
    /// Why this change, in a sentence.
    pub why: String,
}

/// A client no change can fix while keeping verification whole (or that must
/// not be fixed): what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub client: String,
    pub executable: PathBuf,
    pub reason: String,
    /// The options left to the user, each with its trade-off.
    pub options: Vec<String>,
}

/// Everything `fix` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixPlan {
    /// Distinct files, each changed once (clients may share one: the profile block).
    pub files: Vec<FileChange>,
    pub items: Vec<PlanItem>,
    pub refusals: Vec<Refusal>,
    /// The variables the profile block sets (name, value): a new shell has
    /// them, so clients are evaluated again with them.
    pub env: Vec<(String, String)>,
}

impl FixPlan {
    /// Does the plan change or ask anything?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.refusals.is_empty()
    }

    /// Add a file change, merging marked-block bodies that land in the same
    /// file; returns its index.
    pub fn add_file(&mut self, change: FileChange) -> usize {
        if let Some(i) = self.files.iter().position(|f| f.path == change.path) {
            if let (Some(existing), FileKind::MarkedBlock { body: new }) =
                (self.files.get_mut(i), &change.kind)
            {
                if let FileKind::MarkedBlock { body } = &mut existing.kind {
                    // Same body (one venv's Python clients): nothing to add.
                    // Otherwise (profile variables) add the lines not there yet.
                    if body == new {
                        return i;
                    }
                    for line in new {
                        if !body.contains(line) {
                            body.push(line.clone());
                        }
                    }
                }
            }
            return i;
        }
        self.files.push(change);
        self.files.len() - 1
    }
}
