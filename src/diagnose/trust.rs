//! Trust: why the bundled roots do not trust a chain, as one of DESIGN.md's
//! numbered rows.
//!
//! [`classify`] picks the [`TrustRow`] (first match wins, in DESIGN.md's
//! order); each row is worded in its own function. The cases before the
//! table — trusted by the bundled roots, a time error with no common
//! validity, a rejection that is not about trust — are settled in
//! [`trust_findings`] first.
//!
//! Pure: reads the evidence, the store verdicts and the path with roles.

use super::rejection::{rejected_finding, unusable_link};
use super::{capitalized, lint, push_note, remedies, Evidence};
use crate::cert::chain::{self, Role};
use crate::cert::CertFacts;
use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::knowledge::interceptors::{self, CompromisedRoot, Interceptor, InterceptorKind};
use crate::knowledge::{self as ecosystems, Situation, TrustGap};
use crate::trust::verify::{ChainError, StoreVerdict, Verification};

/// DESIGN.md's rows for a chain the bundled roots do not trust.
#[derive(Debug)]
pub(super) enum TrustRow<'a> {
    /// 1. A root the user declared with `--ca-file`.
    DeclaredCa { anchor: String },
    /// 2. The leaf signs itself.
    SelfSignedLeaf { leaf: &'a CertFacts },
    /// 3. A root whose private key is public, installed or not.
    PublicKeyRoot {
        root: &'static CompromisedRoot,
        ca: String,
        stores: Vec<String>,
    },
    /// 4. A known inspection product's root, matched by name and in a store.
    KnownProduct {
        product: &'static Interceptor,
        ca: String,
    },
    /// 5. A root in the OS store (or `--os-roots`).
    OsTrusted,
    /// 6. A root that only claims a vendor's name and is in no store.
    ClaimedVendor {
        product: &'static Interceptor,
        ca: String,
    },
    /// 7. Anything else, through a proxy.
    ViaProxy,
    /// Before rows 8 and 9: nothing is missing, yet a link cannot be used.
    UnusableLink(Finding),
    /// 8. An issuer that is neither sent nor in any store.
    IssuerMissing { top: &'a CertFacts },
    /// 9. A root that is sent but in no store.
    SentRootInNoStore { top: &'a CertFacts },
}

/// What every row's wording needs.
struct Context<'e, 'a> {
    e: &'e Evidence<'a>,
    v: &'e Verification,
    host: &'e str,
    /// The target for commands: with its port when it is not 443.
    command_target: String,
    public: bool,
    ca_name: String,
    os_trusts: bool,
    strict_breaks_python: bool,
}

impl<'e, 'a> Context<'e, 'a> {
    fn gap(&self, situation: Situation<'e>) -> TrustGap<'_> {
        TrustGap {
            situation,
            ca_name: &self.ca_name,
            // A root only in an --os-roots file is not known to be in this
            // machine's store: remedies must not say it is.
            in_os_store: self.os_trusts && !self.v.os.user_named,
            host: &self.command_target,
            platform: self.e.platform,
            strict_x509_breaks_python: self.strict_breaks_python,
        }
    }
}

/// The trust findings for one chain: settled cases first, then the row.
pub(super) fn trust_findings(
    e: &Evidence<'_>,
    v: &Verification,
    roles: &[(&CertFacts, Role)],
) -> Vec<Finding> {
    let Err(bundled_err) = v.bundled.trust_result() else {
        return (!v.os.trusted_ignoring_time())
            .then(|| os_outdated_finding(&v.os))
            .into_iter()
            .collect();
    };
    let Some(leaf) = e.chain.first() else {
        return Vec::new();
    };
    // A public key root decides whatever else fails: its validity, a key
    // too small for webpki, a signature — anyone can forge under it.
    let public_key_root = public_key_root(e, v);
    if public_key_root.is_none() {
        // Time errors with no common validity window: the time verdict stands.
        if bundled_err.is_time() {
            return Vec::new();
        }
        let trust_error = matches!(bundled_err, ChainError::UnknownIssuer | ChainError::NoRoots)
            || (leaf.self_signed && *bundled_err == ChainError::CaUsedAsEndEntity);
        if !trust_error {
            return vec![rejected_finding(bundled_err, e.chain, roles)];
        }
    }
    let cx = Context {
        e,
        v,
        host: e.target.host.as_str(),
        command_target: if e.target.port == 443 {
            e.target.host.clone()
        } else {
            e.target.authority()
        },
        public: !e.target.is_local(),
        ca_name: trust_root_name(e, v),
        os_trusts: v.os.trusted_ignoring_time(),
        strict_breaks_python: lint::breaks_python(roles, e.now),
    };
    let danger = public_key_root
        .as_ref()
        .map(|(root, ca)| danger_warning(root, ca));
    let row = classify(&cx, leaf, public_key_root);
    let vendor_note = declared_vendor(&cx, &row);
    let mut out = vec![word(&cx, row)];
    out.extend(vendor_note);
    out.extend(danger);
    out
}

/// Beside any row: a root whose key is public is in this chain or a store.
fn danger_warning(root: &CompromisedRoot, ca: &str) -> Finding {
    let mut f = Finding::warning(
        FindingKind::CompromisedRoot,
        format!("DANGER: '{ca}' is a CA whose private key is public — anyone can forge certificates under it"),
        format!("{} Remove it from every trust store on this machine now; never install it.", root.note),
    );
    f.vendor = Some(root.vendor.to_string());
    f
}

/// DESIGN.md's table, first match wins.
fn classify<'a>(
    cx: &Context<'_, 'a>,
    leaf: &'a CertFacts,
    public_key_root: Option<(&'static CompromisedRoot, String)>,
) -> TrustRow<'a> {
    let v = cx.v;
    if let Some(custom) = v.custom.as_ref().filter(|c| c.trusted_ignoring_time()) {
        let anchor = custom
            .anchor
            .as_ref()
            .map_or("a declared CA".to_string(), |a| a.name().to_string());
        return TrustRow::DeclaredCa { anchor };
    }
    if leaf.self_signed {
        return TrustRow::SelfSignedLeaf { leaf };
    }
    if let Some((root, ca)) = public_key_root {
        return TrustRow::PublicKeyRoot {
            root,
            ca,
            stores: stores_holding_root(v),
        };
    }
    let product = named_product(cx.e, v);
    let in_store = !stores_holding_root(v).is_empty();
    match product {
        Some((product, ca)) if in_store => return TrustRow::KnownProduct { product, ca },
        _ if cx.os_trusts => return TrustRow::OsTrusted,
        Some((product, ca)) => return TrustRow::ClaimedVendor { product, ca },
        None => {}
    }
    if cx.e.via_proxy {
        return TrustRow::ViaProxy;
    }
    let linked = chain::linked(cx.e.chain);
    let top = linked
        .last()
        .and_then(|&i| cx.e.chain.get(i))
        .unwrap_or(leaf);
    if let Some(f) = unusable_link(cx.e, v, &linked, top) {
        return TrustRow::UnusableLink(f);
    }
    if top.self_signed {
        TrustRow::SentRootInNoStore { top }
    } else {
        TrustRow::IssuerMissing { top }
    }
}

/// The finding for a row; when the OS store is a file the user gave
/// (`--os-roots`), its sentences name that file, not this machine's store.
fn word(cx: &Context<'_, '_>, row: TrustRow<'_>) -> Finding {
    let mut f = word_row(cx, row);
    if cx.v.os.user_named {
        let given = format!("the OS store given with --os-roots ({})", cx.v.os.source);
        f.detail = f
            .detail
            .replace("this machine's OS store", &given)
            .replace("This machine's OS store", &capitalized(&given))
            .replace("this machine's trust store", &given);
        if cx.os_trusts {
            push_note(&mut f, "Clients that read this machine's real OS store (curl, browsers) trust it only if the root is installed there too.");
        }
    }
    f
}

fn word_row(cx: &Context<'_, '_>, row: TrustRow<'_>) -> Finding {
    match row {
        TrustRow::DeclaredCa { anchor } => declared_ca(cx, &anchor),
        TrustRow::SelfSignedLeaf { leaf } => self_signed_leaf(cx, leaf),
        TrustRow::PublicKeyRoot { root, ca, stores } => {
            public_key_root_finding(cx, root, &ca, &stores)
        }
        TrustRow::KnownProduct { product, ca } => known_product(cx, product, &ca),
        TrustRow::OsTrusted => os_trusted(cx),
        TrustRow::ClaimedVendor { product, ca } => claimed_vendor(cx, product, &ca),
        TrustRow::ViaProxy => via_proxy(cx),
        TrustRow::UnusableLink(f) => f,
        TrustRow::IssuerMissing { top } => issuer_missing(cx, top),
        TrustRow::SentRootInNoStore { top } => sent_root_in_no_store(cx, top),
    }
}

// ---------------------------------------------------------------------------
// The rows, worded

/// Row 1.
fn declared_ca(cx: &Context<'_, '_>, anchor: &str) -> Finding {
    Finding::warning(
        FindingKind::DeclaredCa,
        format!("trusted through the CA you declared ('{anchor}'), not through public roots"),
        format!(
            "Not a trust problem for tools given that CA. Clients with their own Mozilla roots ({}) fail unless they are configured with it{}.",
            ecosystems::BUNDLED_ROOT_CLIENTS.join(", "),
            if cx.os_trusts { "" } else { "; so do clients using this machine's OS store (curl, browsers), which does not hold it" }
        ),
    )
}

/// With row 1: the declared CA belongs to a known product.
fn declared_vendor(cx: &Context<'_, '_>, row: &TrustRow<'_>) -> Option<Finding> {
    if !matches!(row, TrustRow::DeclaredCa { .. }) {
        return None;
    }
    let (product, _) = named_product(cx.e, cx.v)?;
    let mut f = Finding::info(
        FindingKind::DeclaredCa,
        format!(
            "the declared CA belongs to {} ({})",
            product.vendor,
            product.kind.label()
        ),
        product.note,
    );
    f.vendor = Some(product.vendor.to_string());
    Some(f)
}

/// Row 2.
fn self_signed_leaf(cx: &Context<'_, '_>, leaf: &CertFacts) -> Finding {
    let detail = format!(
        "'{}' signs itself; no CA vouches for it. {}",
        leaf.name(),
        if cx.os_trusts {
            "This machine's OS store trusts it, so curl and browsers accept it, but clients with their own Mozilla roots (certifi, httpx, Node.js) never look there."
        } else {
            "No store trusts it, so every client fails until it is trusted explicitly."
        }
    );
    let mut f = Finding::error(
        Verdict::SelfSigned,
        format!("the server certificate '{}' is self-signed", leaf.name()),
        detail,
    );
    if let Some(known) = interceptors::match_spki(&leaf.spki_sha256) {
        // Never tell anyone to trust a certificate whose key is public.
        push_note(&mut f, &format!("Its private key is public ({}): {} Anyone can impersonate every name it covers, so never trust it; the server needs its own certificate.", known.vendor, known.note));
        f.vendor = Some(known.vendor.to_string());
        f.remedies = ecosystems::fixes_to_avoid();
        return f;
    }
    f.with_remedies(remedies(cx.gap(Situation::SelfSigned)))
}

/// Row 3.
fn public_key_root_finding(
    cx: &Context<'_, '_>,
    root: &CompromisedRoot,
    ca: &str,
    stores: &[String],
) -> Finding {
    let verdict = if cx.public {
        Verdict::CorporateInterception
    } else {
        Verdict::PrivateCa
    };
    let host = cx.host;
    let where_ = if stores.is_empty() {
        "No store here holds it, and none ever should.".to_string()
    } else {
        format!(
            "It is installed in {}: remove it now, from every store that holds it.",
            stores.join(" and ")
        )
    };
    let mut f = Finding::error(
        verdict,
        format!("{host}'s chain ends at '{ca}', a root whose private key is public ({}): anyone can forge certificates under it", root.vendor),
        format!(
            "'{ca}' is a CA whose private key anyone can download: {} A chain under it proves nothing about who answered; on a network you do not control, assume an attacker. {where_} Never install, add or trust it.",
            root.note
        ),
    )
    .with_vendor(root.vendor);
    f.remedies = removal_remedies(ca);
    f
}

/// Row 4.
fn known_product(cx: &Context<'_, '_>, product: &'static Interceptor, ca: &str) -> Finding {
    let host = cx.host;
    let mut f = Finding::error(
        Verdict::CorporateInterception,
        format!("{host}'s certificate is re-signed by {} ('{ca}')", product.vendor),
        format!(
            "The chain ends at '{ca}', a root of {} ({}) that this machine's trust store holds; it is not in Mozilla's list. {}",
            product.vendor,
            product.kind.label(),
            who_trusts_an_os_root()
        ),
    )
    .with_vendor(product.vendor)
    .with_remedies(remedies(cx.gap(Situation::Interception {
        vendor: Some(product.vendor),
    })));
    push_note(&mut f, product.note);
    f
}

/// Row 5.
fn os_trusted(cx: &Context<'_, '_>) -> Finding {
    let (host, ca) = (cx.host, cx.ca_name.as_str());
    let clients = who_trusts_an_os_root();
    if !cx.public {
        return Finding::error(
            Verdict::PrivateCa,
            format!("{host} uses a private CA ('{ca}') trusted only by the OS store"),
            format!("The chain ends at '{ca}', which this machine's OS store trusts (mkcert -install, or a company CA). {clients}"),
        )
        .with_remedies(remedies(cx.gap(Situation::PrivateCa)));
    }
    let who = "a TLS-inspecting proxy or security product";
    Finding::error(
        Verdict::CorporateInterception,
        format!("{host}'s certificate is re-signed by {who} ('{ca}')"),
        format!(
            "{host} is a public name, but its chain ends at '{ca}', a root in this machine's OS store and not in Mozilla's list. {} is intercepting TLS on this network. {clients}",
            capitalized(who)
        ),
    )
    .with_remedies(remedies(cx.gap(Situation::Interception { vendor: None })))
}

/// Who trusts a root that the OS store holds, said as the rule it is: what
/// each client on this machine really does is `clients[]` ("your tools"),
/// never generic lore that may contradict it.
fn who_trusts_an_os_root() -> &'static str {
    "Clients that verify with the OS store trust it; clients that carry their own copy of Mozilla's roots (certifi and so requests, httpx and pip before 24.2; Node's built-in list; webpki-roots) reject it unless they are pointed at a bundle that holds it. What each client found on this machine does is listed under your tools."
}

/// Row 6.
fn claimed_vendor(cx: &Context<'_, '_>, product: &Interceptor, ca: &str) -> Finding {
    let verdict = if cx.public {
        Verdict::CorporateInterception
    } else {
        Verdict::PrivateCa
    };
    let vendor = product.vendor;
    let mut f = Finding::error(
        verdict,
        format!("{}'s chain ends at '{ca}', which is named like a {vendor} root but is in no trust store", cx.host),
        format!(
            "The name is unverified: anyone can make a CA called '{ca}', and no store on this machine holds it. This may be {vendor}'s {} on a network that uses it, or an attacker posing as it. Do not trust a root because a server sent it or named it: if your organisation uses {vendor}, get its root from IT and compare the SHA-256 fingerprint.",
            product.kind.label()
        ),
    );
    f.remedies = vec![Remedy {
        ecosystem: "First".into(),
        action: format!("Ask IT whether this network inspects TLS with {vendor}, and get its root CA from them (not from this connection)."),
        commands: Vec::new(),
        avoid: false,
    }];
    f.remedies.extend(ecosystems::fixes_to_avoid());
    f
}

/// Row 7.
fn via_proxy(cx: &Context<'_, '_>) -> Finding {
    let (host, ca) = (cx.host, cx.ca_name.as_str());
    if !cx.public {
        return Finding::error(
            Verdict::PrivateCa,
            format!("{host}'s chain ends at '{ca}', a private CA that no store trusts (the connection went through a proxy)"),
            format!("{host} is a local name and the chain ends at '{ca}'. The connection went through a proxy, but a plain CONNECT tunnel re-signs nothing: this is the server's own private CA, and NO_PROXY probably lacks {host} (local services are usually reached directly). Install that CA's root where your tools look."),
        )
        .with_remedies(remedies(cx.gap(Situation::PrivateCa)));
    }
    Finding::error(
        Verdict::CorporateInterception,
        format!("the chain for {host} came through a proxy and ends at '{ca}', which no store trusts"),
        "The proxy is re-signing TLS (inspection). Ask IT for the proxy's root CA, or check whether this host should bypass the proxy (NO_PROXY).".to_string(),
    )
    .with_remedies(remedies(cx.gap(Situation::Interception { vendor: None })))
}

/// Row 8.
fn issuer_missing(cx: &Context<'_, '_>, top: &CertFacts) -> Finding {
    let (host, missing) = (cx.host, &top.issuer_display_name);
    if !cx.public {
        let maybe = if top.sha256 == cx.e.chain.first().map_or("", |l| l.sha256.as_str()) {
            format!(" The server sent only its own certificate, so '{missing}' may be the root or an intermediate: if it is an intermediate, the server should send it, and the root above it is what to install.")
        } else {
            String::new()
        };
        return Finding::error(
            Verdict::PrivateCa,
            format!("{host}'s certificate is issued by '{missing}', a private CA that is not installed"),
            format!("No store holds '{missing}' (the server did not send it either).{maybe} Install the CA's root where your tools look (mkcert -install; a company CA from IT)."),
        )
        .with_remedies(remedies(cx.gap(Situation::PrivateCa)));
    }
    let aia = top
        .ca_issuers
        .first()
        .map(|u| format!(" The certificate says its issuer can be downloaded from {u}."))
        .unwrap_or_default();
    let mut f = Finding::error(
        Verdict::IncompleteChain,
        format!("{host} does not send the intermediate certificate '{missing}'"),
        format!(
            "'{}' is issued by '{missing}', which the server did not send and no store holds. Public CAs always issue from intermediates, so the server must send them: configure the full chain (e.g. nginx ssl_certificate with fullchain.pem). Browsers may hide this by fetching or caching intermediates; curl, Python and Node fail.{aia}",
            top.name()
        ),
    );
    f.remedies.push(Remedy {
        ecosystem: "Server".into(),
        action: "Serve the full chain: the leaf, then every intermediate up to (not including) the root.".into(),
        commands: vec!["# nginx: ssl_certificate /etc/ssl/fullchain.pem;  # leaf + intermediates".into()],
        avoid: false,
    });
    f
}

/// Row 9.
fn sent_root_in_no_store(cx: &Context<'_, '_>, top: &CertFacts) -> Finding {
    let maybe = if cx.public {
        " It may also be a TLS-inspection product tlsdoctor does not know: if you are on a corporate network, ask IT."
    } else {
        ""
    };
    Finding::error(
        Verdict::PrivateCa,
        format!("{}'s chain ends at '{}', a root the server sends but no store trusts", cx.host, top.name()),
        format!("The server sent its own root CA; no client trusts a root because the server sent it.{maybe}"),
    )
    .with_remedies(remedies(cx.gap(Situation::PrivateCa)))
}

// ---------------------------------------------------------------------------
// Evidence the rows read

/// The CA to name in trust sentences: the OS/declared anchor when one was
/// found, else the top of the sent chain's issuer line.
fn trust_root_name(e: &Evidence<'_>, v: &Verification) -> String {
    if let Some(anchor) =
        v.os.anchor
            .as_ref()
            .or(v.custom.as_ref().and_then(|c| c.anchor.as_ref()))
    {
        return anchor.name().to_string();
    }
    let linked = chain::linked(e.chain);
    match linked.last().and_then(|&i| e.chain.get(i)) {
        Some(top) if top.self_signed => top.name().to_string(),
        Some(top) => top.issuer_display_name.clone(),
        None => "the issuing CA".into(),
    }
}

/// Roots the stores hold for this chain, time aside: the anchors they
/// verified to, or a root they hold that the chain names but cannot use.
fn store_roots(v: &Verification) -> impl Iterator<Item = (&StoreVerdict, &CertFacts)> {
    [Some(&v.os), v.custom.as_ref(), Some(&v.bundled)]
        .into_iter()
        .flatten()
        .flat_map(|s| {
            [&s.anchor, &s.issuer_in_store, &s.root_in_store]
                .into_iter()
                .flatten()
                .map(move |root| (s, root))
        })
}

/// The stores (by source) that hold the chain's root, usable or not.
fn stores_holding_root(v: &Verification) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (store, _) in store_roots(v) {
        let name = format!("the {} store ({})", kind_name(store), store.source);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn kind_name(s: &StoreVerdict) -> &'static str {
    match s.kind {
        crate::trust::StoreKind::Bundled => "bundled",
        crate::trust::StoreKind::Os => "OS",
        crate::trust::StoreKind::Custom => "declared (--ca-file)",
    }
}

/// Row 3's evidence: a CA certificate above the leaf, sent or held by a
/// store, whose key is public (matched by SPKI SHA-256, never by name), or,
/// when the server sent no such root, the one above the top of the chain:
/// named by key identifier in its authorityKeyIdentifier, or else whose
/// public key verifies its signature (roots without a key identifier).
fn public_key_root(
    e: &Evidence<'_>,
    v: &Verification,
) -> Option<(&'static CompromisedRoot, String)> {
    let sent = e.chain.iter().skip(1);
    let held = store_roots(v).map(|(_, root)| root);
    let by_key = sent.chain(held).find_map(|cert| {
        interceptors::match_spki(&cert.spki_sha256).map(|r| (r, cert.name().to_string()))
    });
    by_key.or_else(|| {
        let top = chain::linked(e.chain)
            .last()
            .and_then(|&i| e.chain.get(i))
            .filter(|top| !top.self_signed)?;
        let named = top
            .authority_key_id
            .as_deref()
            .and_then(interceptors::match_key_id);
        let root = named.or_else(|| {
            interceptors::COMPROMISED_ROOTS
                .iter()
                .find(|r| r.spki_der().is_some_and(|spki| top.is_signed_by_key(&spki)))
        })?;
        Some((root, top.issuer_display_name.clone()))
    })
}

/// Rows 4 and 6's evidence: an inspection product named by an issuer or a
/// root — never by the leaf's own subject, and never a public-key root
/// (those are matched by key, in row 3).
fn named_product(e: &Evidence<'_>, v: &Verification) -> Option<(&'static Interceptor, String)> {
    let issuers = e
        .chain
        .iter()
        .map(|c| (c.issuer.as_str(), c.issuer_display_name.as_str()));
    let sent_cas = e
        .chain
        .iter()
        .skip(1)
        .map(|c| (c.subject.as_str(), c.name()));
    let held = store_roots(v).map(|(_, root)| (root.subject.as_str(), root.name()));
    issuers.chain(sent_cas).chain(held).find_map(|(dn, name)| {
        interceptors::match_name(dn)
            .filter(|p| p.kind != InterceptorKind::PublicKeyCompromised)
            .map(|p| (p, name.to_string()))
    })
}

/// Remove-it remedies for a root whose key is public: never an install.
fn removal_remedies(ca: &str) -> Vec<Remedy> {
    let mut list = vec![
        Remedy {
            ecosystem: "Linux".into(),
            action: format!("Find and delete '{ca}' from the system store, then rebuild it."),
            commands: vec![
                format!("grep -rl '{ca}' /usr/local/share/ca-certificates/ /etc/ca-certificates/ 2>/dev/null  # the file(s) to delete"),
                "sudo update-ca-certificates --fresh".into(),
            ],
            avoid: false,
        },
        Remedy {
            ecosystem: "Windows / macOS".into(),
            action: format!("Delete '{ca}' from the trusted root store (certmgr.msc → Trusted Root Certification Authorities; Keychain Access → System), and uninstall the software that put it there."),
            commands: Vec::new(),
            avoid: false,
        },
        Remedy {
            ecosystem: "Any tool".into(),
            action: format!("Never install, add or trust '{ca}' (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, keytool, --ca-file): its private key is public."),
            commands: Vec::new(),
            avoid: true,
        },
    ];
    list.extend(ecosystems::fixes_to_avoid());
    list
}

// ---------------------------------------------------------------------------
// Settled before the table

fn os_outdated_finding(os: &StoreVerdict) -> Finding {
    let why = match os.trust_result() {
        Err(ChainError::NoRoots) => format!("The OS store ({}) holds no usable roots.", os.source),
        Err(err) => format!("The OS store ({}) says: {}.", os.source, err.describe()),
        Ok(_) => String::new(),
    };
    Finding::warning(
        FindingKind::OsStoreOutdated,
        "Mozilla's roots trust this chain but this machine's OS store does not: curl and browsers here will fail",
        format!("{why} Update the OS CA bundle (e.g. `sudo update-ca-certificates`, or the ca-certificates package)."),
    )
}

/// Problems reading the OS or declared store.
pub(super) fn store_load_findings(v: &Verification) -> Vec<Finding> {
    [Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.load_errors.is_empty())
        .map(|s| {
            Finding::info(
                FindingKind::TrustStore,
                format!(
                    "{} problem(s) while reading the {} store",
                    s.load_errors.len(),
                    kind_name(s)
                ),
                s.load_errors
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .collect()
}
