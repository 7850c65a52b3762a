//! The `sitecustomize.py` block that makes a venv's Python verify with the
//! OS store through truststore, and the pip requirement that installs it.
//!
//! Owns the Python text only (pure). pip 24.2+ carries its own truststore
//! (`pip._vendor.truststore`); when `truststore.inject_into_ssl()` runs
//! before pip's copy is imported, pip's copy subclasses the already
//! injected `ssl.SSLContext` and every pip request fails with
//! RecursionError (truststore#121, #143). So the block imports pip's copy
//! first, inside try/except, then injects; a venv without truststore or
//! pip starts as before.

use std::path::Path;

use super::{FileChange, FileKind};

/// truststore as installed by `fix` (a range, so that pip may pick a
/// release the index has; 0.10.1 fixed requests 2.32's preloaded context).
pub const TRUSTSTORE_REQUIREMENT: &str = "truststore>=0.10.1,<1";

/// The package that requirement installs.
pub const TRUSTSTORE: &str = "truststore";

/// The lines inside tlsdoctor's block in `sitecustomize.py`.
pub fn sitecustomize_body(target: &str) -> Vec<String> {
    [
        &format!("# Added by `tlsdoctor fix` for {target}: verify TLS with the OS trust store."),
        "# `tlsdoctor fix --undo` removes this block.",
        "try:",
        "    # pip 24.2+ vendors truststore; load its copy before injecting, or",
        "    # every pip request fails with RecursionError (truststore#121, #143).",
        "    import pip._vendor.truststore  # noqa: F401",
        "except Exception:",
        "    pass",
        "try:",
        "    import truststore",
        "    truststore.inject_into_ssl()",
        "except Exception:",
        "    pass",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The `sitecustomize.py` change for a venv's site-packages.
pub fn sitecustomize_change(site_packages: &Path, target: &str) -> FileChange {
    FileChange {
        path: site_packages.join("sitecustomize.py"),
        kind: FileKind::MarkedBlock {
            body: sitecustomize_body(&super::bundle::escape_comment(target)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pips_truststore_is_loaded_before_injecting() {
        let body = sitecustomize_body("h:443").join("\n");
        let pip = body.find("import pip._vendor.truststore").unwrap();
        let inject = body.find("truststore.inject_into_ssl()").unwrap();
        assert!(pip < inject);
        assert!(!body.contains("verify=False"));
    }
}
