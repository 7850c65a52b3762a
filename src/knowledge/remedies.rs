//! Remedies: the safe fix per tool when a chain ends at a CA the tool does
//! not trust, how to obtain a missing root, and the tempting fixes to avoid.
//!
//! Pure: builds [`Remedy`] values from a [`TrustGap`]; must not do I/O.

use super::shell::quote;
use super::*;
use crate::findings::Remedy;

fn remedy(ecosystem: &str, action: String, commands: Vec<String>) -> Remedy {
    Remedy {
        ecosystem: ecosystem.to_string(),
        action,
        commands,
        avoid: false,
    }
}

fn avoid(ecosystem: &str, action: &str, commands: &[&str]) -> Remedy {
    Remedy {
        ecosystem: ecosystem.to_string(),
        action: action.to_string(),
        commands: commands.iter().map(|c| c.to_string()).collect(),
        avoid: true,
    }
}

/// A file name for the CA's PEM: "Zscaler Root CA" → "zscaler-root-ca".
pub(super) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "ca".to_string()
    } else {
        out.chars().take(48).collect()
    }
}

/// `host:port` for `openssl s_client`: 443 unless the host names a port.
pub(super) fn connect_target(host: &str) -> String {
    if host.starts_with('[') {
        if host.contains("]:") {
            host.to_string()
        } else {
            format!("{host}:443")
        }
    } else if host.matches(':').count() > 1 {
        format!("[{host}]:443")
    } else if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:443")
    }
}

/// How a set of commands is spelled on one platform, and where files go.
struct Ctx<'g, 'a> {
    gap: &'g TrustGap<'a>,
    p: Platform,
    /// The OS store trusts the CA, or will once the first remedy is done.
    os_ok: bool,
    /// The CA's PEM alone.
    root: String,
    /// Public roots plus the CA, as one PEM.
    bundle: String,
    /// On Linux the system bundle already is the combined bundle.
    system_bundle: bool,
    slug: String,
}

impl<'g, 'a> Ctx<'g, 'a> {
    fn new(gap: &'g TrustGap<'a>) -> Self {
        let p = gap.platform;
        let self_signed = gap.situation == Situation::SelfSigned;
        let os_ok = gap.in_os_store || !self_signed;
        let slug = slug(gap.ca_name);
        let sep = if p.powershell() { '\\' } else { '/' };
        let mkcert = gap.ca_name.to_ascii_lowercase().starts_with("mkcert");
        let root = if mkcert && gap.in_os_store {
            format!("$(mkcert -CAROOT){sep}rootCA.pem")
        } else {
            format!("$HOME{sep}certs{sep}{slug}.pem")
        };
        let system_bundle = p == Platform::Linux && os_ok;
        let bundle = if system_bundle {
            DEBIAN_SYSTEM_BUNDLE.to_string()
        } else {
            format!("$HOME{sep}certs{sep}ca-bundle.pem")
        };
        Ctx {
            gap,
            p,
            os_ok,
            root,
            bundle,
            system_bundle,
            slug,
        }
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        if self.p.powershell() {
            format!("$env:{name} = \"{value}\"")
        } else {
            format!("export {name}=\"{value}\"")
        }
    }

    fn python(&self) -> &'static str {
        if self.p.powershell() {
            "python"
        } else {
            "python3"
        }
    }

    fn mkdir_certs(&self) -> String {
        if self.p.powershell() {
            "New-Item -ItemType Directory -Force \"$HOME\\certs\" | Out-Null".to_string()
        } else {
            "mkdir -p \"$HOME/certs\"".to_string()
        }
    }

    fn ca(&self) -> &str {
        self.gap.ca_name
    }

    /// Commands that add the root to the OS store.
    fn install_commands(&self) -> Vec<String> {
        let root = &self.root;
        match self.p {
            Platform::Linux => vec![
                format!(
                    "sudo cp \"{root}\" /usr/local/share/ca-certificates/{}.crt && sudo update-ca-certificates",
                    self.slug
                ),
                format!(
                    "# RHEL/Fedora: sudo cp \"{root}\" /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust"
                ),
            ],
            Platform::MacOs => vec![format!(
                "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \"{root}\""
            )],
            Platform::Windows => vec![format!("certutil -addstore Root \"{root}\"  # elevated PowerShell")],
            Platform::Other => vec![format!("# add \"{root}\" to the system trust store")],
        }
    }

    /// Commands that write the CA's PEM, exported from the OS store, to `root`.
    fn export_commands(&self) -> Vec<String> {
        let root = &self.root;
        let name = self.ca();
        match self.p {
            Platform::Linux => vec![
                self.mkdir_certs(),
                format!(
                    "openssl crl2pkcs7 -nocrl -certfile {DEBIAN_SYSTEM_BUNDLE} | openssl pkcs7 -print_certs \
                     | awk -v cn={} '/^subject=/ && (index($0, \"CN = \" cn) || index($0, \"CN=\" cn)) {{p=1}} \
                     p && /BEGIN CERT/ {{q=1}} q; q && /END CERT/ {{exit}}' > \"{root}\"",
                    quote(self.p, name)
                ),
            ],
            Platform::MacOs => vec![
                self.mkdir_certs(),
                format!(
                    "security find-certificate -a -p -c {} /Library/Keychains/System.keychain > \"{root}\"",
                    quote(self.p, name)
                ),
            ],
            Platform::Windows => vec![
                self.mkdir_certs(),
                format!(
                    "$c = Get-ChildItem Cert:\\LocalMachine\\Root, Cert:\\CurrentUser\\Root \
                     | Where-Object {{ $_.Subject.Contains({}) }} | Select-Object -First 1",
                    quote(self.p, &format!("CN={name}"))
                ),
                format!(
                    "Set-Content -Encoding ascii \"{root}\" (\"-----BEGIN CERTIFICATE-----`n\" + \
                     [Convert]::ToBase64String($c.RawData, 'InsertLineBreaks') + \"`n-----END CERTIFICATE-----\")"
                ),
            ],
            Platform::Other => vec![format!("# export {name} from the OS store as PEM to \"{root}\"")],
        }
    }

    /// Commands that save the server's self-signed certificate to `root`.
    fn fetch_leaf_commands(&self) -> Vec<String> {
        let host = self.gap.host;
        let target = connect_target(host);
        let sni = host
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or(host);
        let sni = if host.starts_with('[') || host.matches(':').count() > 1 {
            sni.to_string()
        } else {
            sni.split(':').next().unwrap_or(sni).to_string()
        };
        let fetch = if self.p.powershell() {
            format!(
                "$null | openssl s_client -connect {target} -servername {sni} 2>$null | openssl x509 -out \"{}\"",
                self.root
            )
        } else {
            format!(
                "openssl s_client -connect {target} -servername {sni} </dev/null 2>/dev/null | openssl x509 -out \"{}\"",
                self.root
            )
        };
        vec![self.mkdir_certs(), fetch]
    }
}

/// Safe fixes, one [`Remedy`] per ecosystem (after one or two shared first
/// steps: get the CA's PEM, build a combined bundle), most common first.
/// None has `avoid` set; see [`fixes_to_avoid`] for those.
pub fn trust_remedies(gap: &TrustGap) -> Vec<Remedy> {
    let c = Ctx::new(gap);
    let mut out = Vec::new();
    if gap.situation == Situation::SelfSigned {
        out.push(mkcert_instead(&c));
    }
    out.push(first_step(&c));
    if !c.system_bundle {
        out.push(combined_bundle(&c));
    }
    out.push(python(&c));
    if gap.strict_x509_breaks_python {
        out.push(python_strict(&c));
    }
    out.push(node(&c));
    out.push(curl(&c));
    out.push(git(&c));
    out.push(aws(&c));
    out.push(pip(&c));
    out.push(java(&c));
    out.push(go(&c));
    out.push(rust(&c));
    out.push(docker(&c));
    out
}

fn mkcert_instead(c: &Ctx) -> Remedy {
    let host = c.gap.host;
    let sep = if c.p.powershell() { '\\' } else { '/' };
    remedy(
        "Better fix",
        "Issue the server's certificate from a local CA instead (mkcert) and trust that CA once: \
         pinning a self-signed certificate in every tool breaks again at each renewal."
            .to_string(),
        vec![
            "mkcert -install".to_string(),
            format!("mkcert {host}  # serve {host}.pem with {host}-key.pem"),
            c.set_env(
                "NODE_EXTRA_CA_CERTS",
                &format!("$(mkcert -CAROOT){sep}rootCA.pem"),
            ),
        ],
    )
}

/// Get the PEM, and install it in the OS store when it is not there yet.
fn first_step(c: &Ctx) -> Remedy {
    let ca = c.ca();
    let gap = c.gap;
    let owner = match gap.situation {
        Situation::Interception { vendor: Some(v) } => format!("IT (it runs {v})"),
        Situation::Interception { vendor: None } => "IT (whoever runs the proxy)".to_string(),
        _ if ca.to_ascii_lowercase().starts_with("mkcert") => {
            "the machine that issued the certificate (`mkcert -CAROOT`; there `mkcert -install` is enough)"
                .to_string()
        }
        _ => "whoever runs the CA".to_string(),
    };
    match (gap.situation, gap.in_os_store) {
        (Situation::SelfSigned, _) => remedy(
            "Certificate file",
            format!(
                "Save the server's self-signed certificate ({ca}); each tool below trusts it like a CA root."
            ),
            c.fetch_leaf_commands(),
        ),
        (_, false) => {
            let mut cmds = vec![c.mkdir_certs()];
            cmds.extend(c.install_commands());
            remedy(
                "OS trust store",
                format!(
                    "Get {ca} (PEM) from {owner}, save it as \"{}\", and install it in the OS store.",
                    c.root
                ),
                cmds,
            )
        }
        (_, true) => {
            let action = match c.p {
                Platform::Linux => format!(
                    "{ca} is in the system bundle {DEBIAN_SYSTEM_BUNDLE} (RHEL: {RHEL_SYSTEM_BUNDLE}), \
                     which also holds the public roots. Tools that need the root alone (keytool) can extract it with the command below."
                ),
                Platform::MacOs => format!("Export {ca} from the System keychain as PEM:"),
                Platform::Windows => format!("Export {ca} from the Windows store as PEM:"),
                Platform::Other => format!("Export {ca} from the OS store as PEM:"),
            };
            let cmds = if c.root.starts_with("$(mkcert") {
                vec!["mkcert -CAROOT  # rootCA.pem there is the root".to_string()]
            } else {
                c.export_commands()
            };
            remedy("Certificate file", action, cmds)
        }
    }
}

fn combined_bundle(c: &Ctx) -> Remedy {
    let root = &c.root;
    let bundle = &c.bundle;
    let append = if c.p.powershell() {
        format!("Get-Content (python -m certifi), \"{root}\" | Set-Content -Encoding ascii \"{bundle}\"")
    } else {
        format!("cat \"$(python3 -m certifi)\" \"{root}\" > \"{bundle}\"")
    };
    remedy(
        "Combined bundle",
        format!(
            "Tools whose CA file replaces their roots (requests, pip, AWS CLI, git) need Mozilla's roots plus {} \
             in one PEM: `tlsdoctor bundle` writes it, or append the root to certifi's copy.",
            c.ca()
        ),
        vec![
            bundle_command(
                c.gap.host,
                bundle,
                c.gap.situation == Situation::SelfSigned,
            ),
            append,
        ],
    )
}

fn python(c: &Ctx) -> Remedy {
    let py = c.python();
    let mut cmds = Vec::new();
    let action = if c.os_ok {
        cmds.push(format!(
            "{py} -m pip install --cert \"{}\" truststore",
            c.bundle
        ));
        cmds.push("# at startup: import truststore; truststore.inject_into_ssl()".to_string());
        "On Python 3.10+ use the OS store with truststore; or set REQUESTS_CA_BUNDLE (requests) and \
         SSL_CERT_FILE (httpx, urllib) to the combined bundle, never the root alone: each replaces certifi."
    } else {
        "Set REQUESTS_CA_BUNDLE (requests) and SSL_CERT_FILE (httpx, urllib) to the combined bundle, \
         never the certificate alone: each replaces certifi."
    };
    cmds.push(c.set_env("REQUESTS_CA_BUNDLE", &c.bundle));
    cmds.push(c.set_env("SSL_CERT_FILE", &c.bundle));
    remedy("Python (requests, httpx, pip)", action.to_string(), cmds)
}

fn python_strict(c: &Ctx) -> Remedy {
    remedy(
        "Python 3.13+",
        format!(
            "{} breaks VERIFY_X509_STRICT, which ssl.create_default_context() (and urllib3) enable since \
             Python 3.13, so trusting it is not enough: use truststore, or clear the flag (your context then \
             also accepts other non-RFC 5280 certificates), or ask its owner for a compliant root.",
            c.ca()
        ),
        vec![
            "ctx = ssl.create_default_context(); ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # roots: SSL_CERT_FILE"
                .to_string(),
            "httpx.Client(verify=ctx)  # requests: an HTTPAdapter that passes ssl_context=ctx".to_string(),
        ],
    )
}

fn node(c: &Ctx) -> Remedy {
    // On Linux the system bundle is a valid NODE_EXTRA_CA_CERTS file (it only adds roots).
    let extra = if c.system_bundle { &c.bundle } else { &c.root };
    let mut cmds = vec![c.set_env("NODE_EXTRA_CA_CERTS", extra)];
    let action = if c.os_ok {
        cmds.push(format!(
            "{}  # Node 22.19+/24.6+, or node --use-system-ca",
            c.set_env("NODE_USE_SYSTEM_CA", "1")
        ));
        format!(
            "Add {} with NODE_EXTRA_CA_CERTS (read at start, added to Node's roots; npm too), \
             or make Node trust the OS store with NODE_USE_SYSTEM_CA=1.",
            c.ca()
        )
    } else {
        format!(
            "Add {} with NODE_EXTRA_CA_CERTS (read at start, added to Node's roots; npm too).",
            c.ca()
        )
    };
    remedy("Node.js (npm)", action, cmds)
}

fn curl(c: &Ctx) -> Remedy {
    let host = c.gap.host;
    let exe = if c.p.powershell() { "curl.exe" } else { "curl" };
    let null = if c.p.powershell() { "NUL" } else { "/dev/null" };
    let check = format!("{exe} -sS -o {null} -w '%{{http_code}}\\n' https://{host}/");
    if c.os_ok {
        let when = if c.gap.in_os_store {
            "already"
        } else {
            "once it is installed"
        };
        let mut cmds = vec![check];
        let action = match c.p {
            Platform::Linux => format!("curl reads the system bundle, so it trusts it {when}."),
            Platform::Windows => {
                format!("curl.exe uses Schannel and the Windows store, so it trusts it {when}.")
            }
            Platform::MacOs => {
                cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
                format!(
                    "Apple's /usr/bin/curl trusts the System keychain ({when}); other builds (Homebrew) need CURL_CA_BUNDLE."
                )
            }
            Platform::Other => {
                cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
                "curl builds that read the OS store trust it; others need CURL_CA_BUNDLE."
                    .to_string()
            }
        };
        remedy("curl", action, cmds)
    } else {
        let mut cmds = vec![format!("{exe} --cacert \"{}\" https://{host}/", c.root)];
        let action = if c.p.powershell() {
            "Pass the certificate with --cacert (Schannel ignores CURL_CA_BUNDLE)."
        } else {
            cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
            "Pass the certificate with --cacert, or set CURL_CA_BUNDLE to the combined bundle."
        };
        remedy("curl", action.to_string(), cmds)
    }
}

fn git(c: &Ctx) -> Remedy {
    if c.p.powershell() && c.os_ok {
        return remedy(
            "git",
            "Make git use the Windows store (Schannel) instead of its own CA file.".to_string(),
            vec!["git config --global http.sslBackend schannel".to_string()],
        );
    }
    remedy(
        "git",
        "http.sslCAInfo replaces git's CA file, so point it at the combined bundle \
         (GIT_SSL_CAINFO for one command)."
            .to_string(),
        vec![format!(
            "git config --global http.sslCAInfo \"{}\"",
            c.bundle
        )],
    )
}

fn aws(c: &Ctx) -> Remedy {
    remedy(
        "AWS CLI / boto3",
        "AWS_CA_BUNDLE (or ca_bundle in ~/.aws/config) replaces certifi, so give it the combined bundle."
            .to_string(),
        vec![
            c.set_env("AWS_CA_BUNDLE", &c.bundle),
            format!("aws configure set ca_bundle \"{}\"", c.bundle),
        ],
    )
}

fn pip(c: &Ctx) -> Remedy {
    let py = c.python();
    let mut cmds = Vec::new();
    let action = if c.os_ok {
        cmds.push(format!(
            "{py} -m pip install --upgrade --cert \"{}\" pip",
            c.bundle
        ));
        "pip 24.2+ on Python 3.10+ also trusts the OS store (truststore), so upgrading is enough; \
         otherwise set global.cert (PIP_CERT) to the combined bundle."
    } else {
        "Set pip's global.cert (PIP_CERT) to the combined bundle; it replaces certifi for pip."
    };
    cmds.push(format!(
        "{py} -m pip config set global.cert \"{}\"",
        c.bundle
    ));
    remedy("pip", action.to_string(), cmds)
}

fn java(c: &Ctx) -> Remedy {
    let mut cmds = vec![format!(
        "keytool -importcert -cacerts -alias {} -file \"{}\" -storepass changeit -noprompt",
        c.slug, c.root
    )];
    if c.p.powershell() && c.os_ok {
        cmds.push(c.set_env(
            "JAVA_TOOL_OPTIONS",
            "-Djavax.net.ssl.trustStoreType=Windows-ROOT",
        ));
    }
    remedy(
        "Java",
        "Java trusts the JDK's cacerts (distro OpenJDK on Linux: the OS store): import the root with keytool \
         (JDK 9+; needs write access to the JDK, and again after a JDK update)."
            .to_string(),
        cmds,
    )
}

fn go(c: &Ctx) -> Remedy {
    if c.os_ok {
        return remedy(
            "Go",
            "Go verifies with the OS store (the platform verifier on macOS and Windows), \
             so Go programs trust it once the OS does."
                .to_string(),
            Vec::new(),
        );
    }
    match c.p {
        Platform::Linux | Platform::Other => remedy(
            "Go",
            "Go reads SSL_CERT_FILE only on Linux/BSD, and it replaces the system file: use the combined bundle."
                .to_string(),
            vec![c.set_env("SSL_CERT_FILE", &c.bundle)],
        ),
        _ => remedy(
            "Go",
            "Go ignores SSL_CERT_FILE here: add the certificate to the OS store or to tls.Config.RootCAs."
                .to_string(),
            Vec::new(),
        ),
    }
}

fn rust(c: &Ctx) -> Remedy {
    remedy(
        "Rust (reqwest, cargo)",
        "reqwest 0.13's default (rustls-platform-verifier) and 0.12's native-tls or rustls-tls-native-roots \
         use the OS store, webpki-roots never does; cargo takes CARGO_HTTP_CAINFO."
            .to_string(),
        vec![
            "reqwest = \"0.13\"  # Cargo.toml; 0.12: features = [\"rustls-tls-native-roots\"]".to_string(),
            c.set_env("CARGO_HTTP_CAINFO", &c.bundle),
        ],
    )
}

fn docker(c: &Ctx) -> Remedy {
    let s = &c.slug;
    let copy = if c.p.powershell() {
        format!(
            "Copy-Item \"{}\" .\\{s}.crt  # into the build context",
            c.root
        )
    } else {
        format!("cp \"{}\" ./{s}.crt  # into the build context", c.root)
    };
    remedy(
        "Docker / containers",
        "An image has its own store: copy the root in as .crt, run update-ca-certificates \
         (Alpine: apk add ca-certificates), and point certifi and Node users at it."
            .to_string(),
        vec![
            copy,
            format!("COPY {s}.crt /usr/local/share/ca-certificates/{s}.crt"),
            "RUN update-ca-certificates".to_string(),
            format!(
                "ENV REQUESTS_CA_BUNDLE={DEBIAN_SYSTEM_BUNDLE} NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/{s}.crt"
            ),
        ],
    )
}

/// Python's alternative to a bundle file: truststore makes `ssl` (requests,
/// httpx, pip, urllib3) verify with the OS store, injected at every start
/// through `sitecustomize.py`. It needs the root in the OS store and Python 3.10+.
pub fn truststore_alternative(platform: Platform) -> Remedy {
    let py = if platform.powershell() {
        "python"
    } else {
        "python3"
    };
    remedy(
        "Python (instead of a bundle)",
        "On Python 3.10+, truststore makes every ssl client (requests, httpx, pip, urllib3) use the OS store, \
         which already holds the root; sitecustomize.py runs it at every start of that Python. \
         It loads pip's own truststore first, without which pip 24.2+ fails (truststore#121)."
            .to_string(),
        vec![
            format!("{py} -m pip install truststore"),
            format!(
                "{py} -c \"import sysconfig, pathlib; p = pathlib.Path(sysconfig.get_paths()['purelib'], 'sitecustomize.py'); \
                 p.open('a').write('\\ntry:\\n    import pip._vendor.truststore  # pip 24.2+ carries its own: load it first\\nexcept Exception:\\n    pass\\nimport truststore\\ntruststore.inject_into_ssl()\\n'); print(p)\""
            ),
        ],
    )
}

/// How to get the root the user's tools need when no store here has it:
/// the first safe step of [`trust_remedies`] for a root not yet installed.
pub fn obtain_root(gap: &TrustGap) -> Remedy {
    let gap = TrustGap {
        in_os_store: false,
        ..gap.clone()
    };
    first_step(&Ctx::new(&gap))
}

/// The tempting fixes that are wrong or dangerous, each with `avoid: true`
/// and the reason in `action`; `commands` shows what not to run.
///
/// Facts: PEP 493 (PYTHONHTTPSVERIFY is a Python 2.7 feature; CPython 3's
/// ssl.py has no such variable); OpenSSL `by_file_ctrl` (a set-but-empty
/// SSL_CERT_FILE is loaded as a file name); rustls-native-certs 0.8
/// `CertPaths::from_env`; `load_verify_locations("/dev/null")` fails with
/// "no certificate or crl found"; Node's warning text for
/// NODE_TLS_REJECT_UNAUTHORIZED; pip's --trusted-host help ("even though it
/// does not have valid or any HTTPS"); Node's `ca` option replacing the
/// default roots (nodejs.org/api/cli, NODE_EXTRA_CA_CERTS).
pub fn fixes_to_avoid() -> Vec<Remedy> {
    vec![
        avoid(
            "Python (requests, httpx)",
            "verify=False turns off certificate and hostname checks: whoever sits on the path can read and change \
             the traffic; trust the CA instead.",
            &["requests.get(url, verify=False)", "httpx.Client(verify=False)"],
        ),
        avoid(
            "Python",
            "PYTHONHTTPSVERIFY=0 only exists in Python 2.7 (PEP 493) and some distro builds, and there only \
             disables urllib/http.client checks: requests, httpx, pip and boto3 never read it.",
            &["export PYTHONHTTPSVERIFY=0"],
        ),
        avoid(
            "SSL_CERT_FILE",
            "An empty SSL_CERT_FILE does not mean 'use the OS store': Python's ssl loads no file from it (only \
             OpenSSL's certificate directory), httpx falls through to SSL_CERT_DIR and certifi, curl, git and pip \
             ignore it, and rustls-native-certs errors and skips the OS store; unset it instead.",
            &["export SSL_CERT_FILE=\"\""],
        ),
        avoid(
            "SSL_CERT_FILE, REQUESTS_CA_BUNDLE, AWS_CA_BUNDLE",
            "Pointing these at the root alone replaces every public root for the clients that read them \
             (httpx, requests, boto3, Go on Linux), so every other HTTPS site fails; use a combined bundle.",
            &["export REQUESTS_CA_BUNDLE=\"$HOME/certs/root-only.pem\""],
        ),
        avoid(
            "AWS CLI / boto3",
            "AWS_CA_BUNDLE=/dev/null does not disable verification: botocore loads it as the only roots and OpenSSL \
             rejects the empty file, so every call fails (--no-verify-ssl does disable it, which is worse).",
            &["export AWS_CA_BUNDLE=/dev/null"],
        ),
        avoid(
            "Node.js",
            "NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate validation for every TLS connection of the process \
             (Node warns so); use NODE_EXTRA_CA_CERTS.",
            &["export NODE_TLS_REJECT_UNAUTHORIZED=0"],
        ),
        avoid(
            "curl",
            "-k/--insecure skips verification of the server's certificate and name, so anyone can impersonate the \
             server (and 'insecure' in ~/.curlrc does it for every call); use --cacert.",
            &["curl -k https://example.com/"],
        ),
        avoid(
            "git",
            "http.sslVerify=false or GIT_SSL_NO_VERIFY makes git accept any certificate, so a man in the middle can \
             serve altered code and capture credentials; use http.sslCAInfo or Schannel.",
            &["git config --global http.sslVerify false", "export GIT_SSL_NO_VERIFY=1"],
        ),
        avoid(
            "pip",
            "--trusted-host makes pip trust the host 'even though it does not have valid or any HTTPS', so a package \
             can be swapped in transit; use --cert with a combined bundle or pip 24.2+.",
            &["pip install --trusted-host pypi.org --trusted-host files.pythonhosted.org PACKAGE"],
        ),
        avoid(
            "npm",
            "strict-ssl=false makes npm accept any registry certificate, so a tampered package installs silently; \
             use NODE_EXTRA_CA_CERTS, or cafile with a combined bundle (it replaces Node's roots).",
            &["npm config set strict-ssl false"],
        ),
    ]
}
