//! Reading a certificate chain from files, for `tlsdoctor inspect`: the
//! Probe stage replaced by a file reader. (First version: PEM files only;
//! see the issue on offline diagnosis for what it grows into.)

use std::path::PathBuf;

use rustls_pki_types::CertificateDer;

/// A chain read from files, leaf first.
#[derive(Debug, Clone, Default)]
pub struct ChainFile {
    pub certs: Vec<CertificateDer<'static>>,
    /// The files' positions of `certs`, when the files' order was different.
    pub file_order: Option<Vec<usize>>,
}

/// Read every certificate from the given files, in order.
pub fn read_chain(files: &[PathBuf]) -> Result<ChainFile, String> {
    let mut certs = Vec::new();
    for file in files {
        certs.extend(crate::trust::read_pem_file("inspect", file).map_err(|e| e.to_string())?);
    }
    Ok(ChainFile {
        certs,
        file_order: None,
    })
}
