//! Machine stage, discovery's file-system reads remembered for one run:
//! the same PATH lookup, `stat`, symlink resolution or small file (a pyenv
//! `version` file, a script's `#!` line) is asked for many times while the
//! clients are found, and each answer is the same within one run.
//!
//! [`scope`] turns remembering on for the closure it runs, on the calling
//! thread only; outside a scope every function here reads the file system
//! directly. Owns no knowledge of clients; never writes, never spawns.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// What `stat` (through symlinks) said about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub is_file: bool,
    pub is_dir: bool,
    /// A regular file with an execute bit.
    pub executable: bool,
}

/// Keyed by the path's bytes: hashing a `Path` walks its components, which
/// cost more than the lookups saved (two spellings of one path are two
/// keys, only a missed hit).
struct Memo {
    meta: HashMap<OsString, Option<Meta>>,
    real: HashMap<OsString, Option<PathBuf>>,
    text: HashMap<OsString, Result<String, String>>,
    head: HashMap<OsString, Option<Vec<u8>>>,
}

thread_local! {
    static MEMO: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

/// Run `f` with this thread's reads remembered; forgotten when it returns
/// (a scope inside a scope shares the outer one).
pub fn scope<T>(f: impl FnOnce() -> T) -> T {
    let outer = MEMO.with(|m| {
        let mut m = m.borrow_mut();
        let had = m.is_some();
        if !had {
            // Sized for one discovery (about 150 stats, 30 paths resolved):
            // a map grown from empty re-hashes every key at each doubling.
            *m = Some(Memo {
                meta: HashMap::with_capacity(256),
                real: HashMap::with_capacity(64),
                text: HashMap::with_capacity(32),
                head: HashMap::with_capacity(8),
            });
        }
        had
    });
    let out = f();
    if !outer {
        MEMO.with(|m| *m.borrow_mut() = None);
    }
    out
}

/// The remembered answer for `key` in the map `pick` selects, or `read`'s
/// (remembered when a scope is active). The map is not borrowed while
/// `read` runs, so `read` may itself use this module.
fn remembered<V: Clone>(
    key: &Path,
    pick: fn(&mut Memo) -> &mut HashMap<OsString, V>,
    read: impl FnOnce() -> V,
) -> V {
    let hit = MEMO.with(|m| {
        m.borrow_mut()
            .as_mut()
            .and_then(|memo| pick(memo).get(key.as_os_str()).cloned())
    });
    if let Some(v) = hit {
        return v;
    }
    let v = read();
    MEMO.with(|m| {
        if let Some(memo) = m.borrow_mut().as_mut() {
            pick(memo).insert(key.as_os_str().to_os_string(), v.clone());
        }
    });
    v
}

/// `stat` through symlinks; `None` when it fails.
pub fn meta(path: &Path) -> Option<Meta> {
    remembered(
        path,
        |m| &mut m.meta,
        || std::fs::metadata(path).ok().as_ref().map(meta_of),
    )
}

fn meta_of(m: &std::fs::Metadata) -> Meta {
    #[cfg(unix)]
    let exec = {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o111 != 0
    };
    #[cfg(not(unix))]
    let exec = true;
    Meta {
        is_file: m.is_file(),
        is_dir: m.is_dir(),
        executable: m.is_file() && exec,
    }
}

pub fn is_file(path: &Path) -> bool {
    meta(path).is_some_and(|m| m.is_file)
}

pub fn is_dir(path: &Path) -> bool {
    meta(path).is_some_and(|m| m.is_dir)
}

/// A small text file, bounded; the error in words. The `stat` it does is
/// remembered for [`meta`] too (a missing file then costs one syscall).
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    remembered(
        path,
        |m| &mut m.text,
        || {
            let stat = std::fs::metadata(path);
            let known = stat.as_ref().ok().map(meta_of);
            remembered(path, |m| &mut m.meta, || known);
            let bytes = stat
                .map_err(|e| super::files::reason(&e))
                .and_then(|m| super::files::read_regular_file(path, &m, limit))
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            // Valid UTF-8 (nearly always) is taken as it is, not copied.
            Ok(String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
        },
    )
}

/// At most the first `limit` bytes of a regular file, in as few reads as
/// the kernel allows (one, for a file in the page cache).
pub fn head(path: &Path, limit: usize) -> Option<Vec<u8>> {
    remembered(
        path,
        |m| &mut m.head,
        || {
            use std::io::Read;
            if !is_file(path) {
                return None;
            }
            let mut file = std::fs::File::open(path).ok()?;
            let mut buf = vec![0u8; limit];
            let mut filled = 0;
            while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
                match file.read(rest) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            }
            buf.truncate(filled);
            Some(buf)
        },
    )
}

/// Symlinks at most followed in one resolution (as the kernel's ELOOP).
const MAX_LINKS: usize = 40;

/// The path with every symlink resolved, like `realpath(3)`, remembering
/// each directory on the way (so a second path under the same directories
/// costs one `readlink` per new component). `None` when a component is
/// missing or a link loops.
pub fn real(path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() {
        return std::fs::canonicalize(path).ok();
    }
    real_bounded(path, &mut 0)
}

fn real_bounded(path: &Path, links: &mut usize) -> Option<PathBuf> {
    // Without `.` components and trailing slashes, `parent()` is the
    // directory the last component lives in (and is itself clean).
    let clean: PathBuf = path.components().collect();
    real_clean(&clean, links)
}

/// [`real_bounded`] for a path already clean.
fn real_clean(path: &Path, links: &mut usize) -> Option<PathBuf> {
    let hit = MEMO.with(|m| {
        m.borrow_mut()
            .as_mut()
            .and_then(|memo| memo.real.get(path.as_os_str()).cloned())
    });
    if let Some(v) = hit {
        return v;
    }
    let v = resolve_last(path, links);
    MEMO.with(|m| {
        if let Some(memo) = m.borrow_mut().as_mut() {
            memo.real.insert(path.as_os_str().to_os_string(), v.clone());
        }
    });
    v
}

/// Resolve `path`'s parent (remembered), then its last component.
fn resolve_last(path: &Path, links: &mut usize) -> Option<PathBuf> {
    let Some(parent) = path.parent() else {
        return Some(path.to_path_buf()); // `/`
    };
    let base = real_clean(parent, links)?;
    let joined = match path.components().next_back()? {
        Component::ParentDir => return Some(base.parent().unwrap_or(&base).to_path_buf()),
        Component::CurDir | Component::RootDir | Component::Prefix(_) => return Some(base),
        Component::Normal(name) => base.join(name),
    };
    match std::fs::read_link(&joined) {
        Ok(target) => {
            *links += 1;
            if *links > MAX_LINKS {
                return None;
            }
            let target = if target.is_absolute() {
                target
            } else {
                base.join(target)
            };
            real_bounded(&target, links)
        }
        // EINVAL: not a symlink, but it exists.
        Err(e) if e.raw_os_error() == Some(22) => Some(joined),
        Err(e) if cfg!(not(unix)) && e.kind() != std::io::ErrorKind::NotFound => {
            std::fs::canonicalize(&joined).ok()
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_matches_canonicalize_through_links_and_dotdot() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/python3.11"), "").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("python3.11", root.join("a/b/python3")).unwrap();
            std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
            std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        }
        let cases = [
            root.join("a/b/python3"),
            root.join("link/b/python3"),
            root.join("link/b/../b/python3.11"),
            root.join("a/./b/python3"),
            root.join("a/b/missing"),
            root.join("loop"),
        ];
        for within in [false, true] {
            let run = || {
                for p in &cases {
                    assert_eq!(real(p), std::fs::canonicalize(p).ok(), "{}", p.display());
                    // A second answer (remembered inside a scope) is the same.
                    assert_eq!(real(p), std::fs::canonicalize(p).ok(), "{}", p.display());
                }
            };
            if within {
                scope(run);
            } else {
                run();
            }
        }
    }

    #[test]
    fn a_missing_file_read_is_remembered_as_missing_for_meta() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pip.conf");
        scope(|| {
            assert!(read_text(&f, 64).is_err());
            std::fs::write(&f, "[global]\n").unwrap();
            // The read's own stat answers: no second look at the disk.
            assert_eq!(meta(&f), None);
        });
        assert!(meta(&f).is_some_and(|m| m.is_file));
    }

    #[test]
    fn text_that_is_not_utf8_reads_lossily() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pyvenv.cfg");
        std::fs::write(&f, b"home = /a\xffb\n").unwrap();
        assert_eq!(read_text(&f, 64).unwrap(), "home = /a\u{FFFD}b\n");
    }

    #[test]
    fn a_scope_remembers_and_then_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("version");
        std::fs::write(&f, "3.11.7\n").unwrap();
        scope(|| {
            assert_eq!(read_text(&f, 64).unwrap(), "3.11.7\n");
            assert!(is_file(&f));
            std::fs::write(&f, "3.13.0\n").unwrap();
            assert_eq!(read_text(&f, 64).unwrap(), "3.11.7\n");
        });
        assert_eq!(read_text(&f, 64).unwrap(), "3.13.0\n");
        assert_eq!(head(&f, 4).unwrap(), b"3.13");
    }
}
