//! Machine reads for `fix`: the home directory, the XDG directories, the
//! shell profiles to hold the variables block, and the venvs the user named
//! (`--python`, `VIRTUAL_ENV`, a `.venv` in the working directory).
//!
//! Reads files and environment variables only; spawns nothing, decides
//! nothing about trust.

use std::path::{Path, PathBuf};

use crate::knowledge::clients::major_minor;
use crate::knowledge::clients_python::site_packages;
use crate::knowledge::{Os, Shell};

/// The environment variables `fix` reads, passed in so callers and tests
/// can say exactly what they are.
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    pub home: Option<PathBuf>,
    pub xdg_state_home: Option<String>,
    pub xdg_data_home: Option<String>,
    pub xdg_config_home: Option<String>,
    pub shell: Option<String>,
    pub zdotdir: Option<String>,
    pub virtual_env: Option<PathBuf>,
    pub cwd: Option<PathBuf>,
    /// `NODE_OPTIONS` now: a flag `fix` adds goes after what is there.
    pub node_options: Option<String>,
}

impl EnvVars {
    /// Read them from this process's environment.
    pub fn from_process() -> EnvVars {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let home = if cfg!(windows) {
            var("USERPROFILE")
        } else {
            var("HOME")
        };
        EnvVars {
            home: home.map(PathBuf::from),
            xdg_state_home: var("XDG_STATE_HOME"),
            xdg_data_home: var("XDG_DATA_HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            shell: var("SHELL"),
            zdotdir: var("ZDOTDIR"),
            virtual_env: var("VIRTUAL_ENV").map(PathBuf::from),
            cwd: std::env::current_dir().ok(),
            node_options: var("NODE_OPTIONS"),
        }
    }
}

/// This platform, for the choice.
pub fn current_os() -> Os {
    if cfg!(windows) {
        Os::Windows
    } else if cfg!(target_os = "macos") {
        Os::MacOs
    } else {
        Os::Linux
    }
}

/// The shell profiles that get tlsdoctor's block: each shell whose profile
/// exists or that is the login shell (`$SHELL`); bash's when none is known.
pub fn profiles(env: &EnvVars, home: &Path, os: Os) -> Vec<(Shell, PathBuf)> {
    if os == Os::Windows {
        return vec![(
            Shell::PowerShell,
            home.join("Documents/PowerShell/Microsoft.PowerShell_profile.ps1"),
        )];
    }
    let login = env.shell.as_deref().unwrap_or("");
    let is = |name: &str| Path::new(login).file_name().is_some_and(|n| n == name);
    let config = env
        .xdg_config_home
        .as_deref()
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    let zdot = env
        .zdotdir
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| home.to_path_buf());
    let mut out = Vec::new();
    let bashrc = home.join(".bashrc");
    if bashrc.exists() || is("bash") {
        out.push((Shell::Posix, bashrc.clone()));
    }
    let zshrc = zdot.join(".zshrc");
    if zshrc.exists() || is("zsh") {
        out.push((Shell::Posix, zshrc));
    }
    if config.join("fish").is_dir() || is("fish") {
        out.push((Shell::Fish, config.join("fish/conf.d/tlsdoctor.fish")));
    }
    if out.is_empty() {
        out.push((Shell::Posix, bashrc));
    }
    out
}

/// A base interpreter's installs are managed by the system (PEP 668): its
/// standard library directory holds `EXTERNALLY-MANAGED`, and pip refuses to
/// install there. A venv never is.
pub fn externally_managed(py: &crate::client_facts::PythonFacts) -> bool {
    if py.venv {
        return false;
    }
    let Some((major, minor)) = py.major_minor() else {
        return false;
    };
    let stdlib = if cfg!(windows) {
        py.prefix.join("Lib")
    } else {
        py.prefix.join("lib").join(format!("python{major}.{minor}"))
    };
    stdlib.join("EXTERNALLY-MANAGED").is_file()
}

/// The `*.dist-info` directory of `package` installed in the venv whose
/// interpreter is `python` (`VENV/bin/python`), if any.
pub fn dist_info(python: &Path, package: &str) -> Option<PathBuf> {
    let venv = python.parent()?.parent()?;
    let prefix = format!("{}-", package.to_ascii_lowercase().replace('-', "_"));
    let sites: Vec<PathBuf> = if cfg!(windows) {
        vec![venv.join("Lib").join("site-packages")]
    } else {
        std::fs::read_dir(venv.join("lib"))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("site-packages"))
            .collect()
    };
    sites.iter().find_map(|site| {
        std::fs::read_dir(site)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| {
                let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                name.starts_with(&prefix) && name.ends_with(".dist-info")
            })
            .map(|e| e.path())
    })
}

/// A venv found for `fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venv {
    pub dir: PathBuf,
    pub python: PathBuf,
    pub version: Option<(u32, u32)>,
    pub site_packages: Option<PathBuf>,
    /// How it was found (`--python`, `VIRTUAL_ENV`, `.venv`).
    pub found_by: String,
}

/// The venv an interpreter path or venv directory belongs to, if it is one.
pub fn venv_of(path: &Path, found_by: &str) -> Option<Venv> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()?.parent()?.to_path_buf()
    };
    let cfg = std::fs::read_to_string(dir.join("pyvenv.cfg")).ok()?;
    let version = cfg.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        matches!(key.trim(), "version" | "version_info")
            .then(|| major_minor(value.trim()))
            .flatten()
    });
    let windows = cfg!(windows);
    let python = if windows {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    };
    let site_packages = version
        .map(|v| site_packages(&dir, v, windows))
        .filter(|p| p.is_dir());
    Some(Venv {
        dir,
        python,
        version,
        site_packages,
        found_by: found_by.to_string(),
    })
}

/// The venvs the user named or that the environment points at, each once.
pub fn venvs(env: &EnvVars, named: &[PathBuf]) -> (Vec<Venv>, Vec<String>) {
    let mut found: Vec<Venv> = Vec::new();
    let mut problems = Vec::new();
    for p in named {
        match venv_of(p, "--python") {
            Some(v) => found.push(v),
            None => problems.push(format!(
                "--python {}: a base interpreter, not a venv (no pyvenv.cfg): tlsdoctor changes it only when it lies in your home and is not externally managed (PEP 668)",
                p.display()
            )),
        }
    }
    let implicit = [
        (env.virtual_env.clone(), "VIRTUAL_ENV"),
        (env.cwd.as_ref().map(|c| c.join(".venv")), ".venv"),
    ];
    for (path, by) in implicit {
        if let Some(v) = path.filter(|p| p.is_dir()).and_then(|p| venv_of(&p, by)) {
            found.push(v);
        }
    }
    let mut seen = Vec::new();
    found.retain(|v| {
        let key = std::fs::canonicalize(&v.dir).unwrap_or_else(|_| v.dir.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    (found, problems)
}
