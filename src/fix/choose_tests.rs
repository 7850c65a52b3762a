//! Unit tests of the choice per failing client.

use super::*;

fn client(
    id: &str,
    version: Option<&str>,
    py: Option<(u32, u32)>,
    venv: Option<&str>,
) -> FailingClient {
    FailingClient {
        client: id.into(),
        executable: PathBuf::from(format!("/usr/bin/{id}")),
        version: version.map(str::to_string),
        interpreter: venv.map(|v| PathBuf::from(v).join("bin/python")),
        python_version: py,
        venv: venv.map(PathBuf::from),
        site_packages: None,
        base_prefix: None,
        externally_managed: false,
    }
}

fn facts() -> CertFacts {
    CertFacts::from_der(webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref())
}

fn with_ctx<R>(root: Option<NeededRoot>, f: impl FnOnce(&Context) -> R) -> R {
    let mozilla: Vec<&[u8]> = webpki_root_certs::TLS_SERVER_ROOT_CERTS[1..3]
        .iter()
        .map(|c| c.as_ref())
        .collect();
    let ctx = Context {
        target: "api.example.com:443",
        home: Path::new("/home/u"),
        data_dir: Path::new("/home/u/.local/share/tlsdoctor"),
        os: Os::Linux,
        profiles: vec![
            (Shell::Posix, PathBuf::from("/home/u/.bashrc")),
            (
                Shell::Fish,
                PathBuf::from("/home/u/.config/fish/conf.d/tlsdoctor.fish"),
            ),
        ],
        root,
        include_self_signed: false,
        kept_roots: Vec::new(),
        mozilla: &mozilla,
        mozilla_source: "webpki-root-certs",
        node_options: None,
    };
    f(&ctx)
}

fn root(f: &CertFacts, in_os: bool) -> NeededRoot<'_> {
    NeededRoot {
        facts: f,
        in_os_store: in_os,
        self_signed_leaf: false,
        public_key: None,
        breaks_strict: false,
    }
}

#[test]
fn node_switches_by_version() {
    assert_eq!(
        node_system_ca((22, 19), Os::Linux),
        Some(("NODE_USE_SYSTEM_CA", "1"))
    );
    assert_eq!(
        node_system_ca((24, 6), Os::Linux),
        Some(("NODE_USE_SYSTEM_CA", "1"))
    );
    assert_eq!(
        node_system_ca((22, 15), Os::Linux),
        Some(("NODE_OPTIONS", "--use-system-ca"))
    );
    assert_eq!(node_system_ca((23, 8), Os::Linux), None);
    assert_eq!(
        node_system_ca((23, 8), Os::MacOs),
        Some(("NODE_OPTIONS", "--use-system-ca"))
    );
    assert_eq!(
        node_system_ca((24, 5), Os::Linux),
        Some(("NODE_OPTIONS", "--use-system-ca"))
    );
    assert_eq!(node_system_ca((20, 20), Os::Linux), None);
    assert_eq!(major_minor("v22.19.0"), Some((22, 19)));
}

#[test]
fn venv_python_gets_sitecustomize_and_truststore_when_the_os_store_has_the_root() {
    let f = facts();
    let plan = with_ctx(Some(root(&f, true)), |ctx| {
        plan(
            ctx,
            &[
                client("python-httpx", None, Some((3, 12)), Some("/p/.venv")),
                client("python-requests", None, Some((3, 12)), Some("/p/.venv")),
            ],
        )
    });
    assert_eq!(
        plan.files.len(),
        1,
        "one sitecustomize for the venv: {plan:?}"
    );
    assert_eq!(
        plan.files[0].path,
        PathBuf::from("/p/.venv/lib/python3.12/site-packages/sitecustomize.py")
    );
    let installs = plan
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::PipInstall { .. }))
        .count();
    assert_eq!(installs, 1);
}

#[test]
fn old_python_and_node_share_one_profile_block_and_one_bundle() {
    let f = facts();
    let plan = with_ctx(Some(root(&f, true)), |ctx| {
        plan(
            ctx,
            &[
                client("python-requests", None, Some((3, 9)), Some("/p/.venv")),
                client("node", Some("v20.20.0"), None, None),
                client("node", Some("v22.19.0"), None, None),
            ],
        )
    });
    let paths: Vec<_> = plan
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/home/u/.local/share/tlsdoctor/ca-bundle.pem",
            "/home/u/.bashrc",
            "/home/u/.config/fish/conf.d/tlsdoctor.fish"
        ]
    );
    let bash = plan.files[1].lines().join("\n");
    for want in [
        "export SSL_CERT_FILE='/home/u/.local/share/tlsdoctor/ca-bundle.pem'",
        "export REQUESTS_CA_BUNDLE=",
        "export NODE_EXTRA_CA_CERTS=",
        "export NODE_USE_SYSTEM_CA='1'",
    ] {
        assert!(bash.contains(want), "{want} in {bash}");
    }
}

#[test]
fn node_options_gets_the_flag_added_to_what_the_user_set_never_replaced() {
    let f = facts();
    let node = client("node", Some("v24.5.0"), None, None);
    let run = |now: Option<&str>| {
        with_ctx(Some(root(&f, true)), |ctx| {
            let ctx = Context {
                node_options: now.map(str::to_string),
                ..ctx.clone()
            };
            plan(&ctx, std::slice::from_ref(&node))
        })
    };
    let plan = run(Some("--max-old-space-size=64"));
    assert_eq!(
        plan.env,
        [(
            "NODE_OPTIONS".to_string(),
            "--max-old-space-size=64 --use-system-ca".to_string()
        )]
    );
    let bash = plan.files[0].lines().join("\n");
    assert!(
        bash.contains(r#"export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--use-system-ca""#),
        "{bash}"
    );
    assert!(!bash.contains("export NODE_OPTIONS='"), "{bash}");
    let fish = plan.files[1].lines().join("\n");
    assert!(fish.contains("or set -gx NODE_OPTIONS"), "{fish}");
    // Already there: the value stays as it is.
    let plan = run(Some("--use-system-ca --trace-warnings"));
    assert_eq!(plan.env[0].1, "--use-system-ca --trace-warnings");
    let plan = run(None);
    assert_eq!(plan.env[0].1, "--use-system-ca");
    assert_eq!(with_flag(Some("  "), "--x"), "--x");
}

#[test]
fn strict_python_on_linux_is_refused_with_options() {
    let f = facts();
    let mut r = root(&f, true);
    r.breaks_strict = true;
    let plan = with_ctx(Some(r), |ctx| {
        plan(
            ctx,
            &[client(
                "python-httpx",
                None,
                Some((3, 13)),
                Some("/p/.venv"),
            )],
        )
    });
    assert!(plan.files.is_empty());
    assert_eq!(plan.refusals.len(), 1);
    assert_eq!(plan.refusals[0].options.len(), 2);
}

#[test]
fn a_public_key_root_and_an_unasked_self_signed_leaf_are_refused() {
    let f = facts();
    let mut r = root(&f, true);
    r.public_key = Some("eDellRoot".into());
    let p = with_ctx(Some(r), |ctx| plan(ctx, &[client("git", None, None, None)]));
    assert!(p.files.is_empty() && p.items.is_empty());
    assert!(p.refusals[0].reason.contains("private key is public"));
    let mut r = root(&f, true);
    r.self_signed_leaf = true;
    let p = with_ctx(Some(r), |ctx| plan(ctx, &[client("git", None, None, None)]));
    assert!(p.files.is_empty());
    assert!(p.refusals[0].options[0].contains("--include-self-signed"));
}

#[test]
fn config_keys_point_at_the_bundle_and_uv_needs_the_os_store() {
    let f = facts();
    let p = with_ctx(Some(root(&f, false)), |ctx| {
        plan(
            ctx,
            &[
                client("pip", None, None, None),
                client("npm", None, None, None),
                client("git", None, None, None),
                client("aws", None, None, None),
                client("cargo", None, None, None),
                client("conda", None, None, None),
                client("uv", None, None, None),
            ],
        )
    });
    assert_eq!(
        p.files.len(),
        8,
        "bundle + six configs + the root for uv's command: {:?}",
        p.files
    );
    assert!(p.refusals.is_empty());
    let uv = p.items.iter().find(|i| i.client == "uv").unwrap();
    let Change::Command { command, .. } = &uv.change else {
        panic!("{uv:?}")
    };
    assert!(
        command.starts_with("sudo cp '/home/u/.local/share/tlsdoctor/root-"),
        "{command}"
    );
    assert!(command.ends_with("&& sudo update-ca-certificates"));
    let cargo = p
        .files
        .iter()
        .find(|f| f.path.ends_with(".cargo/config.toml"))
        .unwrap();
    assert_eq!(
        cargo.new_text(None).unwrap(),
        "[http]\ncainfo = \"/home/u/.local/share/tlsdoctor/ca-bundle.pem\"\n"
    );
}

#[test]
fn a_base_interpreter_is_fixed_like_a_venv_only_in_the_home_and_never_installed_into_under_pep_668()
{
    let f = facts();
    let base = |prefix: &str, managed: bool| FailingClient {
        client: "python-requests".into(),
        executable: PathBuf::from(format!("{prefix}/bin/python3.12")),
        version: None,
        interpreter: Some(PathBuf::from(format!("{prefix}/bin/python3.12"))),
        python_version: Some((3, 12)),
        venv: None,
        site_packages: None,
        base_prefix: Some(PathBuf::from(prefix)),
        externally_managed: managed,
    };
    let plan_for = |c: FailingClient| with_ctx(Some(root(&f, true)), |ctx| plan(ctx, &[c]));
    let installs = |p: &FixPlan| {
        p.items
            .iter()
            .filter(|i| matches!(i.change, Change::PipInstall { .. }))
            .count()
    };

    // pyenv in the home: truststore in its own site-packages.
    let pyenv = plan_for(base("/home/u/.pyenv/versions/3.12.1", false));
    assert_eq!(installs(&pyenv), 1, "{pyenv:?}");
    assert_eq!(
        pyenv.files[0].path,
        PathBuf::from(
            "/home/u/.pyenv/versions/3.12.1/lib/python3.12/site-packages/sitecustomize.py"
        )
    );

    // Externally managed (PEP 668): no install; the variables, and a venv
    // command printed for the user.
    let system = plan_for(base("/usr", true));
    assert_eq!(installs(&system), 0, "{system:?}");
    assert!(system.files.iter().all(|f| f.path.starts_with("/home/u")));
    let commands: Vec<&str> = system
        .items
        .iter()
        .filter_map(|i| match &i.change {
            Change::Command { command, .. } => Some(command.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        commands,
        ["/usr/bin/python3.12 -m venv .venv && .venv/bin/python -m pip install 'truststore>=0.10.1,<1' && tlsdoctor fix api.example.com:443 --python .venv --apply"]
    );
    assert!(system.items.iter().any(|i| i.why.contains("PEP 668")));
    assert!(!format!("{system:?}").contains("--break-system-packages"));
    assert!(!format!("{system:?}").contains("sudo"));

    // Neither in the home nor managed (/opt): the variables only.
    let opt = plan_for(base("/opt/python", false));
    assert_eq!(installs(&opt), 0);
    assert!(opt
        .items
        .iter()
        .all(|i| matches!(i.change, Change::File { .. })));
    assert_eq!(sh_quote_for_tests("it's"), r"'it'\''s'");
}

fn sh_quote_for_tests(s: &str) -> String {
    super::choose_python::sh_quote(s)
}

#[test]
fn curl_gets_the_bundle_in_its_curlrc_quoted() {
    let f = facts();
    let plan = with_ctx(Some(root(&f, true)), |ctx| {
        let ctx = Context {
            data_dir: Path::new("/home/u/my data"),
            ..ctx.clone()
        };
        plan(&ctx, &[client("curl", None, None, None)])
    });
    let curlrc = plan
        .files
        .iter()
        .find(|f| f.path == Path::new("/home/u/.curlrc"))
        .expect("a .curlrc change");
    assert_eq!(curlrc.lines(), ["cacert=\"/home/u/my data/ca-bundle.pem\""]);
}
