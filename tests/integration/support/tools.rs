//! The outside programs `build.rs` found for the tests (see `main.rs`).
//!
//! A test that needs one carries `#[cfg_attr(not(tool_NAME), ignore = "…")]`
//! and asks for its path here; when the test runs although the tool was not
//! found (`TLSDOCTOR_REQUIRE_TOOLS=1`), asking fails the test with what to install.

use std::path::PathBuf;

/// The path `build.rs` found for `name`, or a failure naming what to install.
pub fn tool(name: &str) -> PathBuf {
    let found = match name {
        "nginx" => option_env!("TLSDOCTOR_TOOL_NGINX"),
        "openssl" => option_env!("TLSDOCTOR_TOOL_OPENSSL"),
        "mitmdump" => option_env!("TLSDOCTOR_TOOL_MITMDUMP"),
        "curl" => option_env!("TLSDOCTOR_TOOL_CURL"),
        "git" => option_env!("TLSDOCTOR_TOOL_GIT"),
        "node" => option_env!("TLSDOCTOR_TOOL_NODE"),
        "python3" => option_env!("TLSDOCTOR_TOOL_PYTHON3"),
        "limbo" => option_env!("TLSDOCTOR_TOOL_LIMBO"),
        "compromised_cas" => option_env!("TLSDOCTOR_TOOL_COMPROMISED_CAS"),
        "pyca_python" => option_env!("TLSDOCTOR_TOOL_PYCA_PYTHON"),
        "unshare" => option_env!("TLSDOCTOR_TOOL_UNSHARE"),
        "java" => option_env!("TLSDOCTOR_TOOL_JAVA"),
        "keytool" => option_env!("TLSDOCTOR_TOOL_KEYTOOL"),
        "py311" => option_env!("TLSDOCTOR_TOOL_PY311"),
        "py313" => option_env!("TLSDOCTOR_TOOL_PY313"),
        "node24" => option_env!("TLSDOCTOR_TOOL_NODE24"),
        "node22" => option_env!("TLSDOCTOR_TOOL_NODE22"),
        "node23" => option_env!("TLSDOCTOR_TOOL_NODE23"),
        "node24_4" => option_env!("TLSDOCTOR_TOOL_NODE24_4"),
        "node24_5" => option_env!("TLSDOCTOR_TOOL_NODE24_5"),
        "fix_wheels" => option_env!("TLSDOCTOR_TOOL_FIX_WHEELS"),
        other => panic!("no such tool in build.rs: {other}"),
    };
    match found {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "{name} is required (TLSDOCTOR_REQUIRE_TOOLS=1) but was not found when the tests \
             were built; .ci/run installs it (then `touch build.rs`)"
        ),
    }
}
