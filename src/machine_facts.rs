//! What Machine read on this machine for the env audit, as plain data:
//! the CA, TLS and proxy variables, the configuration files looked for, and
//! every path they name ([`MachineFacts`]). Machine fills it
//! ([`crate::machine::collect`]); Audit judges it; tests build it by hand.
//!
//! Nothing here reads the machine or decides anything.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// What a path held when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Missing,
    Unreadable(String),
    /// A file's certificate blocks (a character device, like /dev/null: none).
    File(Arc<PemFile>),
    /// A directory: the certificate blocks of each regular file in it.
    Dir(Vec<Arc<PemFile>>),
}

#[cfg(test)]
impl PathState {
    /// A file holding `bytes`, decoded as reading it would.
    pub fn file_of(bytes: &[u8]) -> PathState {
        PathState::File(Arc::new(PemFile::parse(bytes)))
    }

    /// A directory whose files hold `files`.
    pub fn dir_of(files: &[Vec<u8>]) -> PathState {
        PathState::Dir(files.iter().map(|b| Arc::new(PemFile::parse(b))).collect())
    }
}

/// The PEM `CERTIFICATE` blocks of one file, in order, each decoded or
/// the reason it could not be (Machine decodes each file once per run:
/// [`crate::machine::stores::cert_file`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PemFile {
    pub blocks: Vec<Result<CertificateDer<'static>, String>>,
}

impl PemFile {
    /// Decode every `CERTIFICATE` block of `bytes` (other blocks are
    /// skipped): fast when the file has the plain shape of real bundles,
    /// through rustls-pki-types (and its errors) otherwise.
    pub fn parse(bytes: &[u8]) -> PemFile {
        if let Some(certs) = crate::cert::pem::certificates(bytes) {
            return PemFile {
                blocks: certs.into_iter().map(Ok).collect(),
            };
        }
        PemFile {
            blocks: CertificateDer::pem_slice_iter(bytes)
                .map(|r| r.map_err(|e| e.to_string()))
                .collect(),
        }
    }

    /// As [`PemFile::parse`], for a file read once for the whole run: the
    /// certificates of a plain bundle share one buffer that lives as long
    /// as the process (the run-wide cache,
    /// [`crate::machine::stores::cert_file`], never drops a file), so a
    /// store that holds them copies pointers, not certificates.
    pub fn parse_for_run(bytes: &[u8]) -> PemFile {
        let Some(decoded) = crate::cert::pem::decode_certificates(bytes) else {
            return PemFile::parse(bytes);
        };
        let der: &'static [u8] = decoded.der.leak();
        PemFile {
            blocks: decoded
                .certs
                .into_iter()
                .filter_map(|r| der.get(r))
                .map(|d| Ok(CertificateDer::from(d)))
                .collect(),
        }
    }

    /// The certificates that decoded.
    pub fn certs(&self) -> impl Iterator<Item = &CertificateDer<'static>> {
        self.blocks.iter().filter_map(|b| b.as_ref().ok())
    }
}

/// A configuration file that was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The tool, as in [`crate::knowledge::CONFIG_SETTINGS`].
    pub tool: &'static str,
    pub path: PathBuf,
    /// `Ok(None)`: not there. `Err`: there but unreadable.
    pub contents: Result<Option<String>, String>,
}

/// Everything tlsdoctor read on this machine (besides the OS trust store,
/// which `trust` loads): plain values, no judgement.
#[derive(Debug, Clone, Default)]
pub struct MachineFacts {
    /// Variables that are set (any value, even empty), in [`audited_names`](crate::knowledge::audited_names) order.
    pub vars: Vec<(String, String)>,
    /// Configuration files looked for.
    pub configs: Vec<ConfigFile>,
    /// Every path a variable or setting names, as read.
    pub paths: BTreeMap<PathBuf, PathState>,
    /// The user's home, for `~` in settings.
    pub home: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::PemFile;

    fn bundle() -> String {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .take(30)
            .map(|c| pem::encode(&pem::Pem::new("CERTIFICATE", c.to_vec())))
            .collect()
    }

    #[test]
    fn a_file_read_for_the_run_holds_what_parsing_it_gives() {
        let plain = bundle();
        let odd = format!("{plain}-----BEGIN CERTIFICATE-----\nnot base64!\n");
        for text in [plain, odd, String::new()] {
            let parsed = PemFile::parse(text.as_bytes());
            assert_eq!(PemFile::parse_for_run(text.as_bytes()), parsed);
        }
        assert_eq!(PemFile::parse(bundle().as_bytes()).certs().count(), 30);
    }
}
