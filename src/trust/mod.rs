//! Trust stores: where roots come from, and what each store says about a
//! captured chain.
//!
//! Three stores answer separately (DESIGN.md, Verify): `bundled` (Mozilla's
//! roots, what certifi, httpx, Node and most SDKs carry), `os` (what curl,
//! browsers and PowerShell use) and `custom` (roots the user declared with
//! `--ca-file`). Every store keeps whole certificates, not only trust
//! anchors, so a report can name the root a path ended at and give its
//! fingerprint.
//!
//! Loading is I/O and belongs here; [`verify`] is pure given the store.
//! Roots the user names on the command line must load (a bad file is bad
//! input, exit 2); the OS store never fails the run — odd certificates are
//! skipped and counted, read errors are recorded for the report.

pub mod client_stores;
pub mod subject_hash;
pub mod verify;

use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, TrustAnchor};
use serde::Serialize;

/// Which store a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    Bundled,
    Os,
    Custom,
}

/// A set of roots, with where they came from.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub kind: StoreKind,
    /// Where the roots came from, for the report: a path, or a crate name.
    pub source: String,
    /// The root certificates, in the order loaded.
    pub certs: Vec<CertificateDer<'static>>,
    /// One trust anchor per entry of `certs` that webpki could read.
    pub(crate) anchors: Vec<(usize, TrustAnchor<'static>)>,
    /// Problems met while loading (unreadable files, skipped certificates).
    pub load_errors: Vec<String>,
    /// Certificate directories not read yet. On Linux the OS store starts
    /// from its bundle file alone; when the bundle does not trust a chain,
    /// its directories are searched by the chain's issuer names, as OpenSSL
    /// (and so curl) searches them: [`TrustStore::load_deferred_named`].
    pub deferred: Vec<PathBuf>,
    /// The user named the files (`--bundled-roots`, `--os-roots`,
    /// `--ca-file`): for the OS store, this machine's real store may differ.
    pub user_named: bool,
}

/// A trust store the user named could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read {flag} file '{path}': {reason}")]
    Unreadable {
        flag: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("{flag} file '{path}' holds no PEM certificate (expected '-----BEGIN CERTIFICATE-----' blocks, DER, or PKCS#7)")]
    NoCertificates { flag: &'static str, path: PathBuf },
}

impl TrustStore {
    /// Build a store from certificates, skipping (and noting) any that
    /// webpki cannot use as an anchor.
    pub fn from_certs(
        kind: StoreKind,
        source: impl Into<String>,
        certs: Vec<CertificateDer<'static>>,
    ) -> Self {
        let mut load_errors = Vec::new();
        let anchors = certs
            .iter()
            .enumerate()
            .filter_map(|(i, der)| match webpki::anchor_from_trusted_cert(der) {
                Ok(anchor) => Some((i, anchor.to_owned())),
                Err(e) => {
                    load_errors.push(format!("skipped certificate #{i}: {e}"));
                    None
                }
            })
            .collect();
        TrustStore {
            kind,
            source: source.into(),
            certs,
            anchors,
            load_errors,
            deferred: Vec::new(),
            user_named: false,
        }
    }

    /// Mozilla's roots as shipped in this binary (webpki-root-certs).
    pub fn bundled_mozilla() -> Self {
        let certs = webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec();
        TrustStore::from_certs(
            StoreKind::Bundled,
            "Mozilla roots built in (webpki-root-certs 1.0)",
            certs,
        )
    }

    /// Roots from PEM files the user named with `flag`. Every file must be
    /// readable and hold at least one certificate.
    pub fn from_pem_files(
        kind: StoreKind,
        flag: &'static str,
        paths: &[PathBuf],
    ) -> Result<Self, StoreError> {
        let mut certs = Vec::new();
        for path in paths {
            certs.extend(read_pem_file(flag, path)?);
        }
        let source = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut store = TrustStore::from_certs(kind, source, certs);
        store.user_named = true;
        Ok(store)
    }

    /// The OS store as rustls-native-certs reads it: the union of
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` when either is set, the platform
    /// store otherwise. Never fails; problems go to `load_errors`.
    pub fn os_native() -> Self {
        if let Some(store) = os_bundle_file_first() {
            return store;
        }
        let loaded = rustls_native_certs::load_native_certs();
        let mut store = TrustStore::from_certs(StoreKind::Os, os_store_source(), loaded.certs);
        store
            .load_errors
            .extend(loaded.errors.iter().map(|e| e.to_string()));
        store
    }

    /// Read the directories left for later, whole, and add their roots
    /// (once): the fallback when a name cannot be looked up by hash.
    pub fn load_deferred(&mut self) {
        let dirs = std::mem::take(&mut self.deferred);
        self.merge(read_dirs(&dirs));
    }

    /// Search the deferred directories the way OpenSSL does, by subject
    /// name (`<hash>.0`, `<hash>.1`, …), and add the CAs found under these
    /// names (DER Names, with their SEQUENCE header). The directories stay
    /// deferred for other names. `false` when a name cannot be hashed: then
    /// only [`TrustStore::load_deferred`] is faithful.
    pub fn load_deferred_named(&mut self, names: &[&[u8]]) -> bool {
        let Some(hashes) = names
            .iter()
            .map(|n| subject_hash::openssl_name_hash(n))
            .collect::<Option<Vec<u32>>>()
        else {
            return false;
        };
        let mut roots = DeferredRoots::default();
        for dir in &self.deferred {
            for hash in &hashes {
                // Collisions get .1, .2, …; the first gap ends the search.
                for n in 0..MAX_HASH_COLLISIONS {
                    let path = dir.join(format!("{hash:08x}.{n}"));
                    if !path.is_file() {
                        break;
                    }
                    let loaded = rustls_native_certs::load_certs_from_paths(Some(&path), None);
                    roots
                        .errors
                        .extend(loaded.errors.iter().map(|e| e.to_string()));
                    roots.certs.extend(loaded.certs);
                }
            }
        }
        self.merge(roots);
        true
    }

    /// Add roots the store does not hold yet.
    fn merge(&mut self, roots: DeferredRoots) {
        self.load_errors.extend(roots.errors);
        let mut seen: std::collections::HashSet<Vec<u8>> =
            self.certs.iter().map(|c| c.to_vec()).collect();
        let added: Vec<_> = roots
            .certs
            .into_iter()
            .filter(|c| seen.insert(c.to_vec()))
            .collect();
        if added.is_empty() {
            return;
        }
        let mut certs = std::mem::take(&mut self.certs);
        certs.extend(added);
        let rebuilt = TrustStore::from_certs(self.kind, std::mem::take(&mut self.source), certs);
        self.load_errors.extend(rebuilt.load_errors);
        self.source = rebuilt.source;
        self.certs = rebuilt.certs;
        self.anchors = rebuilt.anchors;
    }

    /// How many roots webpki can use.
    pub fn usable_roots(&self) -> usize {
        self.anchors.len()
    }
}

/// OpenSSL's limit on `<hash>.<n>` names it tries is higher; no real
/// directory holds more than a few CAs with one subject name.
const MAX_HASH_COLLISIONS: u32 = 16;

/// Roots read from certificate directories, not yet added to a store.
#[derive(Debug, Default)]
struct DeferredRoots {
    certs: Vec<CertificateDer<'static>>,
    errors: Vec<String>,
}

/// Read every certificate in `dirs`.
fn read_dirs(dirs: &[PathBuf]) -> DeferredRoots {
    let mut roots = DeferredRoots::default();
    for dir in dirs {
        let loaded = rustls_native_certs::load_certs_from_paths(None, Some(dir));
        roots
            .errors
            .extend(loaded.errors.iter().map(|e| e.to_string()));
        roots.certs.extend(loaded.certs);
    }
    roots
}

/// Read every certificate from a file for a store: PEM, DER, PKCS#7 or
/// OpenSSL's TRUSTED CERTIFICATE (see [`crate::cert::input`]).
pub fn read_pem_file(
    flag: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let unreadable = |reason: String| StoreError::Unreadable {
        flag,
        path: path.to_path_buf(),
        reason,
    };
    // Through a byte limit: /dev/zero and FIFOs report a size of 0.
    let bytes = crate::untrusted::read_limited(path, crate::untrusted::files::MAX_USER_FILE)
        .map_err(|e| unreadable(e.to_string()))?;
    let none = || StoreError::NoCertificates {
        flag,
        path: path.to_path_buf(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(none());
    }
    match crate::cert::input::parse_certificates(&bytes) {
        Ok(certs) if certs.is_empty() => Err(none()),
        Ok(certs) => Ok(certs),
        Err(e) if e.starts_with("no ") => Err(none()),
        Err(e) => Err(unreadable(e)),
    }
}

/// On Linux and BSD with neither `SSL_CERT_FILE` nor `SSL_CERT_DIR` set,
/// the platform bundle file alone, with the directories deferred. The union
/// is what rustls-native-certs reads; the file is what almost always decides.
#[cfg(all(unix, not(target_os = "macos")))]
fn os_bundle_file_first() -> Option<TrustStore> {
    if std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some() {
        return None;
    }
    let probe = openssl_probe::probe();
    let file = probe.cert_file.filter(|f| f.is_file())?;
    let loaded = rustls_native_certs::load_certs_from_paths(Some(&file), None);
    if loaded.certs.is_empty() {
        return None;
    }
    let mut store = TrustStore::from_certs(StoreKind::Os, platform_store_source(), loaded.certs);
    store
        .load_errors
        .extend(loaded.errors.iter().map(|e| e.to_string()));
    store.deferred = probe.cert_dir;
    Some(store)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn os_bundle_file_first() -> Option<TrustStore> {
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
    let probe = openssl_probe::probe();
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

    #[test]
    fn bundled_roots_all_load() {
        let store = TrustStore::bundled_mozilla();
        assert!(store.usable_roots() > 100, "{}", store.usable_roots());
        assert!(store.load_errors.is_empty(), "{:?}", store.load_errors);
    }

    #[test]
    fn odd_certificates_are_skipped_not_fatal() {
        let mut certs = webpki_root_certs::TLS_SERVER_ROOT_CERTS[..3].to_vec();
        certs.push(CertificateDer::from(b"junk".to_vec()));
        let store = TrustStore::from_certs(StoreKind::Os, "test", certs);
        assert_eq!(store.usable_roots(), 3);
        assert_eq!(store.load_errors.len(), 1);
    }

    #[test]
    fn deferred_directories_add_their_roots_once() {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-deferred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        // The directory holds one root the store has and one it lacks.
        std::fs::write(dir.join("a.pem"), pem(&roots[0])).unwrap();
        std::fs::write(dir.join("b.pem"), pem(&roots[1])).unwrap();
        let mut store = TrustStore::from_certs(StoreKind::Os, "test", vec![roots[0].clone()]);
        store.deferred = vec![dir.clone()];
        store.load_deferred();
        assert_eq!(store.usable_roots(), 2, "{:?}", store.load_errors);
        assert!(store.deferred.is_empty());
        store.load_deferred();
        assert_eq!(store.usable_roots(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn deferred_directories_are_searched_by_subject_hash() {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-hashed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let facts: Vec<_> = roots
            .iter()
            .take(3)
            .map(|c| crate::cert::CertFacts::from_der(c))
            .collect();
        let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        let hash =
            |f: &crate::cert::CertFacts| subject_hash::openssl_name_hash(&f.subject_raw).unwrap();
        // Root 1 under its hash name; root 2 under a name OpenSSL never looks up.
        std::fs::write(
            dir.join(format!("{:08x}.0", hash(&facts[1]))),
            pem(&roots[1]),
        )
        .unwrap();
        std::fs::write(dir.join("unhashed.pem"), pem(&roots[2])).unwrap();
        let mut store = TrustStore::from_certs(StoreKind::Os, "test", vec![roots[0].clone()]);
        store.deferred = vec![dir.clone()];

        assert!(store.load_deferred_named(&[facts[1].subject_raw.as_slice()]));
        assert_eq!(store.usable_roots(), 2);
        assert!(store.load_deferred_named(&[facts[2].subject_raw.as_slice()]));
        assert_eq!(
            store.usable_roots(),
            2,
            "a file without its hash name is not found by name"
        );
        assert_eq!(
            store.deferred,
            vec![dir.clone()],
            "still deferred for other names"
        );
        assert!(
            !store.load_deferred_named(&[b"not a name".as_slice()]),
            "unhashable name"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn user_pem_files_must_hold_certificates() {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-store-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "hello\n").unwrap();
        let err = TrustStore::from_pem_files(StoreKind::Custom, "--ca-file", &[empty]).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
        let missing = dir.join("missing.pem");
        let err =
            TrustStore::from_pem_files(StoreKind::Custom, "--ca-file", &[missing]).unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
