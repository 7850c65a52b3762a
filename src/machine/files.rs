//! Reading files on this machine, bounded: CA files and directories a
//! variable or setting names, and configuration files.
//!
//! Owns the bounds and the reading; must not judge what was read (beyond
//! stopping a directory early once it shows a Mozilla root, for `check`).

use std::path::Path;

use super::stores::cert_file;
use super::PathState;
use crate::machine_facts::PemFile;

/// The most bytes read from one file a setting points at (the largest real
/// CA bundles are well under 1 MiB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// The most files read from one certificate directory.
const MAX_DIR_FILES: usize = 4096;
/// The most bytes read from one configuration file.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// How much of a certificate directory to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirRead {
    /// Every file (up to the bound), for counts.
    All,
    /// Until a file holds a Mozilla root.
    UntilMozillaRoot,
}

pub fn read_config(path: &Path) -> Result<Option<String>, String> {
    use crate::untrusted::ReadLimitError;
    // A FIFO or socket is refused before it is opened (opening a FIFO
    // waits for a writer); a device is read, through the byte limit
    // (/dev/zero reports a size of 0).
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let kind = meta.file_type();
            if kind.is_fifo() || kind.is_socket() {
                return Err("not a regular file".into());
            }
        }
        let _ = meta;
    }
    match crate::untrusted::read_limited(path, MAX_CONFIG_BYTES) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(ReadLimitError::NotFound) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

pub fn read_path(path: &Path) -> PathState {
    read_path_with(path, DirRead::All)
}

pub fn read_path_with(path: &Path, dir_read: DirRead) -> PathState {
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
            .filter_map(|p| cert_file(&p).ok());
        for file in readable {
            let enough = dir_read == DirRead::UntilMozillaRoot && holds_mozilla_root(&file);
            files.push(file);
            if enough {
                break;
            }
        }
        return PathState::Dir(files);
    }
    match cert_file(path) {
        Ok(file) => PathState::File(file),
        Err(e) => PathState::Unreadable(e),
    }
}

fn holds_mozilla_root(file: &PemFile) -> bool {
    let mozilla = mozilla_ders();
    file.certs().any(|der| mozilla.contains(der.as_ref()))
}

/// Read at most `limit` bytes of a regular file. A FIFO or socket is
/// refused before it is opened (opening a FIFO waits for a writer: a hang);
/// a character device such as `/dev/null` reads as empty.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| reason(&e))?;
    read_regular_file(path, &meta, limit)
}

/// [`read_regular`] for a path whose metadata is at hand.
pub fn read_regular_file(
    path: &Path,
    meta: &std::fs::Metadata,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    read_regular_file_into(path, meta, limit, &mut bytes)?;
    Ok(bytes)
}

/// [`read_regular_file`] into `bytes` (cleared first), whose capacity is
/// reused.
pub fn read_regular_file_into(
    path: &Path,
    meta: &std::fs::Metadata,
    limit: u64,
    bytes: &mut Vec<u8>,
) -> Result<(), String> {
    use std::io::Read;
    bytes.clear();
    if !meta.is_file() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if meta.file_type().is_char_device() {
                return Ok(());
            }
        }
        return Err("not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|e| reason(&e))?;
    // Sized from the start: grown by doubling, a 200 KB bundle would touch
    // twice its size in fresh pages, copied on every doubling. The size
    // `stat` gave is what is read (no read to see the end); a file whose
    // size reads as 0 (/proc, /sys) is read to the limit.
    let size = meta.len().min(limit);
    bytes.reserve(usize::try_from(size).unwrap_or(0));
    file.take(if size > 0 { size } else { limit })
        .read_to_end(bytes)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Why a file could not be opened, as the reports say it.
pub(super) fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// The Mozilla roots' DER, sorted: a lookup compares the first bytes of a
/// few certificates instead of hashing a whole one.
#[derive(Debug)]
pub struct MozillaDers(Vec<&'static [u8]>);

impl MozillaDers {
    pub fn contains(&self, der: &[u8]) -> bool {
        self.0.binary_search(&der).is_ok()
    }
}

/// The Mozilla roots' DER, built once (`check` asks per directory file).
pub fn mozilla_ders() -> &'static MozillaDers {
    static SET: std::sync::OnceLock<MozillaDers> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut ders: Vec<&'static [u8]> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| c.as_ref())
            .collect();
        ders.sort_unstable();
        MozillaDers(ders)
    })
}
