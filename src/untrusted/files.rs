//! Reading a file the user named (`--targets-file`, `--bundled-roots`,
//! `--os-roots`, `--ca-file`, `inspect FILE`) through a byte limit.
//!
//! The size a file system reports cannot be trusted: `/dev/zero`, FIFOs and
//! `/proc` files report 0, and a sparse file reports its length but costs
//! its length to read. So the file is read through `take(limit + 1)` and
//! refused when more than `limit` bytes came. This module reads; it does not
//! parse what it read.

use std::io::Read;
use std::path::Path;

/// The most bytes read from a file the user named ([`read_limited`]'s
/// usual limit): 16 MiB, about 70 times Mozilla's whole root bundle.
pub const MAX_USER_FILE: u64 = 16 << 20;

/// Why a named file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadLimitError {
    #[error("no such file")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("is a directory, not a file")]
    Directory,
    #[error("is larger than {}, the most tlsdoctor reads of a file", human_size(*.0))]
    TooLarge(u64),
    #[error("{0}")]
    Other(String),
}

/// `16 MiB`, `1 MiB`, `512 KiB`, `100 bytes`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

impl ReadLimitError {
    fn from_io(e: &std::io::Error) -> ReadLimitError {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadLimitError::NotFound,
            std::io::ErrorKind::PermissionDenied => ReadLimitError::PermissionDenied,
            std::io::ErrorKind::IsADirectory => ReadLimitError::Directory,
            _ => ReadLimitError::Other(e.to_string()),
        }
    }
}

/// Read all of `path`, refusing it when it holds more than `limit` bytes,
/// whatever size the file system reports. `-` is not special here.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadLimitError> {
    let file = std::fs::File::open(path).map_err(|e| ReadLimitError::from_io(&e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(ReadLimitError::Directory);
    }
    read_all_limited(file, limit)
}

/// Read `reader` to its end, refusing more than `limit` bytes.
pub fn read_all_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadLimitError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadLimitError::from_io(&e))?;
    if bytes.len() as u64 > limit {
        return Err(ReadLimitError::TooLarge(limit));
    }
    Ok(bytes)
}

/// `text` without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_files_that_report_size_zero_are_bounded() {
        let start = std::time::Instant::now();
        let err = read_limited(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(err, ReadLimitError::TooLarge(1 << 20));
        assert!(err.to_string().contains("1 MiB"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn small_files_directories_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_limited(&f, 5).unwrap(), b"12345");
        assert_eq!(read_limited(&f, 4), Err(ReadLimitError::TooLarge(4)));
        assert_eq!(read_limited(dir.path(), 5), Err(ReadLimitError::Directory));
        assert_eq!(
            read_limited(&dir.path().join("nope"), 5),
            Err(ReadLimitError::NotFound)
        );
    }

    #[test]
    fn a_bom_is_stripped_once() {
        assert_eq!(strip_bom("\u{feff}host\n"), "host\n");
        assert_eq!(strip_bom("host"), "host");
    }
}
