/*!
`tlsdoctor bundle TARGET --out FILE`: one PEM file that every tool can be
pointed at — the bundled Mozilla roots (whole certificates, as
`--bundled-roots` or webpki-root-certs give them) plus the one root the
target's chain needs.

Which root ([`plan`], pure, from the judged target):

- the bundled roots already trust the chain: nothing is needed, nothing is
  written (exit 0 when the target is clean; exit 1 when it has another
  problem a bundle cannot fix, which is said);
- a store the user chose trusts it: the anchor of the path it built — the
  `--ca-file` root, or the OS store's (an interception or private CA);
- the leaf signs itself and `--include-self-signed` was given: the leaf;
- otherwise the root is not on this machine: say how to obtain it (from
  [`crate::knowledge::obtain_root`]), write nothing, exit 1 (3 when the
  target was unreachable).

The file has a comment header per certificate (subject, SHA-256), is
written atomically (a temporary file in the same directory, then a rename;
without `--force` a hard link, which cannot replace a file that appeared
meanwhile), and the report prints the exact lines that use it, per shell,
from [`crate::knowledge`].
*/

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cert::CertFacts;
use crate::error::usage;
use crate::exit::ExitCode;
use crate::findings::{Remedy, Verdict};
use crate::knowledge::{self, Platform, Shell, Situation, TrustGap};
use crate::pipeline::Judged;
use crate::trust::verify::Stores;

/// Where and how to write the bundle.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    pub out: PathBuf,
    pub force: bool,
    pub include_self_signed: bool,
}

/// Refuse a destination that cannot work (before probing): an existing
/// file without `--force`, a directory, or a directory that does not exist.
pub fn check_destination(options: &BundleOptions) -> anyhow::Result<()> {
    let out = &options.out;
    if out.is_dir() {
        return Err(usage(format!(
            "--out {} is a directory; name a file, e.g. {}",
            out.display(),
            out.join("ca-bundle.pem").display()
        )));
    }
    if let Some(kind) = not_a_regular_file(out) {
        return Err(usage(format!(
            "--out {} is {kind}; tlsdoctor replaces regular files only, even with --force",
            out.display()
        )));
    }
    if out.exists() && !options.force {
        return Err(usage(format!(
            "{} exists; use --force to replace it",
            out.display()
        )));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        if !dir.is_dir() {
            return Err(usage(format!(
                "cannot write {}: the directory {} does not exist (create it first)",
                out.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// What `out` is when it exists and is not a regular file (a symbolic link
/// — even to a regular file —, a FIFO, a device, a socket): `--force` must
/// not replace it with a regular file.
fn not_a_regular_file(out: &Path) -> Option<&'static str> {
    let kind = std::fs::symlink_metadata(out).ok()?.file_type();
    if kind.is_file() {
        return None;
    }
    Some(if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file (a FIFO, a device or a socket)"
    })
}

/// What `bundle` will do for a judged target.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Write the bundled roots plus `root`.
    Write {
        root: Box<CertFacts>,
        /// Where the root came from, for the report ("the OS store").
        from: String,
    },
    /// No extra root is needed; `problem` is another diagnosis, if any.
    NotNeeded { problem: Option<String> },
    /// The root is not on this machine: how to get it.
    RootNotFound { why: String, remedies: Vec<Remedy> },
    /// No chain was seen.
    NoChain { why: String, unreachable: bool },
}

/// Decide which root the bundle needs. Pure.
pub fn plan(judged: &Judged, include_self_signed: bool, platform: Platform) -> Plan {
    let verdict = judged.diagnosis.verdict;
    let first_error = judged
        .diagnosis
        .findings
        .iter()
        .find(|f| f.verdict().is_some())
        .map(|f| format!("{}: {}", f.summary, f.detail));
    let Some(v) = judged.verification.as_ref() else {
        return Plan::NoChain {
            why: first_error.unwrap_or_else(|| "no certificate chain was received".into()),
            unreachable: verdict == Verdict::Unreachable,
        };
    };
    if v.bundled.trusted_ignoring_time() {
        return Plan::NotNeeded {
            problem: (verdict != Verdict::Clean).then(|| first_error.unwrap_or_default()),
        };
    }
    for (store, from) in [
        (v.custom.as_ref(), "--ca-file"),
        (Some(&v.os), "the OS store"),
    ] {
        if let Some(store) = store.filter(|s| s.trusted_ignoring_time()) {
            if let Some(anchor) = &store.anchor {
                return Plan::Write {
                    root: Box::new(anchor.clone()),
                    from: format!("{from} ({})", store.source),
                };
            }
        }
    }
    let leaf = judged.facts.first();
    if let Some(leaf) = leaf.filter(|l| l.self_signed) {
        if include_self_signed {
            return Plan::Write {
                root: Box::new(leaf.clone()),
                from: "the server's own self-signed certificate (--include-self-signed)".into(),
            };
        }
        return Plan::RootNotFound {
            why: format!(
                "{}'s certificate ({}) signs itself, so there is no CA root to add. Run again with \
                 --include-self-signed to add that certificate itself (it must be replaced in the bundle \
                 at every renewal), or better, issue the certificate from a local CA (mkcert).",
                judged.target.host, leaf.display_name
            ),
            remedies: Vec::new(),
        };
    }
    // The chain ends at a CA that no store here holds.
    let top = judged.facts.last();
    let ca_name = top
        .map(|t| t.root_display_name().to_string())
        .unwrap_or_else(|| "the issuing CA".into());
    let vendor = judged
        .diagnosis
        .findings
        .iter()
        .find_map(|f| f.vendor.clone());
    let situation = if verdict == Verdict::CorporateInterception {
        Situation::Interception {
            vendor: vendor.as_deref(),
        }
    } else {
        Situation::PrivateCa
    };
    let sent_root = top.filter(|t| t.self_signed).map(|t| {
        format!(
            " The server sent a root named {} itself (SHA-256 {}): trust it only after whoever runs the CA \
             confirms that fingerprint; then save it and run again with --os-roots FILE.",
            t.display_name, t.sha256
        )
    });
    let remedy = knowledge::obtain_root(&TrustGap {
        situation,
        ca_name: &ca_name,
        in_os_store: false,
        host: &judged.target.host,
        platform,
        strict_x509_breaks_python: false,
    });
    Plan::RootNotFound {
        why: format!(
            "No trust store here holds {ca_name}, the root {}'s chain needs (verdict: {verdict}), so \
             tlsdoctor cannot add it. Install it in the OS store, then run tlsdoctor bundle again \
             (or pass it with --os-roots FILE).{}",
            judged.target.host,
            sent_root.unwrap_or_default()
        ),
        remedies: vec![remedy],
    }
}

/// A PEM block for `der`, 64 columns, `\n` line ends.
pub fn pem(label: &str, der: &[u8]) -> String {
    let block = ::pem::Pem::new(label, der.to_vec());
    ::pem::encode_config(
        &block,
        ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF),
    )
}

/// Untrusted text (a certificate's name, the target) as one comment line's
/// worth: control characters escaped, so it cannot end the line, and cut.
/// Runs of five dashes are broken up too, so that no comment line looks
/// like a PEM boundary to a lenient reader.
fn comment_text(untrusted: &str) -> String {
    crate::untrusted::for_terminal(untrusted).replace("-----", "- - - - -")
}

/// One certificate with its comment header.
fn entry(facts: &CertFacts) -> String {
    format!(
        "# Subject: {}\n# SHA-256: {}\n{}\n",
        comment_text(&facts.subject),
        facts.sha256,
        pem("CERTIFICATE", &facts.der)
    )
}

/// The certificates a bundle's text holds, in order, as every PEM reader
/// sees them: refuse text where a `-----BEGIN` line is not one of them.
pub fn certificates_in(text: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls_pki_types::pem::PemObject;
    let ders = rustls_pki_types::CertificateDer::pem_slice_iter(text)
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("malformed PEM: {e}"))?;
    let begins = text
        .split(|b| *b == b'\n')
        .filter(|line| line.windows(10).any(|w| w == b"-----BEGIN"))
        .count();
    if begins != ders.len() {
        return Err(format!(
            "{begins} PEM blocks but {} certificates",
            ders.len()
        ));
    }
    Ok(ders)
}

/// The bundle's text: a header, the extra root first, then every bundled
/// root (a bundled copy of the extra root is not repeated). Pure.
pub fn render(target: &str, bundled: &[&[u8]], bundled_source: &str, root: &CertFacts) -> String {
    let others: Vec<CertFacts> = bundled
        .iter()
        .filter(|der| **der != root.der.as_slice())
        .map(|der| CertFacts::from_der(der))
        .collect();
    let target = comment_text(target);
    let mut out = format!(
        "# CA bundle written by tlsdoctor {} for {target}:\n# {} (needed by {target}) and {} roots from {}.\n\n",
        env!("CARGO_PKG_VERSION"),
        comment_text(&root.display_name),
        others.len(),
        comment_text(bundled_source),
    );
    out.push_str(&entry(root));
    for facts in &others {
        out.push_str(&entry(facts));
    }
    out
}

/// Write `contents` to `out` atomically: a temporary file in the same
/// directory, synced, then moved into place. Without `force`, an `out`
/// that appeared meanwhile is not replaced.
pub fn write_atomically(out: &Path, contents: &[u8], force: bool) -> anyhow::Result<()> {
    write_atomically_checked(out, contents, force, &|_| Ok(()))
}

/// [`write_atomically`], reading the temporary file back and handing its
/// bytes to `check` before it is moved into place; nothing is placed when
/// `check` refuses. With `force`, only a regular file is replaced.
pub fn write_atomically_checked(
    out: &Path,
    contents: &[u8],
    force: bool,
    check: &dyn Fn(&[u8]) -> Result<(), String>,
) -> anyhow::Result<()> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .ok_or_else(|| usage(format!("--out {} does not name a file", out.display())))?;
    let tmp = dir.join(format!(
        ".{}.tlsdoctor-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(usage(format!(
            "cannot write {}: {e}; check that {} is writable",
            tmp.display(),
            dir.display()
        )));
    }
    let written = crate::untrusted::read_limited(&tmp, contents.len() as u64)
        .map_err(|e| e.to_string())
        .and_then(|bytes| check(&bytes));
    if let Err(why) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow::anyhow!(
            "the bundle written to {} does not hold what was intended ({why}); nothing was placed at {}",
            tmp.display(),
            out.display()
        ));
    }
    if let Some(kind) = not_a_regular_file(out) {
        let _ = std::fs::remove_file(&tmp);
        return Err(usage(format!(
            "--out {} is {kind}; tlsdoctor replaces regular files only, even with --force",
            out.display()
        )));
    }
    let placed = if force {
        std::fs::rename(&tmp, out)
    } else {
        // A hard link fails when `out` exists: no window to clobber a file.
        match std::fs::hard_link(&tmp, out) {
            Ok(()) => std::fs::remove_file(&tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let _ = std::fs::remove_file(&tmp);
                return Err(usage(format!(
                    "{} exists; use --force to replace it",
                    out.display()
                )));
            }
            // File systems without hard links: check, then rename.
            Err(_) if !out.exists() => std::fs::rename(&tmp, out),
            Err(e) => Err(e),
        }
    };
    placed.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        usage(format!(
            "cannot move the bundle into {}: {e}",
            out.display()
        ))
    })
}

/// What `bundle` did, for the report layer (`report::bundle`) to word.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// No chain was seen; nothing written.
    NoChain {
        target: String,
        why: String,
        unreachable: bool,
    },
    /// The bundled roots already trust the chain; nothing written.
    NotNeeded {
        target: String,
        bundled_source: String,
        /// Another diagnosis a bundle cannot fix, if any.
        problem: Option<String>,
    },
    /// The root is not on this machine: how to get it; nothing written.
    RootNotFound { why: String, remedies: Vec<Remedy> },
    /// The bundle was written.
    Written {
        path: String,
        root_name: String,
        root_sha256: String,
        from: String,
        /// Bundled roots written besides `root`.
        count: usize,
        bundled_source: String,
        /// Per shell: its label and the lines that use the bundle.
        shells: Vec<(String, Vec<String>)>,
        alternative: Remedy,
    },
}

impl Outcome {
    /// 0 written or not needed; 1 a problem; 3 unreachable.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::NoChain {
                unreachable: true, ..
            } => ExitCode::Unreachable,
            Outcome::NoChain { .. } | Outcome::RootNotFound { .. } => ExitCode::Diagnosis,
            Outcome::NotNeeded { problem, .. } if problem.is_some() => ExitCode::Diagnosis,
            Outcome::NotNeeded { .. } | Outcome::Written { .. } => ExitCode::Clean,
        }
    }
}

/// Write the bundle for a judged target (when one is needed and possible),
/// and return what was done.
pub fn run(judged: &Judged, stores: &Stores, options: &BundleOptions) -> anyhow::Result<Outcome> {
    let platform = Platform::current();
    let target = judged.target.display.clone();
    Ok(match plan(judged, options.include_self_signed, platform) {
        Plan::NoChain { why, unreachable } => Outcome::NoChain {
            target,
            why,
            unreachable,
        },
        Plan::NotNeeded { problem } => Outcome::NotNeeded {
            target,
            bundled_source: stores.bundled.source.clone(),
            problem,
        },
        Plan::RootNotFound { why, remedies } => Outcome::RootNotFound { why, remedies },
        Plan::Write { root, from } => {
            let bundled: Vec<&[u8]> = stores.bundled.certs.iter().map(|c| c.as_ref()).collect();
            let contents = render(&target, &bundled, &stores.bundled.source, &root);
            // Exactly the root, then every other bundled root, in order.
            let mut intended: Vec<&[u8]> = vec![root.der.as_slice()];
            intended.extend(bundled.iter().filter(|d| **d != root.der.as_slice()));
            let holds_intended = |bytes: &[u8]| -> Result<(), String> {
                let found = certificates_in(bytes)?;
                if found.len() == intended.len() && found.iter().zip(&intended).all(|(a, b)| a == b)
                {
                    Ok(())
                } else {
                    Err(format!(
                        "{} certificates instead of the {} intended",
                        found.len(),
                        intended.len()
                    ))
                }
            };
            write_atomically_checked(
                &options.out,
                contents.as_bytes(),
                options.force,
                &holds_intended,
            )?;
            let shown = std::fs::canonicalize(&options.out).unwrap_or_else(|_| options.out.clone());
            let path = shown.display().to_string();
            let count = bundled
                .iter()
                .filter(|d| **d != root.der.as_slice())
                .count();
            let shells = Shell::ALL
                .iter()
                .map(|&shell| {
                    (
                        shell.label().to_string(),
                        knowledge::bundle_lines(shell, &path),
                    )
                })
                .collect();
            Outcome::Written {
                path,
                root_name: root.display_name.clone(),
                root_sha256: root.sha256.clone(),
                from,
                count,
                bundled_source: stores.bundled.source.clone(),
                shells,
                alternative: knowledge::truststore_alternative(platform),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_wraps_at_64_columns_and_round_trips() {
        use rustls_pki_types::pem::PemObject;
        let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
        let text = pem("CERTIFICATE", der);
        assert!(text.lines().all(|l| l.len() <= 64));
        let back = rustls_pki_types::CertificateDer::from_pem_slice(text.as_bytes()).unwrap();
        assert_eq!(back.as_ref(), der);
    }

    #[test]
    fn render_puts_the_root_first_with_headers_and_no_duplicate() {
        let ders: Vec<&[u8]> = webpki_root_certs::TLS_SERVER_ROOT_CERTS[..3]
            .iter()
            .map(|c| c.as_ref())
            .collect();
        let root = CertFacts::from_der(ders[1]);
        let text = render("h:443", &ders, "test", &root);
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 3);
        assert_eq!(text.matches("# SHA-256: ").count(), 3);
        let first = text.find("# Subject: ").unwrap();
        assert!(text[first..].starts_with(&format!("# Subject: {}", root.subject)));
        assert_eq!(text.matches(&root.sha256).count(), 1);
    }

    #[test]
    fn atomic_write_refuses_to_clobber_without_force() {
        let dir =
            std::env::temp_dir().join(format!("tlsdoctor-bundle-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("b.pem");
        let _ = std::fs::remove_file(&out);
        write_atomically(&out, b"one", false).unwrap();
        assert!(write_atomically(&out, b"two", false).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"one");
        write_atomically(&out, b"three", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"three");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_written_file_must_hold_exactly_the_intended_certificates() {
        let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
        let block = pem("CERTIFICATE", der);
        assert_eq!(
            certificates_in(block.as_bytes()).unwrap(),
            vec![der.to_vec()]
        );
        let sneaky = format!("# name -----BEGIN CERTIFICATE----- x\n{block}");
        assert!(certificates_in(sneaky.as_bytes()).is_err());
        assert!(!comment_text("a\n-----BEGIN CERTIFICATE-----").contains(['\n', '\r']));
        assert!(!comment_text("-----BEGIN CERTIFICATE-----").contains("-----"));

        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("b.pem");
        let refuse = |_: &[u8]| Err("no".to_string());
        assert!(write_atomically_checked(&out, b"x", false, &refuse).is_err());
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    #[cfg(unix)]
    fn force_replaces_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.pem");
        std::fs::write(&file, b"old").unwrap();
        let link = dir.path().join("l.pem");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(write_atomically(&link, b"new", true).is_err());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(write_atomically(Path::new("/dev/null"), b"new", true).is_err());
        write_atomically(&file, b"new", true).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
    }
}
