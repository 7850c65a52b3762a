//! Where each tool's configuration file is on this machine, from
//! [`crate::knowledge::CONFIG_LOCATIONS`] and the variables that move them.
//!
//! Owns resolving locations; must not read the files (see `files`) or judge them.

use std::path::{Path, PathBuf};

use crate::knowledge::configs::{Base, CONFIG_LOCATIONS};

/// Where each tool's user configuration lives, in the order the tool reads
/// them (all are listed so the report can say which were looked at).
pub fn config_locations(
    home: Option<&Path>,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Vec<(&'static str, PathBuf)> {
    let env_path = |name: &str| getenv(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let xdg = env_path("XDG_CONFIG_HOME").or_else(|| home.map(|h| h.join(".config")));
    let appdata = env_path("APPDATA");
    let mut out = Vec::new();
    for location in CONFIG_LOCATIONS {
        if let Some(p) = env_path(location.override_var) {
            let p = match location.override_file {
                Some(file) => p.join(file),
                None => p,
            };
            out.push((location.tool, p));
            continue;
        }
        for (base, parts) in location.defaults {
            let base = match base {
                Base::Home => home.map(Path::to_path_buf),
                Base::XdgConfig => xdg.clone(),
                Base::AppData => appdata.clone(),
            };
            if let Some(mut path) = base {
                path.extend(parts.iter());
                out.push((location.tool, path));
            }
        }
    }
    out
}
