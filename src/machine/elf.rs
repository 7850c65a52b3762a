//! Machine stage: the libraries an ELF binary links (its `DT_NEEDED`
//! names), read from the file's own headers — the ELF header, the program
//! headers, the dynamic section and its string table — in a few bounded
//! reads, never by running the binary or the dynamic loader.
//!
//! 64-bit little-endian ELF only (x86-64, AArch64); anything else is an
//! error in words, which callers record as unknown. Judges nothing.

use std::path::Path;

/// Program headers read at most.
const MAX_PROGRAM_HEADERS: u64 = 128;
/// Bytes of the dynamic section read at most.
const MAX_DYNAMIC: u64 = 64 * 1024;
/// Bytes of the dynamic string table read at most.
const MAX_STRTAB: u64 = 1 << 20;

/// Bytes read at the start of the file: the 64-byte ELF header and the
/// program headers that follow it (typically 13 of 56 bytes each).
const HEAD_BYTES: u64 = 2048;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;

/// The names of the libraries `path` links, in its order.
pub fn needed(path: &Path) -> Result<Vec<String>, String> {
    let file = open(path)?;
    // The ELF header and, nearly always, the program headers after it.
    let head = read_at(&file, 0, HEAD_BYTES)?;
    let header = head.get(..64).unwrap_or(&head);
    if header.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(format!("{} is not an ELF binary", path.display()));
    }
    if header.get(4..6) != Some([2u8, 1].as_slice()) {
        return Err(format!(
            "{} is not a 64-bit little-endian ELF binary",
            path.display()
        ));
    }
    let bad = || format!("{}: malformed ELF headers", path.display());
    let phoff = u64_at(header, 0x20).ok_or_else(bad)?;
    let phentsize = u64::from(u16_at(header, 0x36).ok_or_else(bad)?);
    let phnum = u64::from(u16_at(header, 0x38).ok_or_else(bad)?).min(MAX_PROGRAM_HEADERS);
    if phentsize < 56 {
        return Err(bad());
    }
    let table = within(&head, phoff, phentsize * phnum).map_or_else(
        || read_at(&file, phoff, phentsize * phnum),
        |t| Ok(t.to_vec()),
    )?;
    let segments: Vec<Segment> = table
        .chunks(usize::try_from(phentsize).map_err(|_| bad())?)
        .filter_map(Segment::parse)
        .collect();
    let dynamic = segments
        .iter()
        .find(|s| s.kind == PT_DYNAMIC)
        .ok_or_else(|| format!("{} links nothing dynamically", path.display()))?;
    let entries = read_at(&file, dynamic.offset, dynamic.size.min(MAX_DYNAMIC))?;
    let (mut wanted, mut strtab, mut strsz) = (Vec::new(), None, None);
    for entry in entries.chunks_exact(16) {
        let (Some(tag), Some(value)) = (u64_at(entry, 0), u64_at(entry, 8)) else {
            break;
        };
        match tag {
            0 => break,
            DT_NEEDED => wanted.push(value),
            DT_STRTAB => strtab = Some(value),
            DT_STRSZ => strsz = Some(value),
            _ => {}
        }
    }
    let (Some(strtab), Some(strsz)) = (strtab, strsz) else {
        return Err(bad());
    };
    let offset = segments
        .iter()
        .filter(|s| s.kind == PT_LOAD)
        .find_map(|s| s.file_offset(strtab))
        .ok_or_else(bad)?;
    let strings = read_at(&file, offset, strsz.min(MAX_STRTAB))?;
    Ok(wanted
        .into_iter()
        .filter_map(|at| {
            let tail = strings.get(usize::try_from(at).ok()?..)?;
            let name = tail.split(|&b| b == 0).next()?;
            Some(String::from_utf8_lossy(name).into_owned())
        })
        .collect())
}

/// One program header: its type, where it is in the file and in memory.
struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    size: u64,
}

impl Segment {
    fn parse(b: &[u8]) -> Option<Segment> {
        Some(Segment {
            kind: u32::from_le_bytes(b.get(0..4)?.try_into().ok()?),
            offset: u64_at(b, 8)?,
            vaddr: u64_at(b, 16)?,
            size: u64_at(b, 32)?,
        })
    }

    /// Where the address `addr` lies in the file, when this segment maps it.
    fn file_offset(&self, addr: u64) -> Option<u64> {
        let within = addr.checked_sub(self.vaddr)?;
        (within < self.size).then(|| self.offset.checked_add(within))?
    }
}

/// `len` bytes at `offset` of `buf` (the file's first bytes), when all of
/// them were read.
fn within(buf: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    buf.get(start..end)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A regular file, opened (a FIFO is refused before it could block).
fn open(path: &Path) -> Result<std::fs::File, String> {
    if !crate::machine::memo::is_file(path) {
        return Err(format!("{} not readable", path.display()));
    }
    std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Up to `len` bytes at `offset` (fewer at the end of the file).
#[cfg(unix)]
fn read_at(file: &std::fs::File, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        let at = offset.saturating_add(filled as u64);
        match file.read_at(rest, at) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

#[cfg(not(unix))]
fn read_at(file: &std::fs::File, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    file.take(len)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(
        target_os = "linux",
        target_endian = "little",
        target_pointer_width = "64"
    ))]
    fn this_test_binary_links_libc_as_the_loader_says() {
        let me = std::env::current_exe().unwrap();
        let names = needed(&me).unwrap();
        assert!(names.iter().any(|n| n.starts_with("libc.so")), "{names:?}");
    }

    #[test]
    fn within_takes_only_ranges_read_whole() {
        let buf = [7u8; 10];
        assert_eq!(within(&buf, 8, 2), Some(&buf[8..]));
        assert_eq!(within(&buf, 8, 3), None);
        assert_eq!(within(&buf, u64::MAX, 2), None);
        assert_eq!(within(&buf, 2, u64::MAX), None);
    }

    #[test]
    fn what_is_not_elf_is_an_error_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("curl");
        std::fs::write(&script, "#!/bin/sh\nexit 1\n").unwrap();
        assert!(needed(&script).unwrap_err().contains("not an ELF binary"));
        let short = dir.path().join("short");
        std::fs::write(&short, b"\x7fELF\x02\x01").unwrap();
        assert!(needed(&short).unwrap_err().contains("malformed"));
        assert!(needed(dir.path()).unwrap_err().contains("not readable"));
    }
}
