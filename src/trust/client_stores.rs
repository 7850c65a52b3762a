//! Verify, for the clients: every CA file or directory a client found on
//! this machine reads, loaded once per run (a bundle shared by several
//! clients is read once), and the captured chain verified against each.
//!
//! Reading the files is Machine's ([`crate::machine::stores`]): the caller
//! hands in how to read a file and how to look names up in a hashed
//! directory. Verification is webpki's, plus the facts engines other than
//! webpki decide on (the leaf itself in the store, the anchor's dates),
//! which Diagnose weighs per client.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::cert::CertFacts;
use crate::client_facts::Source;
use crate::trust::verify::{verify_store, StoreVerdict, Verification};
use crate::trust::TrustStore;

/// Reads a CA file as a store (problems in its `load_errors`).
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> TrustStore;
/// Looks DER Names up in a hashed directory, as OpenSSL does.
pub type LookUp<'a> = &'a dyn Fn(&Path, &[&[u8]]) -> TrustStore;

/// What a client's source said about one chain.
#[derive(Debug, Clone)]
pub struct SourceVerdict {
    pub store: StoreVerdict,
    /// The leaf itself (same DER) is in this source.
    pub leaf_in_store: bool,
    /// Why the source gave no roots (missing, unreadable, empty).
    pub problem: Option<String>,
}

/// Files read once per run, by path.
#[derive(Debug, Default)]
pub struct CaFiles {
    files: BTreeMap<PathBuf, TrustStore>,
    dirs: BTreeSet<PathBuf>,
    /// The platform bundle, left to the OS store that is reading it anyway.
    from_os_store: Option<PathBuf>,
}

impl CaFiles {
    /// Read every file source once; remember directory sources for lookups.
    /// `os_bundle` is the platform bundle when the OS store loads it anyway
    /// (no `--os-roots`, no `SSL_CERT_FILE`/`SSL_CERT_DIR`): not read twice.
    pub fn load<'a>(
        sources: impl IntoIterator<Item = &'a Source>,
        os_bundle: Option<&Path>,
        read_file: ReadFile,
    ) -> CaFiles {
        let mut out = CaFiles {
            from_os_store: os_bundle.map(Path::to_path_buf),
            ..CaFiles::default()
        };
        for source in sources {
            match source {
                Source::Path(p) if p.is_dir() => {
                    out.dirs.insert(p.clone());
                }
                Source::Dir(p) => {
                    out.dirs.insert(p.clone());
                }
                Source::Path(p) if out.from_os_store.as_ref() == Some(p) => {}
                Source::Path(p) if !out.files.contains_key(p) => {
                    out.files.insert(p.clone(), read_file(p));
                }
                _ => {}
            }
        }
        out
    }
}

/// How to read what the clients read: a file, a hashed directory.
#[derive(Clone, Copy)]
pub struct Readers<'a> {
    pub file: ReadFile<'a>,
    pub look_up: LookUp<'a>,
}

/// The stores the target was verified against, and what they said: the
/// built-in roots and the platform verifier, which clients read too.
#[derive(Clone, Copy)]
pub struct Known<'a> {
    pub bundled: &'a TrustStore,
    pub os: &'a TrustStore,
    /// Their verdicts on this chain at this time (not verified twice).
    pub verified: Option<&'a Verification>,
}

/// Verify `chain` against every source in `wanted`.
#[allow(clippy::too_many_arguments)]
pub fn verify_sources(
    files: &CaFiles,
    read: Readers,
    wanted: &BTreeSet<Source>,
    chain: &[CertificateDer<'_>],
    facts: &[CertFacts],
    at: OffsetDateTime,
    known: Known,
) -> BTreeMap<Source, SourceVerdict> {
    let Known { bundled, os, .. } = known;
    let mut names: Vec<&[u8]> = facts.iter().map(|c| c.issuer_raw.as_slice()).collect();
    names.extend(facts.first().map(|c| c.subject_raw.as_slice()));
    names.sort_unstable();
    names.dedup();
    let mut out = BTreeMap::new();
    for source in wanted {
        let looked_up;
        let store = match source {
            Source::Bundled => bundled,
            Source::OsVerifier => os,
            Source::Path(p) | Source::Dir(p) if files.dirs.contains(p) => {
                looked_up = (read.look_up)(p, &names);
                &looked_up
            }
            // The OS store read the platform bundle (it may have added
            // certificates from its directory, which OpenSSL reads too).
            Source::Path(p)
                if files.from_os_store.as_ref() == Some(p)
                    && os.source.starts_with(&p.display().to_string()) =>
            {
                os
            }
            Source::Path(p) => match files.files.get(p) {
                Some(s) => s,
                None => {
                    looked_up = (read.file)(p);
                    &looked_up
                }
            },
            Source::Dir(_) => continue,
        };
        let said = known.verified.and_then(|v| {
            if std::ptr::eq(store, bundled) {
                Some(&v.bundled)
            } else if std::ptr::eq(store, os) {
                Some(&v.os)
            } else {
                None
            }
        });
        out.insert(source.clone(), verify_one(store, said, chain, facts, at));
    }
    out
}

/// What `store` says of `chain`, or what it `said` already.
fn verify_one(
    store: &TrustStore,
    said: Option<&StoreVerdict>,
    chain: &[CertificateDer<'_>],
    facts: &[CertFacts],
    at: OffsetDateTime,
) -> SourceVerdict {
    let leaf_in_store = chain
        .first()
        .is_some_and(|leaf| store.certs.iter().any(|c| c.as_ref() == leaf.as_ref()));
    let problem = (store.certs.is_empty()).then(|| {
        store
            .load_errors
            .first()
            .cloned()
            .unwrap_or_else(|| format!("{} holds no certificate", store.source))
    });
    SourceVerdict {
        store: said
            .cloned()
            .unwrap_or_else(|| verify_store(store, chain, facts, at)),
        leaf_in_store,
        problem,
    }
}
