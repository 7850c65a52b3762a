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

pub mod anchors;
pub mod client_stores;
pub mod subject_hash;
pub mod verify;

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;

use anchors::AnchorIndex;
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
    /// The entries of `certs` that webpki can read as an anchor, by subject.
    pub(crate) anchors: AnchorIndex,
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
        let mut anchors = AnchorIndex::default();
        let load_errors = skipped(anchors.add(0, &certs));
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

    /// The OS store from the roots [`crate::machine::stores::os_roots`]
    /// read: `source` names where they came from, `errors` the problems
    /// met, `deferred` the certificate directories not read yet.
    pub fn os(
        source: String,
        certs: Vec<CertificateDer<'static>>,
        errors: Vec<String>,
        deferred: Vec<PathBuf>,
    ) -> Self {
        let mut store = TrustStore::from_certs(StoreKind::Os, source, certs);
        store.load_errors.extend(errors);
        store.deferred = deferred;
        store
    }

    /// The subject-name hashes OpenSSL would look `names` up by in the
    /// deferred directories (DER Names, with their SEQUENCE header); `None`
    /// when a name cannot be hashed: then only reading the directories
    /// whole is faithful.
    pub fn deferred_lookups(names: &[&[u8]]) -> Option<Vec<u32>> {
        names
            .iter()
            .map(|n| subject_hash::openssl_name_hash(n))
            .collect()
    }

    /// The deferred directories are read whole: they are not deferred any more.
    pub fn take_deferred(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.deferred)
    }

    /// Add roots found in the deferred directories (those the store does
    /// not hold yet), and the problems met finding them. `false` when that
    /// changed nothing (no new root, no problem): what it said still holds.
    pub fn add_roots(&mut self, certs: Vec<CertificateDer<'static>>, errors: Vec<String>) -> bool {
        let problems = !errors.is_empty();
        self.load_errors.extend(errors);
        let held: std::collections::BTreeSet<&[u8]> =
            self.certs.iter().map(|c| c.as_ref()).collect();
        let mut added: Vec<CertificateDer<'static>> = Vec::new();
        for cert in certs {
            if !held.contains(cert.as_ref()) && !added.contains(&cert) {
                added.push(cert);
            }
        }
        if added.is_empty() {
            return problems;
        }
        let first = self.certs.len();
        self.load_errors
            .extend(skipped(self.anchors.add(first, &added)));
        self.certs.extend(added);
        true
    }

    /// How many roots webpki can use.
    pub fn usable_roots(&self) -> usize {
        self.anchors.len()
    }
}

/// The certificates webpki could not read as an anchor, as load errors.
fn skipped(skipped: Vec<(usize, webpki::Error)>) -> Vec<String> {
    skipped
        .into_iter()
        .map(|(i, e)| format!("skipped certificate #{i}: {e}"))
        .collect()
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
    fn added_roots_are_added_once() {
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let mut store = TrustStore::from_certs(StoreKind::Os, "test", vec![roots[0].clone()]);
        let found = vec![roots[0].clone(), roots[1].clone(), roots[1].clone()];
        assert!(store.add_roots(found, vec!["one problem".into()]));
        assert_eq!(store.usable_roots(), 2);
        assert_eq!(store.certs.len(), 2);
        assert_eq!(store.load_errors, ["one problem"]);
        let junk = CertificateDer::from(b"junk".to_vec());
        assert!(
            !store.add_roots(vec![roots[1].clone()], Vec::new()),
            "nothing new"
        );
        assert!(store.add_roots(vec![roots[1].clone(), junk], Vec::new()));
        assert_eq!(store.usable_roots(), 2, "junk is held but is no anchor");
        assert_eq!(store.load_errors.len(), 2);
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
