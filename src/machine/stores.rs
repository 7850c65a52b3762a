//! Trust-store files on this machine: the OS store's bundle and
//! directories, and every CA file a variable, setting or client names —
//! read (bounded) and PEM-decoded once per run, however many stages ask.
//!
//! The OS-store loader, the environment audit and the clients' stores
//! often name the same 200 KB bundle, on the main thread and the
//! background worker;
//! decoding it is the largest CPU cost of a local `check`. [`cert_file`]
//! decodes each file once (a thread asking for a file another is decoding
//! waits for it) and hands out the same value; a file that changed since
//! (`fix` rewrites bundles) is read again.
//!
//! Owns reading and decoding; must not verify or judge: it returns plain
//! certificates and the problems met, as text ([`crate::trust`] makes
//! stores of them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls_pki_types::CertificateDer;

use super::files::{read_regular_file_into, reason, MAX_FILE_BYTES};
pub use crate::machine_facts::PemFile;

/// A file as read: its blocks, or why it could not be read.
pub type CertFile = Result<Arc<PemFile>, String>;

/// Which file a path named when it was read: a file rewritten since is
/// another file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileId {
    path: PathBuf,
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileId {
    fn of(path: &Path, meta: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        FileId {
            path: path.to_path_buf(),
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

type Slot = Arc<OnceLock<CertFile>>;

/// Files decoded so far in this run, by identity.
fn decoded() -> &'static Mutex<HashMap<FileId, Slot>> {
    static FILES: OnceLock<Mutex<HashMap<FileId, Slot>>> = OnceLock::new();
    FILES.get_or_init(Mutex::default)
}

/// The certificates in the file at `path` (at most [`MAX_FILE_BYTES`]
/// read), decoded once per run while the file stays the same.
pub fn cert_file(path: &Path) -> CertFile {
    let meta = std::fs::metadata(path).map_err(|e| reason(&e))?;
    let slot = decoded()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(FileId::of(path, &meta))
        .or_default()
        .clone();
    slot.get_or_init(|| {
        with_read_buffer(|bytes| {
            read_regular_file_into(path, &meta, MAX_FILE_BYTES, bytes)
                .map(|()| Arc::new(PemFile::parse_for_run(bytes)))
        })
    })
    .clone()
}

/// Run `read` with a buffer handed from one file to the next: a run reads
/// the platform bundle, then certifi's (on another thread, rarely at the
/// same time), and a buffer whose pages are touched already costs no page
/// faults the second time. Holds one buffer, the largest, for the run.
fn with_read_buffer<T>(read: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    static SPARE: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    let spare = || SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut bytes = std::mem::take(&mut *spare());
    let out = read(&mut bytes);
    let mut kept = spare();
    if bytes.capacity() > kept.capacity() {
        *kept = bytes;
    }
    out
}

/// Roots read from this machine, not yet a store.
#[derive(Debug, Default)]
pub struct Roots {
    pub certs: Vec<CertificateDer<'static>>,
    /// Problems met while reading.
    pub errors: Vec<String>,
    /// Where the roots came from, for the report.
    pub source: String,
    /// Certificate directories left for later (searched by subject hash
    /// with [`hashed_roots`], or whole with [`dir_roots`]).
    pub deferred: Vec<PathBuf>,
}

/// A CA file a client or setting names, read as a store of roots: every
/// certificate that decodes; problems as text, never an error.
pub fn ca_file_roots(path: &Path) -> Roots {
    let mut roots = Roots {
        source: path.display().to_string(),
        ..Roots::default()
    };
    match cert_file(path) {
        Ok(file) => {
            roots.certs = file.certs().cloned().collect();
            if roots.certs.is_empty() {
                roots
                    .errors
                    .push(format!("{} holds no certificate", path.display()));
            }
        }
        Err(e) => roots
            .errors
            .push(format!("cannot read {}: {e}", path.display())),
    }
    roots
}

/// OpenSSL's limit on `<hash>.<n>` names it tries is higher; no real
/// directory holds more than a few CAs with one subject name.
const MAX_HASH_COLLISIONS: u32 = 16;

/// The CAs OpenSSL would find in hashed directories `dirs` for subject-name
/// hashes `hashes`: the files `<hash>.0`, `<hash>.1`, … up to the first gap.
pub fn hashed_roots(dirs: &[PathBuf], hashes: &[u32]) -> Roots {
    let mut roots = Roots::default();
    for dir in dirs {
        for hash in hashes {
            for n in 0..MAX_HASH_COLLISIONS {
                let path = dir.join(format!("{hash:08x}.{n}"));
                if !path.is_file() {
                    break;
                }
                add_file(&mut roots, &path);
            }
        }
    }
    roots
}

/// Every certificate in directories `dirs`, as rustls-native-certs reads
/// them (each file once, symlinks followed).
pub fn dir_roots(dirs: &[PathBuf]) -> Roots {
    let mut roots = Roots::default();
    for dir in dirs {
        let loaded = rustls_native_certs::load_certs_from_paths(None, Some(dir));
        roots
            .errors
            .extend(loaded.errors.iter().map(|e| e.to_string()));
        roots.certs.extend(loaded.certs);
    }
    roots
}

/// Add a PEM file's certificates, and its problems, as rustls-native-certs
/// would report them.
fn add_file(roots: &mut Roots, path: &Path) {
    match cert_file(path) {
        Ok(file) => {
            for block in &file.blocks {
                match block {
                    Ok(der) => roots.certs.push(der.clone()),
                    Err(e) => roots
                        .errors
                        .push(format!("failed to read PEM from file: {e}")),
                }
            }
        }
        Err(e) => roots
            .errors
            .push(format!("cannot read {}: {e}", path.display())),
    }
}

/// The OS store as rustls-native-certs reads it: the union of
/// `SSL_CERT_FILE` and `SSL_CERT_DIR` when either is set, the platform
/// store otherwise. On Linux and BSD, when there is a bundle file (the
/// variable's or the platform's), the file alone, its directories
/// deferred: the file is what almost always decides, and the directories
/// are searched by name when it does not, as OpenSSL searches them
/// (reading a directory of 150 files whole costs milliseconds on every
/// run). A file in them without its `<hash>.N` name is found by neither.
pub fn os_roots() -> Roots {
    if let Some(roots) = bundle_file_first() {
        return roots;
    }
    let loaded = rustls_native_certs::load_native_certs();
    Roots {
        certs: loaded.certs,
        errors: loaded.errors.iter().map(|e| e.to_string()).collect(),
        source: os_store_source(),
        deferred: Vec::new(),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn bundle_file_first() -> Option<Roots> {
    let file_var = std::env::var_os("SSL_CERT_FILE");
    let dir_var = std::env::var_os("SSL_CERT_DIR");
    let (file, dirs) = if file_var.is_some() || dir_var.is_some() {
        let dirs = dir_var
            .map(|d| {
                std::env::split_paths(&d)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        (file_var.map(PathBuf::from)?, dirs)
    } else {
        let probe = probed();
        (probe.cert_file.clone()?, probe.cert_dir.clone())
    };
    if !file.is_file() {
        return None;
    }
    let mut roots = Roots {
        source: os_store_source(),
        deferred: dirs,
        ..Roots::default()
    };
    add_file(&mut roots, &file);
    (!roots.certs.is_empty()).then_some(roots)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn bundle_file_first() -> Option<Roots> {
    None
}

/// The platform bundle OpenSSL-based clients read when no variable says
/// otherwise (`None` where there is none, as on macOS and Windows).
#[cfg(all(unix, not(target_os = "macos")))]
pub fn platform_bundle() -> Option<PathBuf> {
    probed().cert_file.clone()
}

/// Where OpenSSL's bundle and directories are on this machine, probed once
/// per run (each probe stats every candidate path, twice for directories;
/// the OS store, discovery and the report all ask).
#[cfg(all(unix, not(target_os = "macos")))]
fn probed() -> &'static openssl_probe::ProbeResult {
    static PROBED: OnceLock<openssl_probe::ProbeResult> = OnceLock::new();
    PROBED.get_or_init(openssl_probe::probe)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn platform_bundle() -> Option<PathBuf> {
    None
}

/// Name the sources rustls-native-certs will read, the way it decides.
fn os_store_source() -> String {
    let file = std::env::var_os("SSL_CERT_FILE");
    let dir = std::env::var_os("SSL_CERT_DIR");
    if file.is_some() || dir.is_some() {
        let mut parts = Vec::new();
        if let Some(f) = file {
            parts.push(format!("SSL_CERT_FILE={}", f.to_string_lossy()));
        }
        if let Some(d) = dir {
            parts.push(format!("SSL_CERT_DIR={}", d.to_string_lossy()));
        }
        return parts.join(", ");
    }
    platform_store_source()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_store_source() -> String {
    let probe = probed();
    let mut parts: Vec<String> = probe
        .cert_file
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    parts.extend(probe.cert_dir.iter().map(|p| p.display().to_string()));
    if parts.is_empty() {
        "no OS certificate bundle found".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(target_os = "macos")]
fn platform_store_source() -> String {
    "macOS keychains (user, admin and system trust settings)".into()
}

#[cfg(windows)]
fn platform_store_source() -> String {
    "Windows certificate store (CurrentUser\\ROOT)".into()
}

#[cfg(not(any(unix, windows)))]
fn platform_store_source() -> String {
    "platform certificate store".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(der: &[u8]) -> String {
        pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_is_decoded_once_until_it_changes() {
        let dir = temp_dir("stores-once");
        let path = dir.join("bundle.pem");
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        std::fs::write(&path, pem(&roots[0])).unwrap();
        let first = cert_file(&path).unwrap();
        let again = cert_file(&path).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same file is decoded once");
        assert_eq!(first.certs().count(), 1);

        // Rewritten (as `fix` does): read again.
        std::fs::write(&path, pem(&roots[0]) + &pem(&roots[1])).unwrap();
        let changed = cert_file(&path).unwrap();
        assert_eq!(changed.certs().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn threads_asking_at_once_share_one_decoding() {
        let dir = temp_dir("stores-threads");
        let path = dir.join("bundle.pem");
        let all: String = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| pem(c))
            .collect();
        std::fs::write(&path, all).unwrap();
        let got: Vec<Arc<PemFile>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| cert_file(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(got.iter().all(|f| Arc::ptr_eq(f, &got[0])));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn problems_are_text_never_errors() {
        let dir = temp_dir("stores-problems");
        let missing = ca_file_roots(&dir.join("missing.pem"));
        assert!(missing.certs.is_empty());
        assert!(
            missing.errors[0].starts_with("cannot read"),
            "{:?}",
            missing.errors
        );
        let text = dir.join("text.pem");
        std::fs::write(&text, "hello\n").unwrap();
        let empty = ca_file_roots(&text);
        assert!(
            empty.errors[0].ends_with("holds no certificate"),
            "{:?}",
            empty.errors
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hashed_lookups_stop_at_the_first_gap() {
        let dir = temp_dir("stores-hashed");
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        std::fs::write(dir.join("0000abcd.0"), pem(&roots[0])).unwrap();
        std::fs::write(dir.join("0000abcd.2"), pem(&roots[1])).unwrap();
        let found = hashed_roots(std::slice::from_ref(&dir), &[0xabcd, 0x1234]);
        assert_eq!(found.certs.len(), 1, "{:?}", found.errors);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
