//! Machine stage, Python: what one interpreter will import, read from its
//! files — its version (pyvenv.cfg, `lib/pythonX.Y`), its site-packages,
//! the versions of requests/httpx/urllib3/pip/certifi/truststore from their
//! metadata, certifi's bundle file, and whether truststore is injected at
//! start-up (a `sitecustomize.py`, `usercustomize.py` or `.pth` that calls
//! `inject_into_ssl`).
//!
//! It never runs the interpreter and never decides trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::client_facts::{parse_major_minor, PythonFacts};
use crate::machine::clients::{find_on_path, DiscoveryInputs, Lookup};
use crate::machine::memo;

/// Small text files (pyvenv.cfg, .pth, sitecustomize.py) are read up to this.
const MAX_SMALL_FILE: u64 = 256 * 1024;

/// At most this many `.pth` files are read per site-packages directory.
const MAX_PTH_FILES: usize = 64;

/// The packages whose versions decide trust.
pub const PACKAGES: &[&str] = &[
    "requests",
    "httpx",
    "urllib3",
    "pip",
    "certifi",
    "truststore",
    "boto3",
    "botocore",
    "awscli",
];

/// Is `path` something that names an interpreter or a venv? Returns the
/// interpreter to use, or why not.
pub fn interpreter_for(path: &Path) -> Result<PathBuf, String> {
    if memo::is_dir(path) {
        for name in [
            "bin/python3",
            "bin/python",
            "Scripts/python.exe",
            "python.exe",
        ] {
            let candidate = path.join(name);
            if memo::is_file(&candidate) {
                return Ok(candidate);
            }
        }
        return Err(format!(
            "--python '{}': not a Python interpreter or virtual environment (no bin/python3 in it)",
            path.display()
        ));
    }
    let looks_like_python = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("python"));
    if memo::is_file(path) && looks_like_python {
        return Ok(path.to_path_buf());
    }
    Err(format!(
        "--python '{}': not a Python interpreter or virtual environment",
        path.display()
    ))
}

/// Read what `interpreter` would import. `home` locates the user site.
pub fn inspect(interpreter: &Path, found_by: &str, home: Option<&Path>) -> PythonFacts {
    let mut facts = PythonFacts {
        interpreter: interpreter.to_path_buf(),
        found_by: found_by.to_string(),
        ..PythonFacts::default()
    };
    let bin = interpreter.parent().unwrap_or(Path::new("/"));
    let venv_root = [bin.join("pyvenv.cfg"), bin.join("../pyvenv.cfg")]
        .into_iter()
        .find(|p| memo::is_file(p));
    let mut include_system = false;
    let mut base_home: Option<PathBuf> = None;
    if let Some(cfg) = venv_root {
        facts.venv = true;
        facts.prefix = normalize(cfg.parent().unwrap_or(bin));
        match read_small(&cfg) {
            Ok(text) => {
                let cfg = parse_cfg(&text);
                facts.version = cfg
                    .get("version_info")
                    .or_else(|| cfg.get("version"))
                    .map(|v| v.trim_end_matches(".final.0").to_string());
                include_system = cfg
                    .get("include-system-site-packages")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                base_home = cfg.get("home").map(PathBuf::from);
            }
            Err(e) => facts.unknown.push(e),
        }
    } else {
        let real = memo::real(interpreter).unwrap_or(interpreter.to_path_buf());
        facts.prefix = real
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        facts.version = version_from_name(&real);
    }
    if facts.version.is_none() {
        facts.version = single_lib_version(&facts.prefix);
    }
    let Some(xy) = facts.major_minor().map(|(a, b)| format!("{a}.{b}")) else {
        facts.unknown.push(format!(
            "the Python version of {} (no pyvenv.cfg version, no lib/pythonX.Y)",
            interpreter.display()
        ));
        return facts;
    };
    facts.site_packages = site_dirs(&facts, &xy, include_system, base_home.as_deref(), home);
    scan_site_packages(&mut facts, &xy);
    facts
}

/// The site directories in import order.
fn site_dirs(
    facts: &PythonFacts,
    xy: &str,
    include_system: bool,
    base_home: Option<&Path>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    let lib = format!("lib/python{xy}");
    let mut dirs = Vec::new();
    let system = |prefix: &Path, dirs: &mut Vec<PathBuf>| {
        if prefix == Path::new("/usr") {
            dirs.push(PathBuf::from(format!("/usr/local/{lib}/dist-packages")));
            dirs.push(PathBuf::from("/usr/lib/python3/dist-packages"));
        }
        dirs.push(prefix.join(&lib).join("site-packages"));
    };
    if facts.venv {
        dirs.push(facts.prefix.join(&lib).join("site-packages"));
        if include_system {
            if let Some(base) = base_home.and_then(Path::parent) {
                system(base, &mut dirs);
            }
        }
    } else {
        if let Some(home) = home {
            dirs.push(home.join(".local").join(&lib).join("site-packages"));
        }
        system(&facts.prefix, &mut dirs);
    }
    dirs.into_iter().filter(|d| memo::is_dir(d)).collect()
}

/// Packages, certifi, truststore and start-up hooks, first match wins.
fn scan_site_packages(facts: &mut PythonFacts, xy: &str) {
    let mut hooks: Vec<PathBuf> = Vec::new();
    for dir in facts.site_packages.clone() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            facts.unknown.push(format!("cannot list {}", dir.display()));
            continue;
        };
        let mut pth = Vec::new();
        // Whether `certifi` and `pip` are here at all: their bundles are
        // looked for only then (ASCII case aside, as on macOS's disks).
        let (mut has_certifi, mut has_pip) = (false, false);
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            // Names are UTF-8 but for the odd one: validate, not decode.
            let name = file_name
                .to_str()
                .map_or_else(|| file_name.to_string_lossy(), std::borrow::Cow::Borrowed);
            if let Some((pkg, version)) = wanted_dist(&name) {
                if !facts.packages.contains_key(pkg) {
                    facts.packages.insert(pkg.to_string(), version.to_string());
                }
            } else if name.ends_with(".pth") {
                pth.push(entry.path());
            } else if name == "sitecustomize.py" || name == "usercustomize.py" {
                hooks.push(entry.path());
            } else if name.eq_ignore_ascii_case("certifi") {
                has_certifi = true;
            } else if name.eq_ignore_ascii_case("pip") {
                has_pip = true;
            }
        }
        if facts.certifi.is_none() && has_certifi {
            let pem = dir.join("certifi/cacert.pem");
            facts.certifi = memo::is_file(&pem).then_some(pem);
        }
        if facts.pip_certifi.is_none() && has_pip {
            let pem = dir.join("pip/_vendor/certifi/cacert.pem");
            facts.pip_certifi = memo::is_file(&pem).then_some(pem);
        }
        pth.sort();
        hooks.extend(pth.into_iter().take(MAX_PTH_FILES));
    }
    // The interpreter's own sitecustomize (and Debian's /etc/pythonX.Y).
    hooks.push(
        facts
            .prefix
            .join(format!("lib/python{xy}/sitecustomize.py")),
    );
    hooks.push(PathBuf::from(format!("/etc/python{xy}/sitecustomize.py")));
    if facts.packages.contains_key("truststore") {
        facts.truststore_injected_by = hooks.into_iter().find(|h| injects_truststore(h));
    }
}

/// Does this start-up file call truststore's `inject_into_ssl`? A `.pth`
/// runs only its `import` lines.
fn injects_truststore(path: &Path) -> bool {
    let Ok(text) = read_small(path) else {
        return false;
    };
    let is_pth = path.extension().is_some_and(|e| e == "pth");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter(|l| !is_pth || l.starts_with("import ") || l.starts_with("import\t"))
        .any(|l| l.contains("inject_into_ssl"))
}

/// `requests-2.32.3.dist-info` → ("requests", "2.32.3"); also `.egg-info`.
pub fn dist_name_version(dir_name: &str) -> Option<(String, String)> {
    let (name, version) = dist_parts(dir_name)?;
    Some((
        name.to_ascii_lowercase().replace('_', "-"),
        version.to_string(),
    ))
}

/// A `.dist-info`/`.egg-info` name's project and version, as written.
fn dist_parts(dir_name: &str) -> Option<(&str, &str)> {
    let stem = dir_name
        .strip_suffix(".dist-info")
        .or_else(|| dir_name.strip_suffix(".egg-info"))?;
    let (name, rest) = stem.split_once('-')?;
    // egg-info names may carry `-py3.11` after the version.
    let version = rest.split('-').next()?;
    if version.is_empty() || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((name, version))
}

/// [`dist_name_version`] for one of [`PACKAGES`] only, without allocating
/// for the hundreds of other entries a site-packages holds: the name from
/// the table, the version as written.
fn wanted_dist(dir_name: &str) -> Option<(&'static str, &str)> {
    let (name, version) = dist_parts(dir_name)?;
    // PACKAGES are lower-case with no `_`: compare as
    // `name.to_ascii_lowercase().replace('_', "-")` would.
    let same = |pkg: &str| {
        pkg.len() == name.len()
            && pkg.bytes().zip(name.bytes()).all(|(p, n)| {
                let n = if n == b'_' { b'-' } else { n };
                p == n.to_ascii_lowercase()
            })
    };
    PACKAGES.iter().find(|p| same(p)).map(|p| (*p, version))
}

/// `python3.11` → `3.11`.
fn version_from_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let v = name.strip_prefix("python")?;
    parse_major_minor(v).map(|(a, b)| format!("{a}.{b}"))
}

/// The one `lib/pythonX.Y` under `prefix`, if there is exactly one.
fn single_lib_version(prefix: &Path) -> Option<String> {
    let found: Vec<String> = std::fs::read_dir(prefix.join("lib"))
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| {
            n.strip_prefix("python")
                .and_then(|v| parse_major_minor(v).map(|(a, b)| format!("{a}.{b}")))
        })
        .collect();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `key = value` lines (pyvenv.cfg).
fn parse_cfg(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// Remove `..` components lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A small text file, bounded; the error in words.
pub fn read_small(path: &Path) -> Result<String, String> {
    memo::read_text(path, MAX_SMALL_FILE)
}

/// Every interpreter found: `--python`, `VIRTUAL_ENV`, `CONDA_PREFIX`, a
/// `.venv` in the working directory, `python3`/`python` on PATH, and the
/// interpreters that `pip` and `aws` on PATH name in their first line.
/// One entry per prefix, first finder wins.
pub fn find_interpreters(inputs: &DiscoveryInputs) -> Vec<PythonFacts> {
    let home = inputs.home.as_deref();
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    for p in &inputs.pythons {
        if let Ok(i) = interpreter_for(p) {
            candidates.push((i, "--python".into()));
        }
    }
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(dir) = inputs.nonempty(var) {
            if let Ok(i) = interpreter_for(Path::new(dir)) {
                candidates.push((i, var.into()));
            }
        }
    }
    let dot_venv = inputs.cwd.join(".venv");
    if memo::is_file(&dot_venv.join("pyvenv.cfg")) {
        if let Ok(i) = interpreter_for(&dot_venv) {
            candidates.push((i, ".venv".into()));
        }
    }
    for name in ["python3", "python"] {
        if let Lookup::Found(exe, manager) = find_on_path(inputs, name) {
            let by = match manager {
                Some(v) => format!("PATH ({name}, selected version {v})"),
                None => format!("PATH ({name})"),
            };
            candidates.push((exe, by));
        }
    }
    for name in ["pip", "pip3", "aws"] {
        if let Lookup::Found(exe, _) = find_on_path(inputs, name) {
            if let Some(i) = shebang_interpreter(inputs, &exe) {
                candidates.push((i, format!("{name} on PATH")));
            }
        }
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for (interpreter, by) in candidates {
        // One entry per environment, decided before its files are read.
        let key = identity(&interpreter);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let mut facts = inspect(&interpreter, &by, home);
        if let Some(v) = by
            .strip_suffix(')')
            .and_then(|b| b.rsplit_once("selected version "))
        {
            if parse_major_minor(v.1) == facts.major_minor() {
                facts.version = Some(v.1.to_string());
            }
        }
        out.push(facts);
    }
    out
}

/// What makes two interpreter paths the same environment: the venv's root
/// (a venv's python links to its base interpreter), else the real file.
fn identity(interpreter: &Path) -> PathBuf {
    let bin = interpreter.parent().unwrap_or(Path::new("/"));
    let root = [bin.to_path_buf(), bin.join("..")]
        .into_iter()
        .find(|d| memo::is_file(&d.join("pyvenv.cfg")));
    let path = root.unwrap_or_else(|| interpreter.to_path_buf());
    memo::real(&path).unwrap_or(path)
}

/// The Python interpreter a script's `#!` line names, if any.
pub fn shebang_interpreter(inputs: &DiscoveryInputs, script: &Path) -> Option<PathBuf> {
    let head = memo::head(script, 256)?;
    let line = head.strip_prefix(b"#!")?;
    let line = std::str::from_utf8(line.split(|&b| b == b'\n').next()?).ok()?;
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let program = if first.ends_with("/env") {
        let name = words.find(|w| !w.starts_with('-'))?;
        match find_on_path(inputs, name) {
            Lookup::Found(exe, _) => exe,
            _ => return None,
        }
    } else {
        PathBuf::from(first)
    };
    let is_python = program
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("python"));
    (is_python && memo::is_file(&program)).then_some(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_info_names_give_package_and_version() {
        assert_eq!(
            dist_name_version("requests-2.32.3.dist-info"),
            Some(("requests".into(), "2.32.3".into()))
        );
        assert_eq!(
            dist_name_version("Truststore-0.10.1.dist-info"),
            Some(("truststore".into(), "0.10.1".into()))
        );
        assert_eq!(
            dist_name_version("requests-2.28.1.egg-info"),
            Some(("requests".into(), "2.28.1".into()))
        );
        assert_eq!(dist_name_version("requests"), None);
        assert_eq!(dist_name_version("x-abc.dist-info"), None);
    }

    #[test]
    fn wanted_dist_agrees_with_dist_name_version_on_the_packages() {
        for name in [
            "requests-2.32.3.dist-info",
            "Truststore-0.10.1.dist-info",
            "AWSCLI-1.45.11.dist-info",
            "aws_cli-1.0.dist-info",
            "requests-2.28.1-py3.11.egg-info",
            "requests_toolbelt-1.0.0.dist-info",
            "request-1.0.dist-info",
            "httpx-abc.dist-info",
            "pip-24.2.dist-info",
            "pip",
            "certifi-2025.8.3.dist-info",
            "certifi",
            "urllib3-2.7.0.egg-info",
            "Pip-24.2.dist-info",
            "pİp-1.0.dist-info",
            "botocore-1.43.11.dist-info",
        ] {
            let wanted = dist_name_version(name).filter(|(p, _)| PACKAGES.contains(&p.as_str()));
            let fast = wanted_dist(name).map(|(p, v)| (p.to_string(), v.to_string()));
            assert_eq!(fast, wanted, "{name}");
        }
    }

    #[test]
    fn a_venv_s_packages_and_bundles_are_read_from_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path();
        let site = venv.join("lib/python3.12/site-packages");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python3"), "").unwrap();
        std::fs::write(venv.join("pyvenv.cfg"), "version_info = 3.12.4\n").unwrap();
        for d in [
            "requests-2.32.3.dist-info",
            "Truststore-0.10.1.dist-info",
            "certifi-2025.8.3.dist-info",
            "pip/_vendor/certifi",
        ] {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        std::fs::write(site.join("pip/_vendor/certifi/cacert.pem"), "").unwrap();
        std::fs::write(
            site.join("zz.pth"),
            "import truststore; truststore.inject_into_ssl()\n",
        )
        .unwrap();
        let read = || memo::scope(|| inspect(&venv.join("bin/python3"), "--python", None));
        let facts = read();
        assert_eq!(facts.version.as_deref(), Some("3.12.4"));
        assert_eq!(facts.site_packages, vec![site.clone()]);
        assert_eq!(facts.package("requests"), Some("2.32.3"));
        assert_eq!(facts.package("truststore"), Some("0.10.1"));
        // certifi's metadata without its package: no bundle.
        assert_eq!(facts.certifi, None);
        assert_eq!(
            facts.pip_certifi,
            Some(site.join("pip/_vendor/certifi/cacert.pem"))
        );
        assert_eq!(facts.truststore_injected_by, Some(site.join("zz.pth")));
        std::fs::create_dir_all(site.join("certifi")).unwrap();
        std::fs::write(site.join("certifi/cacert.pem"), "").unwrap();
        assert_eq!(read().certifi, Some(site.join("certifi/cacert.pem")));
    }

    #[test]
    fn versions_parse_to_major_minor() {
        assert_eq!(parse_major_minor("3.11.7"), Some((3, 11)));
        assert_eq!(parse_major_minor("3.13"), Some((3, 13)));
        assert_eq!(parse_major_minor("3.13t"), Some((3, 13)));
        assert_eq!(parse_major_minor("3"), None);
    }

    #[test]
    fn only_import_lines_of_a_pth_inject() {
        let dir = tempfile::tempdir().unwrap();
        let pth = dir.path().join("a.pth");
        std::fs::write(&pth, "# inject_into_ssl\n/some/path\n").unwrap();
        assert!(!injects_truststore(&pth));
        std::fs::write(&pth, "import truststore; truststore.inject_into_ssl()\n").unwrap();
        assert!(injects_truststore(&pth));
        let site = dir.path().join("sitecustomize.py");
        std::fs::write(&site, "import truststore\n# truststore.inject_into_ssl()\n").unwrap();
        assert!(!injects_truststore(&site));
    }
}
