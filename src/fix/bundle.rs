//! The combined bundle `fix` writes for clients that read one CA file
//! (`.npmrc` `cafile`, which replaces Node's roots; Python < 3.10): the
//! needed root first, then Mozilla's roots, each under comment lines made
//! from escaped text only.
//!
//! Owns the bundle's text and the check that a written file parses back to
//! exactly the intended certificates. It does no I/O: the engine
//! ([`super::apply`]) writes the file and calls [`check_parses_to`] on the
//! temporary file before renaming it into place.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::cert::CertFacts;

use super::{FileChange, FileKind};

/// The bundle's file name under the XDG data directory.
pub const BUNDLE_FILE: &str = "ca-bundle.pem";

/// Text from a certificate, safe for a comment line: printable ASCII kept,
/// everything else (controls, newlines, non-ASCII, bidi) written as `\u{…}`.
pub fn escape_comment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// A PEM block, 64 columns, `\n` line ends.
fn pem(der: &[u8]) -> String {
    let block = ::pem::Pem::new("CERTIFICATE", der.to_vec());
    ::pem::encode_config(
        &block,
        ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF),
    )
}

/// The bundle's certificates in file order: `root`, then every Mozilla root
/// that is not the same certificate.
pub fn certificates(root: &[u8], kept: &[Vec<u8>], mozilla: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut out = vec![root.to_vec()];
    for der in kept {
        if !out.contains(der) && !mozilla.contains(&der.as_slice()) {
            out.push(der.clone());
        }
    }
    out.extend(
        mozilla
            .iter()
            .filter(|d| !out.iter().any(|o| o == *d))
            .map(|d| d.to_vec())
            .collect::<Vec<_>>(),
    );
    out
}

/// The roots a bundle tlsdoctor wrote earlier added to Mozilla's (for other
/// targets): kept when the bundle is written again. `text` is the old file.
pub fn extra_roots(text: &[u8], mozilla: &[&[u8]]) -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(text)
        .filter_map(Result::ok)
        .map(|c| c.as_ref().to_vec())
        .filter(|d| !mozilla.contains(&d.as_slice()))
        .collect()
}

/// The bundle's text for `certs` (as [`certificates`] orders them). Pure.
pub fn render(target: &str, certs: &[Vec<u8>], mozilla_source: &str) -> String {
    let mut out = format!(
        "# CA bundle written by `tlsdoctor fix` {} for {}:\n# the root it needs, then {} roots from {}.\n\n",
        env!("CARGO_PKG_VERSION"),
        escape_comment(target),
        certs.len().saturating_sub(1),
        escape_comment(mozilla_source)
    );
    for der in certs {
        let facts = CertFacts::from_der(der);
        out.push_str(&format!(
            "# Subject: {}\n# SHA-256: {}\n{}\n",
            escape_comment(&facts.subject),
            facts.sha256,
            pem(der)
        ));
    }
    out
}

/// Does `bytes` hold exactly `expected` (same certificates, same order), and
/// nothing but comment lines, blank lines and PEM certificates?
pub fn check_parses_to(bytes: &[u8], expected: &[Vec<u8>]) -> anyhow::Result<()> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the bundle is not ASCII text"))?;
    let mut in_pem = false;
    for line in text.lines() {
        match line {
            "-----BEGIN CERTIFICATE-----" if !in_pem => in_pem = true,
            "-----END CERTIFICATE-----" if in_pem => in_pem = false,
            l if in_pem => anyhow::ensure!(
                l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='),
                "the bundle has a line that is not base64 inside a certificate"
            ),
            l => anyhow::ensure!(
                l.is_empty()
                    || (l.starts_with("# ")
                        && l.bytes().all(|b| b == b' ' || b.is_ascii_graphic())),
                "the bundle has a line that is neither a comment nor a certificate"
            ),
        }
    }
    let parsed: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(bytes)
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("the bundle does not parse back: {e}"))?;
    anyhow::ensure!(
        parsed.as_slice() == expected,
        "the bundle parses back to {} certificates, not the {} intended",
        parsed.len(),
        expected.len()
    );
    Ok(())
}

/// The file change that writes the bundle at `path`.
pub fn change(
    path: &Path,
    target: &str,
    root: &CertFacts,
    kept: &[Vec<u8>],
    mozilla: &[&[u8]],
    source: &str,
) -> FileChange {
    let certs = certificates(&root.der, kept, mozilla);
    let contents = render(target, &certs, source);
    let shown = vec![
        format!(
            "# {} (SHA-256 {})",
            escape_comment(&root.display_name),
            root.sha256
        ),
        format!(
            "# + {} roots from {}",
            certs.len().saturating_sub(1),
            escape_comment(source)
        ),
    ];
    FileChange {
        path: path.to_path_buf(),
        kind: FileKind::CreateFile {
            contents,
            shown,
            certificates: Some(certs),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mozilla(n: usize) -> Vec<&'static [u8]> {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS[..n]
            .iter()
            .map(|c| c.as_ref())
            .collect()
    }

    #[test]
    fn renders_and_parses_back_to_exactly_the_intended_certificates() {
        let roots = mozilla(4);
        let certs = certificates(roots[2], &[], &roots);
        assert_eq!(certs.len(), 4, "the root is not repeated");
        assert_eq!(certs[0], roots[2]);
        let text = render("h:443", &certs, "webpki-root-certs");
        check_parses_to(text.as_bytes(), &certs).unwrap();
        assert!(check_parses_to(text.as_bytes(), &certs[1..]).is_err());
        let injected = text.replacen("# SHA-256", "rm -rf /\n# SHA-256", 1);
        assert!(check_parses_to(injected.as_bytes(), &certs).is_err());
    }

    #[test]
    fn roots_added_for_other_targets_are_kept() {
        let roots = mozilla(3);
        let other = webpki_root_certs::TLS_SERVER_ROOT_CERTS[5].as_ref();
        let old = render("a", &certificates(other, &[], &roots), "x");
        let kept = extra_roots(old.as_bytes(), &roots);
        assert_eq!(kept, vec![other.to_vec()]);
        let new_root = webpki_root_certs::TLS_SERVER_ROOT_CERTS[6].as_ref();
        let certs = certificates(new_root, &kept, &roots);
        assert_eq!(certs.len(), 5);
        assert_eq!(certs[0], new_root);
        assert_eq!(certs[1], other);
    }

    #[test]
    fn comment_text_is_escaped() {
        assert_eq!(escape_comment("CN=a\nb\u{202e}c"), "CN=a\\u{a}b\\u{202e}c");
        let text = render("evil\n-----BEGIN CERTIFICATE-----", &[], "x");
        assert!(text.lines().all(|l| l.is_empty() || l.starts_with("# ")));
    }
}
