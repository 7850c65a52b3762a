//! Byte-exact tests of the change engine on a temporary home.

use std::collections::BTreeMap;

use super::*;
use crate::fix::text::{KeySetting, Syntax};

/// Every path under `dir` (directories too) with its content hash and mode.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("link {}", std::fs::read_link(&path).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(rel, format!("dir {mode:o}"));
                walk(root, &path, out);
            } else {
                out.insert(
                    rel,
                    format!("{} {mode:o}", sha256_hex(&std::fs::read(&path).unwrap())),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    layout: Layout,
}

fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/pip")).unwrap();
    std::fs::write(home.join(".bashrc"), "alias ll='ls -l'\nexport EDITOR=vi").unwrap();
    std::fs::write(home.join(".profile"), "# login\n. ~/.bashrc\n").unwrap();
    std::fs::write(
        home.join(".config/pip/pip.conf"),
        "[global]\ntimeout = 60\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        home.join(".config/pip/pip.conf"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let layout = Layout::new(&home, None, None);
    Home {
        _dir: dir,
        home,
        layout,
    }
}

fn changes(h: &Home, body: &str) -> Vec<FileChange> {
    let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0]
        .as_ref()
        .to_vec();
    let text = crate::fix::bundle::render("t", std::slice::from_ref(&der), "test");
    vec![
        FileChange {
            path: h.layout.data_dir.join("ca-bundle.pem"),
            kind: FileKind::CreateFile {
                contents: text,
                shown: vec!["# root".into()],
                certificates: Some(vec![der]),
            },
        },
        FileChange {
            path: h.home.join(".bashrc"),
            kind: FileKind::MarkedBlock {
                body: vec![body.to_string()],
            },
        },
        FileChange {
            path: h.home.join(".config/fish/conf.d/tlsdoctor.fish"),
            kind: FileKind::MarkedBlock {
                body: vec!["set -gx A 1".into()],
            },
        },
        FileChange {
            path: h.home.join(".config/pip/pip.conf"),
            kind: FileKind::ConfigKey(KeySetting {
                syntax: Syntax::Ini,
                section: Some("global".into()),
                key: "cert".into(),
                value: "/b.pem".into(),
            }),
        },
    ]
}

#[test]
fn apply_twice_changes_nothing_and_undo_restores_every_byte() {
    let h = home();
    let before = tree(&h.home);
    let first = apply(&changes(&h, "export A=1"), &h.layout).unwrap();
    assert!(first.iter().all(|a| *a == Applied::Written), "{first:?}");
    assert_eq!(
        std::fs::read_to_string(h.home.join(".bashrc")).unwrap(),
        "alias ll='ls -l'\nexport EDITOR=vi\n# >>> tlsdoctor >>>\nexport A=1\n# <<< tlsdoctor <<<\n"
    );
    let applied = tree(&h.home);
    let second = apply(&changes(&h, "export A=1"), &h.layout).unwrap();
    assert!(
        second.iter().all(|a| *a == Applied::Unchanged),
        "{second:?}"
    );
    assert_eq!(tree(&h.home), applied, "the second apply changed bytes");

    let undone = undo(&h.layout).unwrap();
    assert_eq!(undone.len(), 4);
    assert_eq!(tree(&h.home), before, "undo left a difference");
    assert!(!h.layout.manifest_path().exists());
}

#[test]
fn a_second_run_replaces_the_block_in_place_and_undo_still_restores_the_original() {
    let h = home();
    let before = tree(&h.home);
    apply(&changes(&h, "export A=1"), &h.layout).unwrap();
    let again = apply(&changes(&h, "export A=2"), &h.layout).unwrap();
    assert_eq!(again[1], Applied::Written);
    let bashrc = std::fs::read_to_string(h.home.join(".bashrc")).unwrap();
    assert_eq!(bashrc.matches("tlsdoctor >>>").count(), 1);
    assert!(bashrc.contains("export A=2") && !bashrc.contains("export A=1"));
    let manifest = Manifest::load(&h.layout).unwrap();
    assert_eq!(manifest.entries.len(), 4);
    undo(&h.layout).unwrap();
    assert_eq!(tree(&h.home), before);
}

#[test]
fn a_profile_edited_after_apply_is_left_named_and_kept() {
    let h = home();
    let original_pip = std::fs::read(h.home.join(".config/pip/pip.conf")).unwrap();
    apply(&changes(&h, "export A=1"), &h.layout).unwrap();
    let mut edited = std::fs::read(h.home.join(".bashrc")).unwrap();
    edited.extend_from_slice(b"alias g=git\n");
    std::fs::write(h.home.join(".bashrc"), &edited).unwrap();

    let undone = undo(&h.layout).unwrap();
    let bashrc = h.home.join(".bashrc");
    assert!(
        undone.contains(&(bashrc.clone(), Undone::ChangedSince)),
        "{undone:?}"
    );
    assert_eq!(
        std::fs::read(&bashrc).unwrap(),
        edited,
        "the user's edit was clobbered"
    );
    assert_eq!(
        std::fs::read(h.home.join(".config/pip/pip.conf")).unwrap(),
        original_pip
    );
    let manifest = Manifest::load(&h.layout).unwrap();
    assert_eq!(manifest.entries.len(), 1);
    assert_eq!(manifest.entries[0].path, bashrc);
    assert!(manifest.entries[0].backup.as_ref().unwrap().exists());
    // Still changed: a second undo keeps it too.
    assert_eq!(
        undo(&h.layout).unwrap(),
        vec![(bashrc.clone(), Undone::ChangedSince)]
    );
    // An apply does not overwrite it either.
    let again = apply(&changes(&h, "export A=2"), &h.layout).unwrap();
    assert!(
        matches!(&again[1], Applied::Skipped(why) if why.contains("changed since")),
        "{again:?}"
    );
    assert_eq!(std::fs::read(&bashrc).unwrap(), edited);
}

#[test]
fn permissions_are_kept_links_followed_and_outside_paths_refused() {
    let h = home();
    let dotfiles = h.home.join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::rename(h.home.join(".bashrc"), dotfiles.join("bashrc")).unwrap();
    std::os::unix::fs::symlink(dotfiles.join("bashrc"), h.home.join(".bashrc")).unwrap();
    let before = tree(&h.home);
    let outside = h._dir.path().join("elsewhere.conf");
    let mut list = changes(&h, "export A=1");
    list.push(FileChange {
        path: outside.clone(),
        kind: FileKind::MarkedBlock {
            body: vec!["x".into()],
        },
    });
    let applied = apply(&list, &h.layout).unwrap();
    assert!(matches!(&applied[4], Applied::Skipped(why) if why.contains("outside your home")));
    assert!(!outside.exists());
    assert!(std::fs::symlink_metadata(h.home.join(".bashrc"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(dotfiles.join("bashrc"))
        .unwrap()
        .contains("export A=1"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(h.home.join(".config/pip/pip.conf"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    undo(&h.layout).unwrap();
    assert_eq!(tree(&h.home), before);
}

#[test]
fn a_bundle_that_would_not_parse_back_is_never_renamed_into_place() {
    let h = home();
    let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0]
        .as_ref()
        .to_vec();
    let other = webpki_root_certs::TLS_SERVER_ROOT_CERTS[1]
        .as_ref()
        .to_vec();
    let text = crate::fix::bundle::render("t", std::slice::from_ref(&der), "test");
    let path = h.layout.data_dir.join("ca-bundle.pem");
    let bad = FileChange {
        path: path.clone(),
        kind: FileKind::CreateFile {
            contents: text,
            shown: vec![],
            certificates: Some(vec![other]),
        },
    };
    let applied = apply(&[bad], &h.layout).unwrap();
    assert!(
        matches!(&applied[0], Applied::Skipped(why) if why.contains("not the 1 intended") || why.contains("parses back")),
        "{applied:?}"
    );
    assert!(!path.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&h.layout.data_dir).unwrap().collect();
    assert!(leftovers.is_empty(), "temporary file left: {leftovers:?}");
}

#[test]
fn changes_after_a_bundle_that_cannot_be_written_are_not_applied() {
    let h = home();
    std::fs::create_dir_all(&h.layout.data_dir).unwrap();
    // Someone else's file where the bundle goes.
    std::fs::write(h.layout.data_dir.join("ca-bundle.pem"), "not ours").unwrap();
    let before = tree(&h.home);
    let applied = apply(&changes(&h, "export A=1"), &h.layout).unwrap();
    assert!(
        matches!(&applied[0], Applied::Skipped(why) if why.contains("did not create it")),
        "{applied:?}"
    );
    for later in &applied[1..] {
        assert!(
            matches!(later, Applied::Skipped(why) if why.starts_with("not applied because")),
            "{later:?}"
        );
    }
    assert_eq!(tree(&h.home), before);
}

#[test]
fn a_file_whose_directory_was_deleted_leaves_the_manifest() {
    let h = home();
    let venv = h.home.join("proj/.venv/lib/site-packages");
    std::fs::create_dir_all(&venv).unwrap();
    std::fs::write(venv.join("sitecustomize.py"), "import os\n").unwrap();
    let change = FileChange {
        path: venv.join("sitecustomize.py"),
        kind: FileKind::MarkedBlock {
            body: vec!["x = 1".into()],
        },
    };
    assert_eq!(apply(&[change], &h.layout).unwrap(), vec![Applied::Written]);
    std::fs::remove_dir_all(h.home.join("proj")).unwrap();
    let undone = undo(&h.layout).unwrap();
    assert_eq!(
        undone,
        vec![(venv.join("sitecustomize.py"), Undone::AlreadyGone)]
    );
    assert!(!h.layout.manifest_path().exists());
}
