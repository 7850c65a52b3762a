//! The inspection-product table: TLS-inspecting products recognised by the
//! names of the CAs they re-sign with, and CAs whose private keys are public.
//!
//! This module owns data only. The diagnose rules ask two questions:
//!
//! - [`match_name`]: does this CA's distinguished name (as printed by
//!   x509-parser's `X509Name` Display, e.g.
//!   `C=US, ST=California, L=San Jose, O=Zscaler Inc., OU=Zscaler Inc., CN=Zscaler Root CA`)
//!   contain one of an [`Interceptor`]'s `name_patterns`? Matching is an ASCII
//!   case-insensitive substring search over the whole string; the first entry
//!   of [`INTERCEPTORS`] with a matching pattern wins.
//! - [`match_spki`]: is this the SHA-256 of the SubjectPublicKeyInfo DER of a
//!   CA whose private key anyone can download ([`COMPROMISED_ROOTS`])? These
//!   are matched by key, not name, because their names are generic
//!   (`CN=localhost`, `O=Acme Co`) or could be reused by an honest CA.
//!
//! A chain that ends in either is `corporate_interception` (DESIGN.md,
//! "inspection-product table"), and the report names the vendor.
//!
//! # Adding an entry
//!
//! - One entry per product, kept sorted by kind (the order of
//!   [`InterceptorKind`]) and then by vendor.
//! - Patterns are ASCII and must be specific enough never to match a public CA:
//!   prefer the full CN (`Zscaler Root CA`) or an attribute with its key
//!   (`O=Netskope`) over a bare brand word. Never use a word that a public CA
//!   also carries (`Cloudflare`, `Cisco`, `Sophos` on its own, ...). The test
//!   `no_pattern_matches_a_mozilla_root` runs every pattern against all Mozilla
//!   roots; it does not know public intermediates, so think about those too.
//! - Add a short comment saying where the name was seen.
//! - For a compromised root, compute the hash from the certificate with
//!   `openssl x509 -in ca.pem -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`.
//!
//! # Where the names come from
//!
//! GitHub issues, pull requests and READMEs where users pasted the issuer of
//! an intercepted chain, vendor documentation, and the badssl.com repository
//! (`chromium/badssl.com`, `certs/`) for the known-bad roots. Each entry cites
//! its source in a comment.

/// What sort of product re-signs the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterceptorKind {
    /// A network appliance or cloud gateway (secure web gateway, NGFW, SASE).
    CorporateProxy,
    /// Antivirus / endpoint "HTTPS scanning" running on this machine.
    Antivirus,
    /// A developer's debugging proxy (mitmproxy, Charles, Fiddler, Burp, ...).
    DebuggingProxy,
    /// A root whose private key is public: anyone can forge certificates under it.
    PublicKeyCompromised,
}

impl InterceptorKind {
    /// A short human label, e.g. for a report line.
    pub fn label(self) -> &'static str {
        match self {
            InterceptorKind::CorporateProxy => "TLS-inspecting corporate proxy",
            InterceptorKind::Antivirus => "antivirus HTTPS scanning",
            InterceptorKind::DebuggingProxy => "debugging proxy",
            InterceptorKind::PublicKeyCompromised => "root with a publicly known private key",
        }
    }
}

/// A product that re-signs TLS traffic with its own CA.
#[derive(Debug)]
pub struct Interceptor {
    /// Vendor as users know it: "Zscaler", "Palo Alto Networks", "mitmproxy".
    pub vendor: &'static str,
    /// Product, e.g. "Zscaler Internet Access".
    pub product: &'static str,
    pub kind: InterceptorKind,
    /// Case-insensitive substrings matched against a CA's distinguished name string.
    pub name_patterns: &'static [&'static str],
    /// One or two sentences a user needs.
    pub note: &'static str,
}

/// A CA whose private key is public, matched by the SHA-256 of its SubjectPublicKeyInfo DER.
#[derive(Debug)]
pub struct CompromisedRoot {
    /// The CA's name as users will see it (subject CN or O).
    pub name: &'static str,
    /// Who shipped the key.
    pub vendor: &'static str,
    /// SHA-256 of the SubjectPublicKeyInfo DER.
    pub spki_sha256: [u8; 32],
    /// Its subjectKeyIdentifier, lowercase hex ("" when it has none): a
    /// certificate it issued names it in authorityKeyIdentifier, so the root
    /// is recognised even when the server does not send it.
    pub key_id: &'static str,
    /// Its SubjectPublicKeyInfo DER, base64 ("" when not at hand): the key
    /// a certificate it issued verifies with, so the root is recognised when
    /// the server does not send it and nothing names it by key identifier
    /// (eDellRoot, DSDTestProvider and preact-cli's carry none).
    pub spki: &'static str,
    /// Why the key is public and what it means.
    pub note: &'static str,
}

/// Known TLS-inspecting products, sorted by kind, then vendor.
pub static INTERCEPTORS: &[Interceptor] = &[
    // ---------------------------------------------------------------- CorporateProxy
    Interceptor {
        vendor: "Cisco",
        product: "Cisco Umbrella (Secure Internet Gateway)",
        kind: InterceptorKind::CorporateProxy,
        // "O=Cisco, CN=Cisco Umbrella Root CA" seen as issuer in pasted chains;
        // Cisco's Umbrella deployment docs ("Cisco Umbrella Root CA").
        // Never plain "Cisco": Cisco also has publicly trusted CAs.
        name_patterns: &["Cisco Umbrella"],
        note: "Cisco Umbrella's intelligent proxy decrypts HTTPS and re-signs it with the \
               Cisco Umbrella Root CA; tools that ship their own CA bundle need that root added.",
    },
    Interceptor {
        vendor: "Cloudflare",
        product: "Cloudflare Zero Trust Gateway (WARP)",
        kind: InterceptorKind::CorporateProxy,
        // cloudflare/cloudflare-docs#8051 ("Cloudflare for Teams ECC Certificate
        // Authority"); "Gateway CA - Cloudflare Managed G1 <id>" / "... G2 <id>"
        // in many READMEs and scripts. Never plain "Cloudflare": the public
        // "Cloudflare Inc ECC CA-3" intermediate issues real certificates.
        name_patterns: &[
            "Cloudflare for Teams ECC Certificate Authority",
            "Gateway CA - Cloudflare Managed",
        ],
        note: "Cloudflare Gateway (WARP) decrypts HTTPS and re-signs it with your organisation's \
               Gateway CA; export it from the system store (macOS: System keychain) and give it \
               to tools with their own bundle (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE).",
    },
    Interceptor {
        vendor: "Forcepoint",
        product: "Forcepoint Web Security Cloud",
        kind: InterceptorKind::CorporateProxy,
        // "CN=Forcepoint Cloud CA, O=Forcepoint LLC" in a corporate setup guide.
        name_patterns: &["Forcepoint Cloud CA"],
        note: "Forcepoint's cloud proxy re-signs HTTPS with the Forcepoint Cloud CA; install it \
               in the trust store your tool uses or ask IT to bypass the host.",
    },
    Interceptor {
        vendor: "Fortinet",
        product: "FortiGate SSL deep inspection",
        kind: InterceptorKind::CorporateProxy,
        // rrrrrrri/fgt-gadgets#15: "O=Fortinet, OU=Certificate Authority, CN=FortiGate CA";
        // centreon/centreon-plugins#5473: the deep-inspection CA
        // ("Fortinet_CA_SSL" in the GUI) has CN=<device serial, FG...>,
        // O=Fortinet, OU=Certificate Authority. "CN=FG" keeps Fortinet's own
        // device-identity CA (CN=fortinet-subca2001) out.
        name_patterns: &[
            "FortiGate CA",
            "Fortinet_CA_SSL",
            "O=Fortinet, OU=Certificate Authority, CN=FG",
        ],
        note: "A FortiGate with SSL deep inspection re-signs HTTPS with a per-device CA \
               (Fortinet_CA_SSL, named after the device serial); its default CA is not \
               in any store until IT installs it.",
    },
    Interceptor {
        vendor: "Netskope",
        product: "Netskope Secure Web Gateway",
        kind: InterceptorKind::CorporateProxy,
        // Pasted chains: root "CN=certadmin, O=Netskope Inc.", tenant
        // intermediates "CN=ca.<tenant>.goskope.com".
        name_patterns: &["O=Netskope", "goskope.com"],
        note: "The Netskope client steers traffic through Netskope's proxy, which re-signs it \
               with a tenant CA (root \"certadmin, Netskope Inc.\"); the client installs it in \
               the OS store only, so bundled-roots tools fail.",
    },
    Interceptor {
        vendor: "Palo Alto Networks",
        product: "PAN-OS / Prisma Access SSL Forward Proxy decryption",
        kind: InterceptorKind::CorporateProxy,
        // "i:O=Palo Alto Networks, CN=Palo Alto Networks Root CA" in a
        // corporate-proxy README; PAN-OS generated certificates carry
        // O=Palo Alto Networks. Admins can name the forward-trust CA freely,
        // so many deployments will not match.
        name_patterns: &["O=Palo Alto Networks"],
        note: "Palo Alto Networks decryption re-signs HTTPS with the firewall's forward-trust CA; \
               the CA's name is chosen by your IT, so this is only recognised when it keeps \
               the vendor name.",
    },
    Interceptor {
        vendor: "SonicWall",
        product: "SonicWall DPI-SSL",
        kind: InterceptorKind::CorporateProxy,
        // "Issuer: CN=SonicWALL Firewall DPI-SSL, O=SonicWALL Inc., S=CA, C=US"
        // in an admin's certificate audit script; SonicWall test suites.
        name_patterns: &["SonicWALL Firewall DPI-SSL"],
        note: "SonicWall Client DPI-SSL re-signs HTTPS with the firewall's default DPI-SSL CA; \
               install it where your tool looks or ask IT to exclude the host.",
    },
    Interceptor {
        vendor: "Sophos",
        product: "Sophos Firewall / UTM HTTPS decryption",
        kind: InterceptorKind::CorporateProxy,
        // "CN=Sophos SSL CA_C320ABPCBJ8BQ6B, O=Sophos" and
        // "SecurityAppliance_SSL_CA: Sophos SSL CA_<id>" in pasted chains and
        // setup notes. Not plain "Sophos".
        name_patterns: &["Sophos SSL CA"],
        note: "A Sophos firewall re-signs HTTPS with its appliance CA (\"Sophos SSL CA_<id>\"); \
               Windows may trust it through policy while Python, Node and containers do not.",
    },
    Interceptor {
        vendor: "WatchGuard",
        product: "WatchGuard Firebox HTTPS-proxy content inspection",
        kind: InterceptorKind::CorporateProxy,
        // WatchGuard docs: the default "Proxy Authority" CA; its name
        // "Fireware HTTPS Proxy" seen in a deployment note.
        name_patterns: &["Fireware HTTPS Proxy"],
        note: "A WatchGuard Firebox with HTTPS content inspection re-signs traffic with its \
               Proxy Authority CA; export it from the Firebox and install it for your tool.",
    },
    Interceptor {
        vendor: "Zscaler",
        product: "Zscaler Internet Access",
        kind: InterceptorKind::CorporateProxy,
        // sectigo/CTLogs#57 (full Zscaler Root CA subject); microsoft/vscode#207636
        // ("CN=Zscaler Intermediate Root CA (zscaler.net)").
        name_patterns: &["Zscaler Root CA", "Zscaler Intermediate Root CA", "O=Zscaler Inc."],
        note: "Zscaler re-signs HTTPS with the Zscaler Root CA. Its CA certificates have been \
               reported with a non-critical basicConstraints, which Python 3.13+ strict \
               verification rejects even when installed (python/cpython#133564).",
    },
    // ---------------------------------------------------------------- Antivirus
    Interceptor {
        vendor: "Avast",
        product: "Avast Web Shield / Mail Shield HTTPS scanning",
        kind: InterceptorKind::Antivirus,
        // "CN=Avast Web/Mail Shield Root ... generated by Avast Antivirus for
        // SSL/TLS scanning" in several READMEs; jedireza/drywall#308.
        name_patterns: &["Avast Web/Mail Shield"],
        note: "Avast's Web Shield re-signs HTTPS on this machine with a root it added to the \
               Windows store; turn off HTTPS scanning or give the root to tools with their own bundle.",
    },
    Interceptor {
        vendor: "AVG",
        product: "AVG Web Shield / Mail Shield HTTPS scanning",
        kind: InterceptorKind::Antivirus,
        // "CN=AVG Web/Mail Shield Root" in several Windows export scripts.
        name_patterns: &["AVG Web/Mail Shield"],
        note: "AVG's Web Shield re-signs HTTPS on this machine with a root it added to the \
               Windows store; turn off HTTPS scanning or give the root to tools with their own bundle.",
    },
    Interceptor {
        vendor: "Bitdefender",
        product: "Bitdefender Encrypted Web Scan",
        kind: InterceptorKind::Antivirus,
        // "Bitdefender Personal CA.Net-Defender" in other interception tables;
        // SafeExamBrowser/seb-win#62 describes the behaviour.
        name_patterns: &["Bitdefender Personal CA"],
        note: "Bitdefender's Encrypted Web Scan re-signs HTTPS on this machine; turn it off or \
               give its root to tools with their own bundle.",
    },
    Interceptor {
        vendor: "ESET",
        product: "ESET SSL/TLS protocol filtering",
        kind: InterceptorKind::Antivirus,
        // "C=SK, O=ESET, spol. s r. o., CN=ESET SSL Filter CA" in pasted keytool
        // output and many troubleshooting notes.
        name_patterns: &["ESET SSL Filter CA"],
        note: "ESET's SSL/TLS filtering re-signs HTTPS on this machine with the ESET SSL Filter CA; \
               disable SSL/TLS scanning or give that root to tools with their own bundle.",
    },
    Interceptor {
        vendor: "Kaspersky",
        product: "Kaspersky encrypted connection scanning",
        kind: InterceptorKind::Antivirus,
        // keybase/client#7228: "O=AO Kaspersky Lab, CN=Kaspersky Web Anti-Virus
        // Certification Authority"; older releases use "Kaspersky Anti-Virus
        // Personal Root Certificate".
        name_patterns: &[
            "Kaspersky Anti-Virus Personal Root",
            "Kaspersky Web Anti-Virus Certification Authority",
        ],
        note: "Kaspersky scans encrypted connections by re-signing them with its own root; \
               exclude the host or turn off encrypted-connection scanning.",
    },
    Interceptor {
        vendor: "Norton",
        product: "Norton Web Shield / Mail Shield HTTPS scanning",
        kind: InterceptorKind::Antivirus,
        // "CN=Norton Web/Mail Shield Root, OU=generated by Norton Antivirus for
        // SSL/TLS scanning" in several READMEs.
        name_patterns: &["Norton Web/Mail Shield"],
        note: "Norton re-signs HTTPS on this machine with a root it added to the Windows store; \
               turn off its SSL/TLS scanning or give the root to tools with their own bundle.",
    },
    // ---------------------------------------------------------------- DebuggingProxy
    Interceptor {
        vendor: "Charles",
        product: "Charles Proxy",
        kind: InterceptorKind::DebuggingProxy,
        // 'CN="Charles Proxy CA (26 May 2023, latitudell3570)",
        // OU=https://charlesproxy.com/ssl, O=XK72 Ltd' in pasted output.
        name_patterns: &["Charles Proxy CA", "O=XK72 Ltd"],
        note: "Charles Proxy is intercepting this connection with its per-install CA; \
               stop SSL proxying for the host or unset the proxy.",
    },
    Interceptor {
        vendor: "Fiddler",
        product: "Fiddler (Classic / Everywhere)",
        kind: InterceptorKind::DebuggingProxy,
        // "DO_NOT_TRUST_FiddlerRoot" in many setup guides and Fiddler's own sources.
        name_patterns: &["DO_NOT_TRUST_FiddlerRoot"],
        note: "Fiddler is decrypting HTTPS with its DO_NOT_TRUST_FiddlerRoot CA; \
               stop capture or turn off HTTPS decryption.",
    },
    Interceptor {
        vendor: "HTTP Toolkit",
        product: "HTTP Toolkit",
        kind: InterceptorKind::DebuggingProxy,
        // httptoolkit sources: commonName "HTTP Toolkit CA - DO NOT TRUST";
        // Android app installs it as "HTTP Toolkit CA".
        name_patterns: &["HTTP Toolkit CA"],
        note: "HTTP Toolkit is intercepting this connection with its own CA; \
               stop interception for this client.",
    },
    Interceptor {
        vendor: "mitmproxy",
        product: "mitmproxy",
        kind: InterceptorKind::DebuggingProxy,
        // "issuer=CN=mitmproxy, O=mitmproxy" in many pasted chains.
        name_patterns: &["CN=mitmproxy", "O=mitmproxy"],
        note: "mitmproxy is intercepting this connection with the CA in ~/.mitmproxy; \
               unset the proxy or trust mitmproxy-ca-cert.pem for this test only.",
    },
    Interceptor {
        vendor: "OWASP ZAP",
        product: "Zed Attack Proxy",
        kind: InterceptorKind::DebuggingProxy,
        // zaproxy sources: CN=OWASP Zed Attack Proxy Root CA, OU=OWASP ZAP Root CA.
        name_patterns: &["OWASP Zed Attack Proxy Root CA", "OWASP ZAP Root CA"],
        note: "OWASP ZAP is intercepting this connection with its generated root CA.",
    },
    Interceptor {
        vendor: "PortSwigger",
        product: "Burp Suite",
        kind: InterceptorKind::DebuggingProxy,
        // "C=PortSwigger, ST=PortSwigger, L=PortSwigger, O=PortSwigger,
        // OU=PortSwigger CA, CN=PortSwigger CA" in many pasted subjects.
        name_patterns: &["PortSwigger CA", "O=PortSwigger"],
        note: "Burp Suite is intercepting this connection with its PortSwigger CA.",
    },
    Interceptor {
        vendor: "Proxyman",
        product: "Proxyman",
        kind: InterceptorKind::DebuggingProxy,
        // Scripts exporting "Proxyman CA (<hostname>)" from the macOS keychain.
        name_patterns: &["Proxyman CA"],
        note: "Proxyman is intercepting this connection with its per-machine CA.",
    },
    // ---------------------------------------------------------------- PublicKeyCompromised
    Interceptor {
        vendor: "Dell",
        product: "Dell Foundation Services (eDellRoot)",
        kind: InterceptorKind::PublicKeyCompromised,
        // badssl.com certs/src/crt/ca-edellroot.crt: subject CN=eDellRoot.
        name_patterns: &["CN=eDellRoot"],
        note: "eDellRoot was preinstalled on Dell PCs (2015) with its private key on every \
               machine: anyone can forge certificates under it. Remove it from the trust store.",
    },
    Interceptor {
        vendor: "Dell",
        product: "Dell System Detect (DSDTestProvider)",
        kind: InterceptorKind::PublicKeyCompromised,
        // badssl.com certs/foreign/DSDTestProvider.crt:
        // OU=DSDTestProvider, O=DSDTestProvider, CN=DSDTestProvider.
        name_patterns: &["DSDTestProvider"],
        note: "DSDTestProvider was installed by Dell System Detect (2015) with its private key: \
               anyone can forge certificates under it. Remove it from the trust store.",
    },
    Interceptor {
        vendor: "PrivDog",
        product: "PrivDog (Adtrustmedia)",
        kind: InterceptorKind::PublicKeyCompromised,
        // Named in DESIGN.md and badssl.com's known-bad list; no certificate
        // of it was available, so this name pattern is unverified.
        name_patterns: &["PrivDog"],
        note: "PrivDog (2015) re-signed every certificate, even forged ones, with its own root: \
               anything signed under it proves nothing. Uninstall it and remove its root.",
    },
    Interceptor {
        vendor: "Superfish",
        product: "Superfish VisualDiscovery (Komodia SSL Digestor)",
        kind: InterceptorKind::PublicKeyCompromised,
        // badssl.com certs/foreign/superfish.crt: O=Superfish, Inc., CN=Superfish, Inc.
        name_patterns: &["Superfish, Inc."],
        note: "Superfish adware, preinstalled on Lenovo laptops (2014-15), shipped the same \
               root and private key to every machine: anyone can forge certificates under it. \
               Remove it from the trust store.",
    },
];

/// CAs whose private keys are public, matched by SPKI SHA-256.
///
/// Hashes computed from the certificates named in each comment with
/// `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`.
pub static COMPROMISED_ROOTS: &[CompromisedRoot] = &[
    CompromisedRoot {
        // badssl.com certs/src/crt/ca-mitm-software.crt (CN=BadSSL MITM Software
        // Test, expired 2018): badssl's stand-in for an inspection product's CA,
        // published with its key (certs/src/key/ca-mitm-software.key).
        name: "BadSSL MITM Software Test",
        vendor: "badssl.com (test)",
        spki_sha256: hex32("9d40513f43991af39fe413aff7608fc56463827137166547de0a1828d524ae98"),
        key_id: "ffa44c5327fbb22896e44ac6ee0642bb30ec6d9f",
        spki:
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyeUIqSbex+3PcXhh+PErIvcOOC5LsRHGBiUsfTLX\
               OMBV14J0kZpX/LRlc7ENBBvAwope3bbmBOVkTTc0R88O+z6tU2KukHqgjAh+nXaLwGARTk2BBO8IlWZMwaJi\
               jMb4IWB70OWNOSRAwEAPKqJfCnlL3VRWO/gPw1z/9rJW2mIQS66xtcAwKtwXqI/RHgLfDRor19zEeiV9PJwj\
               0NcB5Zi0X19JQGxfDGb+HzqgOPhjJllmo4JZPO8jGDOmcOwUlr9dAX8wOtI5rlY3Yi6/nB+UdQyDlEHpAdza\
               jBNq8IXpTNg8kV7rruzWmGrTQ3xfkV88qOG6wB9j3V/6gE0OWQIDAQAB",
        note: "badssl.com's test stand-in for an interception product; its private key is \
               published in the badssl.com repository.",
    },
    CompromisedRoot {
        // badssl.com certs/src/crt/ca-edellroot.crt (CN=eDellRoot, RSA 2048).
        name: "eDellRoot",
        vendor: "Dell",
        spki_sha256: hex32("cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec23"),
        key_id: "",
        spki:
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvdEmDW7NW4RfQfDhdYbOzqgj1b6jsdl1V0EwxVvg\
               bNvi5mMJM2Ns/Hhvws0UvW4CtS37lVUxAOw5NjcuD9d79Q26RjZv7SWVQ7PMFhiluwVxyjifpKxO8OE2Lm36\
               Q+jtzbdmtgE+Y67zZ4Qnpxq+z+3f277AU6RdfC9EKIcD+VbI1Y0Q+HXv5sIQ/erk34mtX7oejfNA8S/lBQlh\
               2ZewyYPYIxCiN5BSPrwn3U/nDkEqO6sbTGOK/OFKiJ73KbtVHAsWNZJxG7D/1dXoIupPIvnGuqKIOnW5M66o\
               2Pe7HK2z2hxuygle7GPmIRiRIzWe8u6kS/6WDL1arMgQUybWXwIDAQAB",
        note: "Preinstalled by Dell Foundation Services with its private key on every machine.",
    },
    CompromisedRoot {
        // badssl.com certs/foreign/DSDTestProvider.crt (CN=DSDTestProvider, RSA 4096).
        name: "DSDTestProvider",
        vendor: "Dell",
        spki_sha256: hex32("130ad4e0633521290531b6651f5759b0bc7bc656709ff8f365c2143b0389b6f6"),
        key_id: "",
        spki:
            "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA3SalggMLkx0xLH9l+DFR8nLgSOm4e7FyRkTKATBy\
               6BhGOQRbj9TfyIPYj3QrmbohW/XoztPVogZvKf4IioUHQZmP9SMaI56COYJzAuC5d8VO7OOUbBo3ef2CcZQi\
               sHgX3VScAVJx0vVKK6aZyjWPnsQoqO/9thrlUKSBN/CW7PdAtzZDv2bpLxvXvKIGTj1W62hkXVHs5I+IudEo\
               ppySpISNqJ+9wBk97eSeApXl0L1Y3Oqcfj75tJZm1O09le8fBgoQMeLHQOLpaLapvz3hs1cnLCqpHtKJvVdm\
               P/MVdl+F1ISnJwhP0zLRCXqvylhXf20GMb0eDxRwTeeDyN7od7VUFZ124BiIT5lOT4jnhsblceFCSVPap4AB\
               L3408mV4KZ+eFiBvrCHnexYTTAbo60ZOJIn5MsSf0ChFPRy2s8tESSYNtdet069UzdjsqOFbOZ5Lbxwba4GK\
               ObKmfLpmtbCCcGbnevca9fw1xkaXEAmzfslCjcS0raT/6C9pPJwITNlIgXqb125vRlLcQtyYmwWSw54eOmqw\
               wJEM7MdoBzN/diJX7j7boX48lQRKb7m3ZjLIv/nSYlSWks67RMm7T1mlo/UpNSi0xJ0gHso9zTROuiTH3LmJ\
               KdSZ/FcYSZ+BcERQA13UpAimVD+aO9dfeZdW1HbgXzt4/jVQDAzGeOMCAwEAAQ==",
        note: "Installed by Dell System Detect with its private key.",
    },
    CompromisedRoot {
        // preactjs/preact-cli src/resources/cert.pem (O=Acme Co, CA:TRUE, RSA 2048),
        // shipped with key.pem in the npm package (badssl.com issue #297).
        name: "Acme Co (preact-cli development certificate)",
        vendor: "preact-cli",
        spki_sha256: hex32("680971cb44b0fd56592102a256e85c58e87109ad8044c2b90d8f3c6e9eeab897"),
        key_id: "",
        spki:
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAl/9ezgiwy6O9MyQRdOWWfYGX6zvMOjup+ocMn09I\
               JfB9VaoaZvwQR8v5EV8RmpdK1f/5wyuVqaHGvWTnDDbW9pUm+3gS8Dk4zCKToKmmUlL2xJiq5fu6QTPyg3Uz\
               y9CICjKSWMTw6lAMi8gPw4afIAG2LBLSEBGBGT4cgd2L88F1M8FJmKUfNGo4BP4mCc98jhQwLS1hCj9ayj+J\
               QX8O07h86/NJDY/jdHGyuGOTitpucBnTd5jv8LyPNJcXKHNiOI6+u2c3H8dAO0I/TYDeI8SuRxIn+W+YclRP\
               zV/7gRbkKiKz2SPmZ+ERJDVNXEJgTYx8pTMZGxyAdT61Rhq1xwIDAQAB",
        note: "preact-cli 1.x shipped this CA certificate and its private key in the npm package; \
               users who trusted it for local HTTPS let anyone forge certificates.",
    },
    CompromisedRoot {
        // badssl.com certs/foreign/superfish.crt (O=Superfish, Inc., RSA 1024).
        name: "Superfish, Inc.",
        vendor: "Superfish",
        spki_sha256: hex32("4bb8f35ba1e126f8dde1b0c420625ed86dce61a7bddadbdea9aba578ff13145e"),
        key_id: "fb98b3537f14442ee8eed5099a5e0e5686a83588",
        spki:
            "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDo80oYdl8ZP7HPWOl/QwcJlYA1xQ/+cTEngZkSJiCl349q\
               /EJVOe4JOInZ4DbErAGCW9U55vmPB4jf/u72oRTOqXRF2P3wF1cqguF6LhKTWqyK1xVj0bebVYAPWLwcSe0g\
               Yt22TKU66xw9oP96cabTEHgzrkvCHP2SSqHD50GkLQIDAQAB",
        note: "The Superfish/Komodia root; its private key was extracted from the adware in 2015.",
    },
    CompromisedRoot {
        // badssl.com certs/src/crt/ca-webpack-dev-server.crt (CN=localhost,
        // CA:TRUE, 2016), from webpack-dev-server's ssl/server.pem.
        name: "localhost (webpack-dev-server certificate, 2016)",
        vendor: "webpack-dev-server",
        spki_sha256: hex32("2bd1e667ec9ebbe02b9a7da264210c99b3eac1cc9141a0e30e3f623eaccec4e1"),
        key_id: "a91a2d802640c6bfd660cb24194e9fe875d7a59b",
        spki:
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5b5hZ2dxwP0Q05MMVZGZrs+ecc5ZzOBbvkvk1CZ7\
               D/7aXeyd/vWRXD66ZQbkwp8XUxchAvLCmy84pCwcxdajXoT/Ydj80X+SPuHdx7YxodSY9rl5KfOj5n3n4UPx\
               OJRXFWznOG+aterqYb+WRTmcJfS9+cJtfCz5QNnYHhdzcDePClP8d78o/6VMGAxl2sucoF+yx9XAs1vQD6wY\
               iNWh5POdlxXAr1iuztuny/MV0dlnt1/2NQtpVj3OveMNqi6LedO3beWMu5Nb3snnUdK68ExoiJVtbJZ5zEol\
               MrY9zS9J3lTVkq7whZUAm18ahbUX8g3jfl25XEVUjjKbNB3vfQIDAQAB",
        note: "webpack-dev-server shipped this certificate and its private key (ssl/server.pem); \
               users who trusted it for local HTTPS let anyone forge certificates.",
    },
    CompromisedRoot {
        // webpack/webpack-dev-server ssl/server.pem (CN=Webpack, 2017), key in the same file.
        name: "Webpack (webpack-dev-server certificate, 2017)",
        vendor: "webpack-dev-server",
        spki_sha256: hex32("3617a8ec380a5cf08b08e94b309f2d19ecffc6c7cbef3ec220220d09d78ee8ff"),
        key_id: "",
        spki: "",
        note: "webpack-dev-server shipped this self-signed certificate with its private key \
               (ssl/server.pem); trusting it lets anyone impersonate any name it covers.",
    },
    CompromisedRoot {
        // webpack/webpack-dev-server ssl/server.pem (CN=localhost, 2020), key in the same file.
        name: "localhost (webpack-dev-server certificate, 2020)",
        vendor: "webpack-dev-server",
        spki_sha256: hex32("7e339619cfc46af472859f976b2e26adda2578efb4ba2739f4ef07176ca86cf0"),
        key_id: "",
        spki: "",
        note: "webpack-dev-server shipped this self-signed certificate with its private key \
               (ssl/server.pem); trusting it lets anyone impersonate any name it covers.",
    },
];

/// The interceptor whose pattern occurs in this distinguished name, if any.
pub fn match_name(distinguished_name: &str) -> Option<&'static Interceptor> {
    // Lowered once: a bundle's hundred names meet some forty patterns.
    let name = distinguished_name.to_ascii_lowercase();
    INTERCEPTORS
        .iter()
        .zip(lowered_patterns())
        .find(|(_, patterns)| patterns.iter().any(|p| name.contains(p.as_str())))
        .map(|(i, _)| i)
}

/// Each interceptor's name patterns, ASCII-lowered (built once).
fn lowered_patterns() -> &'static [Vec<String>] {
    static LOWERED: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    LOWERED.get_or_init(|| {
        INTERCEPTORS
            .iter()
            .map(|i| {
                i.name_patterns
                    .iter()
                    .map(|p| p.to_ascii_lowercase())
                    .collect()
            })
            .collect()
    })
}

/// The compromised root with this SPKI SHA-256, if any.
pub fn match_spki(spki_sha256: &[u8; 32]) -> Option<&'static CompromisedRoot> {
    COMPROMISED_ROOTS
        .iter()
        .find(|r| &r.spki_sha256 == spki_sha256)
}

/// The public-key root whose subjectKeyIdentifier is `key_id` (lowercase hex).
pub fn match_key_id(key_id: &str) -> Option<&'static CompromisedRoot> {
    COMPROMISED_ROOTS
        .iter()
        .find(|r| !r.key_id.is_empty() && r.key_id == key_id)
}

impl CompromisedRoot {
    /// Its SubjectPublicKeyInfo DER, when the table carries it.
    pub fn spki_der(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        if self.spki.is_empty() {
            return None;
        }
        base64::engine::general_purpose::STANDARD
            .decode(self.spki)
            .ok()
    }
}

/// Decodes 64 hex digits at compile time (a bad literal fails the build).
/// Only ever evaluated in `static` initialisers, so its panics and indexing
/// are compile-time checks, never run-time ones.
#[allow(clippy::panic, clippy::indexing_slicing)]
const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("hex32: not a hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64, "hex32: need 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "interceptors_tests.rs"]
mod tests;
