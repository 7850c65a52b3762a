//! The change engine of `tlsdoctor fix`: writes a plan's file changes
//! atomically, records each in a manifest under the XDG state directory, and
//! reverts exactly what the manifest records (`--undo`).
//!
//! Owns every byte `fix` writes and the manifest's format. It never decides
//! which change a client needs (that is [`super::choose`]), never runs a
//! program, and never writes outside the home directory and the venvs the
//! user named ([`Layout::allowed`]).
//!
//! Byte-exactness: a file tlsdoctor did not create is copied to a backup
//! before its first change, and `--undo` puts that copy back only when the
//! file still hashes to what tlsdoctor last wrote; a file changed since is
//! left as it is, named, and kept in the manifest. A file tlsdoctor created
//! is removed on undo under the same condition. The manifest is removed when
//! nothing is left in it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{FileChange, FileKind};

/// Where `fix` keeps its state and data, and where it may write.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `$XDG_STATE_HOME/tlsdoctor` or `~/.local/state/tlsdoctor`.
    pub state_dir: PathBuf,
    /// `$XDG_DATA_HOME/tlsdoctor` or `~/.local/share/tlsdoctor`.
    pub data_dir: PathBuf,
    /// The roots under which a change may land: the home directory and the
    /// venvs the user named or that were found.
    pub allowed: Vec<PathBuf>,
}

impl Layout {
    /// The layout for a home directory and the XDG variables' values (an
    /// empty or relative XDG value is ignored, as the XDG spec says).
    pub fn new(home: &Path, xdg_state: Option<&str>, xdg_data: Option<&str>) -> Layout {
        let xdg = |value: Option<&str>, default: &str| {
            value
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| home.join(default))
                .join("tlsdoctor")
        };
        let state_dir = xdg(xdg_state, ".local/state");
        let data_dir = xdg(xdg_data, ".local/share");
        // The XDG directories are the user's own choice, even outside the home.
        let allowed = vec![home.to_path_buf(), state_dir.clone(), data_dir.clone()];
        Layout {
            state_dir,
            data_dir,
            allowed,
        }
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.state_dir.join("manifest.json")
    }

    fn backups_dir(&self) -> PathBuf {
        self.state_dir.join("backups")
    }
}

/// One recorded change: enough to revert it and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The file changed (symbolic links resolved).
    pub path: PathBuf,
    /// `create_file`, `marked_block` or `config_key`.
    pub kind: String,
    /// What tlsdoctor added (the lines, or a summary for a created file).
    pub added: Vec<String>,
    /// SHA-256 of the file before tlsdoctor first changed it; none = it did not exist.
    pub before_sha256: Option<String>,
    /// SHA-256 of the file as tlsdoctor last wrote it.
    pub after_sha256: String,
    /// A copy of the file before the first change (files tlsdoctor did not create).
    pub backup: Option<PathBuf>,
    /// Directories tlsdoctor created to hold the file, outermost first.
    #[serde(default)]
    pub created_dirs: Vec<PathBuf>,
}

/// A package `--apply` installed into a venv that did not have it (one
/// already there is never recorded, so `--undo` leaves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageEntry {
    /// The venv's interpreter that installed it.
    pub python: PathBuf,
    pub package: String,
    /// Its `*.dist-info` directory as installed: `--undo` removes the
    /// package only while this is still there (not upgraded since).
    pub dist_info: PathBuf,
}

/// The manifest file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub entries: Vec<Entry>,
    /// Packages installed by `--apply` (removed by `--undo`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageEntry>,
    /// Directories tlsdoctor created for its state (removed with the manifest).
    #[serde(default)]
    pub created_dirs: Vec<PathBuf>,
}

impl Manifest {
    /// Read the manifest; none yet = empty.
    pub fn load(layout: &Layout) -> anyhow::Result<Manifest> {
        let path = layout.manifest_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "the manifest {} is not readable ({e}); move it away to start over",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                version: 1,
                entries: Vec::new(),
                packages: Vec::new(),
                created_dirs: missing_dirs(&layout.backups_dir()),
            }),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Nothing left to revert.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.packages.is_empty()
    }

    /// Write it atomically, or remove it when it is empty.
    fn save(&self, layout: &Layout) -> anyhow::Result<()> {
        let path = layout.manifest_path();
        if self.is_empty() {
            remove_if_exists(&path)?;
            remove_empty_dirs(&self.created_dirs);
            return Ok(());
        }
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        create_dirs(&layout.state_dir)?;
        write_atomically(&path, json.as_bytes(), None, None)
    }
}

/// What happened to one file change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written (created or changed).
    Written,
    /// The file already held the change: nothing written.
    Unchanged,
    /// Not touched, and why.
    Skipped(String),
}

/// What `--undo` did with one manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// The backup was put back.
    Restored,
    /// A file tlsdoctor created was removed.
    Removed,
    /// The file was already gone or already as before.
    AlreadyGone,
    /// The file changed since tlsdoctor wrote it: left as it is, kept in the manifest.
    ChangedSince,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Apply `changes` in order, recording each in the manifest. A change whose
/// file already holds it is `Unchanged` (running apply twice changes
/// nothing the second time).
pub fn apply(changes: &[FileChange], layout: &Layout) -> anyhow::Result<Vec<Applied>> {
    let mut manifest = Manifest::load(layout)?;
    let mut out = Vec::with_capacity(changes.len());
    let mut stopped: Option<String> = None;
    for change in changes {
        if let Some(why) = &stopped {
            out.push(Applied::Skipped(why.clone()));
            continue;
        }
        let applied = match apply_one(change, layout, &mut manifest) {
            Ok(a) => a,
            Err(e) => Applied::Skipped(format!("{e:#}")),
        };
        // Later changes point at a created file (the bundle): without it, none.
        if let (Applied::Skipped(why), FileKind::CreateFile { .. }) = (&applied, &change.kind) {
            stopped = Some(format!(
                "not applied because {} could not be written: {why}",
                change.path.display()
            ));
        }
        if applied == Applied::Written {
            manifest.save(layout)?;
        }
        out.push(applied);
    }
    Ok(out)
}

/// The path a change writes to: a symbolic link's target (a dotfile manager's
/// link stays a link), checked to lie under an allowed root.
fn resolve(path: &Path, layout: &Layout) -> anyhow::Result<PathBuf> {
    let resolved = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
            anyhow::anyhow!("{} is a link tlsdoctor cannot follow: {e}", path.display())
        })?,
        Ok(m) if !m.is_file() => anyhow::bail!("{} is not a regular file", path.display()),
        _ => path.to_path_buf(),
    };
    let inside = layout.allowed.iter().any(|root| {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let parent = existing_ancestor(&resolved);
        parent.starts_with(&root)
    });
    if !inside {
        anyhow::bail!(
            "{} is outside your home directory and the venvs named; tlsdoctor writes nowhere else",
            resolved.display()
        );
    }
    Ok(resolved)
}

/// The deepest existing ancestor of `path`, canonicalized.
fn existing_ancestor(path: &Path) -> PathBuf {
    path.ancestors()
        .find_map(|a| std::fs::canonicalize(a).ok())
        .unwrap_or_else(|| path.to_path_buf())
}

fn apply_one(
    change: &FileChange,
    layout: &Layout,
    manifest: &mut Manifest,
) -> anyhow::Result<Applied> {
    let path = resolve(&change.path, layout)?;
    let current = read_optional(&path)?;
    let current_text = match &current {
        Some(bytes) => Some(std::str::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!(
                "{} is not UTF-8 text; tlsdoctor does not edit it",
                path.display()
            )
        })?),
        None => None,
    };
    if matches!(change.kind, FileKind::CreateFile { .. }) && current.is_some() {
        let ours = manifest.entries.iter().any(|e| e.path == path);
        if !ours {
            anyhow::bail!("{} exists and tlsdoctor did not create it", path.display());
        }
    }
    let new = change.new_text(current_text)?;
    if current.as_deref() == Some(new.as_bytes()) {
        return Ok(Applied::Unchanged);
    }
    let current_hash = current.as_deref().map(sha256_hex);
    let existing = manifest.entries.iter().position(|e| e.path == path);
    if let Some(i) = existing {
        let entry = manifest
            .entries
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("manifest index"))?;
        if current_hash.as_deref() != Some(entry.after_sha256.as_str()) {
            anyhow::bail!(
                "{} changed since tlsdoctor wrote it; left as it is (undo or edit it by hand)",
                path.display()
            );
        }
    }
    let created_dirs = match path.parent() {
        Some(parent) => create_dirs(parent)?,
        None => Vec::new(),
    };
    let backup = match (&current, existing) {
        (Some(bytes), None) => Some(write_backup(layout, &path, bytes)?),
        _ => None,
    };
    let certs = match &change.kind {
        FileKind::CreateFile { certificates, .. } => certificates.as_deref(),
        _ => None,
    };
    let mode_from = current.as_ref().map(|_| path.as_path());
    write_atomically(&path, new.as_bytes(), mode_from, certs)?;
    let after = sha256_hex(new.as_bytes());
    match existing.and_then(|i| manifest.entries.get_mut(i)) {
        Some(entry) => {
            entry.after_sha256 = after;
            entry.added = change.lines();
        }
        None => manifest.entries.push(Entry {
            path,
            kind: change.kind.name().to_string(),
            added: change.lines(),
            before_sha256: current_hash,
            after_sha256: after,
            backup,
            created_dirs,
        }),
    }
    Ok(Applied::Written)
}

/// Revert every entry of the manifest (last first). Entries whose file
/// changed since are kept; the manifest goes when it is empty.
pub fn undo(layout: &Layout) -> anyhow::Result<Vec<(PathBuf, Undone)>> {
    let mut manifest = Manifest::load(layout)?;
    let mut kept = Vec::new();
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    while let Some(entry) = manifest.entries.pop() {
        let result = undo_one(&entry)?;
        if result == Undone::ChangedSince {
            kept.push(entry.clone());
        } else {
            if let Some(b) = &entry.backup {
                remove_if_exists(b)?;
            }
            dirs.extend(entry.created_dirs.iter().cloned());
        }
        out.push((entry.path, result));
    }
    kept.reverse();
    manifest.entries = kept;
    manifest.save(layout)?;
    if manifest.is_empty() {
        dirs.extend(manifest.created_dirs.iter().cloned());
    }
    remove_empty_dirs(&dirs);
    Ok(out)
}

/// Record a package `--apply` installed (once per interpreter and package).
pub fn record_package(layout: &Layout, entry: PackageEntry) -> anyhow::Result<()> {
    let mut manifest = Manifest::load(layout)?;
    manifest
        .packages
        .retain(|p| !(p.python == entry.python && p.package == entry.package));
    manifest.packages.push(entry);
    manifest.save(layout)
}

/// Drop a package from the manifest (uninstalled, or already gone); the
/// manifest goes when nothing is left in it.
pub fn forget_package(layout: &Layout, entry: &PackageEntry) -> anyhow::Result<()> {
    let mut manifest = Manifest::load(layout)?;
    manifest.packages.retain(|p| p != entry);
    manifest.save(layout)?;
    if manifest.is_empty() {
        remove_empty_dirs(&manifest.created_dirs);
    }
    Ok(())
}

fn undo_one(entry: &Entry) -> anyhow::Result<Undone> {
    let current = read_optional(&entry.path)?;
    let hash = current.as_deref().map(sha256_hex);
    if hash.is_some() && hash == entry.before_sha256 {
        return Ok(Undone::AlreadyGone);
    }
    if hash.as_deref() != Some(entry.after_sha256.as_str()) {
        // Gone with its directory (a deleted venv): nothing left to revert.
        let dir_gone = entry.path.parent().is_some_and(|d| !d.exists());
        return Ok(
            if current.is_none() && (entry.before_sha256.is_none() || dir_gone) {
                Undone::AlreadyGone
            } else {
                Undone::ChangedSince
            },
        );
    }
    match &entry.backup {
        Some(backup) => {
            let bytes = std::fs::read(backup).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read the backup {} of {}: {e}",
                    backup.display(),
                    entry.path.display()
                )
            })?;
            if Some(sha256_hex(&bytes)) != entry.before_sha256 {
                anyhow::bail!(
                    "the backup {} does not match what {} held before; nothing restored",
                    backup.display(),
                    entry.path.display()
                );
            }
            write_atomically(&entry.path, &bytes, Some(&entry.path), None)?;
            Ok(Undone::Restored)
        }
        None => {
            remove_if_exists(&entry.path)?;
            Ok(Undone::Removed)
        }
    }
}

fn read_optional(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

fn remove_if_exists(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot remove {}: {e}", path.display())),
    }
}

/// `dir` and its ancestors that do not exist, outermost first.
fn missing_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// Create `dir` and its missing parents; return the ones created, outermost first.
fn create_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let missing = missing_dirs(dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    Ok(missing)
}

/// Remove the directories tlsdoctor created, deepest first, each only when empty.
fn remove_empty_dirs(dirs: &[PathBuf]) {
    let mut dirs = dirs.to_vec();
    dirs.sort_by(|a, b| {
        (std::cmp::Reverse(a.components().count()), a)
            .cmp(&(std::cmp::Reverse(b.components().count()), b))
    });
    dirs.dedup();
    for dir in dirs {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Copy `bytes` (the file before its first change) into the backups directory.
fn write_backup(layout: &Layout, path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let dir = layout.backups_dir();
    create_dirs(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
        .unwrap_or_default();
    let tag = sha256_hex(path.as_os_str().as_encoded_bytes());
    let backup = dir.join(format!("{}-{name}", tag.get(..16).unwrap_or(&tag)));
    write_atomically(&backup, bytes, None, None)?;
    Ok(backup)
}

/// Write `bytes` to `path` atomically: a new temporary file in the same
/// directory (permissions copied from `mode_from` when given), synced, read
/// back and — for a bundle — parsed back to exactly `certificates`, then
/// renamed over `path`.
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    mode_from: Option<&Path>,
    certificates: Option<&[Vec<u8>]>,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tlsdoctor-{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        if let Some(from) = mode_from {
            if let Ok(meta) = std::fs::metadata(from) {
                file.set_permissions(meta.permissions())?;
            }
        }
        file.sync_all()?;
        drop(file);
        let back = std::fs::read(&tmp)?;
        anyhow::ensure!(
            back == bytes,
            "{} did not read back as written",
            tmp.display()
        );
        if let Some(expected) = certificates {
            super::bundle::check_parses_to(&back, expected)?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
