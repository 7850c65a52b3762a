//! The bodies of tlsdoctor's fuzz targets, one function per target.
//!
//! They live here, not in `fuzz_targets/`, so that the stable-toolchain test
//! `tests/fuzz_corpus.rs` can include this file and replay every corpus
//! input through exactly the code the fuzzers run. Hence: no dependency but
//! tlsdoctor and crates tlsdoctor itself depends on.
//!
//! Each function must never panic on any input; the fuzzers report a panic
//! as a crash. Assertions here state properties that must hold for every
//! input, not only "no panic".

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use tlsdoctor::cert::CertFacts;
use tlsdoctor::observation::{
    ConnectErrorKind, Failure, HandshakeErrorKind, HttpHop, HttpObservation, HttpStop, Observation,
    ProxyErrorKind, TlsParams, FIRST_BYTES_KEPT,
};
use tlsdoctor::pipeline::judge;
use tlsdoctor::probe::http::{parse_head, HeadError, Parsed};
use tlsdoctor::report::{self, Report};
use tlsdoctor::target::{ResolveOverride, Target};
use tlsdoctor::trust::verify::Stores;
use tlsdoctor::trust::{StoreKind, TrustStore};

/// `target_parse`: a target and a `--resolve` override from any text.
pub fn target_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = Target::parse(&text) {
        assert!(t.port != 0);
        assert!(t.path_and_query.starts_with('/'), "{:?}", t.path_and_query);
        let _ = t.authority();
        let _ = t.path();
        let _ = t.is_local();
        // A parsed target's authority parses again to the same host and port.
        let again = Target::parse(&t.authority()).expect("authority of a parsed target parses");
        assert_eq!((again.host.as_str(), again.port), (t.host.as_str(), t.port));
    }
    if let Ok(r) = ResolveOverride::parse(&text) {
        assert!(r.port != 0);
    }
    let _ = tlsdoctor::target::redact(&text);
}

/// `untrusted_text`: the one module for untrusted text. Whatever the input,
/// terminal text holds no control or format character and is bounded;
/// Markdown text holds no line break and every character that could open
/// Markdown or HTML is backslash-escaped; a code span or fence cannot be
/// closed by its content; redacted URLs keep no userinfo or fragment.
pub fn untrusted_text(data: &[u8]) {
    use tlsdoctor::untrusted::{markdown, redact, terminal};
    let text = String::from_utf8_lossy(data);

    let shown = terminal::for_terminal(&text);
    assert!(!shown.chars().any(terminal::must_escape), "{shown:?}");
    // At most MAX_SHOWN characters, each at most 10 once escaped, plus the note.
    assert!(shown.chars().count() <= terminal::MAX_SHOWN * 10 + 40);

    let md = markdown::text(&text);
    assert!(!md.contains(['\n', '\r']));
    let mut chars = md.chars();
    let mut unescaped = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let next = chars.next().expect("a backslash always escapes something");
            assert!(next.is_ascii_punctuation(), "{md:?}");
            unescaped.push(next);
        } else {
            assert!(!"`*_[]<>#|~&$@".contains(c), "unescaped {c:?} in {md:?}");
            unescaped.push(c);
        }
    }
    assert_eq!(unescaped, terminal::escape(&text));
    // No autolink can start: `https://` and `www.` are broken by escapes.
    assert!(!md.to_ascii_lowercase().contains("www."), "{md:?}");
    for (i, _) in md.match_indices("://") {
        assert!(md[..i].ends_with('\\'), "{md:?}");
    }

    let span = markdown::code_span(&text);
    let ticks = span.chars().take_while(|c| *c == '`').count();
    let inner = &span[ticks..span.len() - ticks];
    assert!(!inner.contains(&"`".repeat(ticks)), "{span:?}");
    assert!(!inner.contains(['\n', '\r']));

    let fence = markdown::fence(&text, "text");
    let lines: Vec<&str> = fence.lines().collect();
    let open = lines[0].chars().take_while(|c| *c == '`').count();
    assert!(open >= 3 && lines.last() == Some(&"`".repeat(open).as_str()));
    for line in &lines[1..lines.len() - 1] {
        let trimmed = line.trim();
        let closes =
            !trimmed.is_empty() && trimmed.chars().all(|c| c == '`') && trimmed.len() >= open;
        assert!(!closes, "{fence:?}");
    }

    let url = redact::redact_url(&text);
    if let Some((_, after)) = url.split_once('#') {
        assert!(after.is_empty() || after == redact::REDACTED, "{url:?}");
    }
    // Userinfo (up to the last '@') is gone, except from a relative
    // reference (`/path`, `?q`, `#f`), which has none and may hold '@'.
    let has_scheme = text.split_once("://").is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let relative = !has_scheme
        && ((text.starts_with('/') && !text.starts_with("//")) || text.starts_with(['?', '#']));
    if !relative {
        assert!(url.matches('@').count() <= 1, "{url:?}");
    }
    let proxy = redact::redact_proxy(&text);
    assert!(proxy.matches('@').count() == 0, "{proxy:?}");
    let _ = redact::redact_config_key(&text);
}

/// `chain_read`: the PEM/DER chain reader of `tlsdoctor inspect`.
pub fn chain_read(data: &[u8]) {
    if let Ok(chain) = tlsdoctor::inspect::parse_chain_bytes(data) {
        assert!(!chain.certs.is_empty());
        if let Some(order) = &chain.file_order {
            assert_eq!(order.len(), chain.certs.len());
        }
    }
}

/// `cert_facts`: facts of one certificate, and of pairs for chaining. The
/// input is cut in two at a position given by its first two bytes.
pub fn cert_facts(data: &[u8]) {
    let (a, b) = split_two(data);
    let fa = CertFacts::from_der(a);
    let fb = CertFacts::from_der(b);
    for (x, y) in [(&fa, &fb), (&fb, &fa), (&fa, &fa)] {
        let _ = x.names_issuer(y);
        let signed = x.is_signed_by(y);
        assert!(!signed || x.names_issuer(y));
        let _ = x.valid_at(OffsetDateTime::UNIX_EPOCH);
    }
    let _ = serde_json::to_string(&fa);
    let _ = tlsdoctor::cert::format_time(fa.not_after);
    let _ = tlsdoctor::cert::format_date(fa.not_before);
}

/// `http_head`: the HTTP/1.1 response-head parser, as the probe calls it
/// (repeatedly, dropping interim responses).
pub fn http_head(data: &[u8]) {
    let mut buf = data;
    // Each complete head consumes at least one byte, so this ends.
    for _ in 0..64 {
        match parse_head(buf) {
            Ok(Parsed::Complete { head, consumed }) => {
                assert!(consumed > 0 && consumed <= buf.len());
                assert!(head.status <= 999);
                buf = buf.get(consumed..).unwrap_or_default();
            }
            Ok(Parsed::Partial) => return,
            Err(HeadError::TooManyHeaders | HeadError::Malformed(_)) => return,
            Err(other) => panic!("parse_head returned a reading error: {other:?}"),
        }
    }
}

/// `diagnose`: Verify, Diagnose and all three report formats over an
/// observation built from the input (layout: the reads below, and
/// `make_seeds.sh`, which writes it).
pub fn diagnose(data: &[u8]) {
    let _ = diagnose_verdict(data);
}

/// [`diagnose`], returning the verdict (for the seeds' regression test).
pub fn diagnose_verdict(data: &[u8]) -> tlsdoctor::findings::Verdict {
    let mut r = Reader(data);
    let failure_sel = r.u8();
    let flags = r.u8();
    let store_bits = r.u8();
    let at = OffsetDateTime::from_unix_timestamp(1_500_000_000 + i64::from(r.u32()))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let target_text = String::from_utf8_lossy(r.chunk()).into_owned();
    let target = Target::parse(&target_text)
        .or_else(|_| Target::parse("www.example.com"))
        .expect("a fixed target parses");

    let ncerts = usize::from(r.u8() % 6);
    let chain: Vec<CertificateDer<'static>> = (0..ncerts)
        .map(|_| CertificateDer::from(r.chunk().to_vec()))
        .collect();
    let first_bytes = r.chunk();
    let first_bytes = first_bytes[..first_bytes.len().min(FIRST_BYTES_KEPT)].to_vec();
    let failure = failure_of(failure_sel, &mut r);

    let http = (flags & 2 != 0).then(|| {
        let hops = (0..r.u8() % 8)
            .map(|_| {
                let status = r.u16();
                let url = String::from_utf8_lossy(r.chunk()).into_owned();
                let location = r.chunk();
                HttpHop {
                    url,
                    status: (status != 0).then_some(status),
                    location: (!location.is_empty())
                        .then(|| String::from_utf8_lossy(location).into_owned()),
                    raw_location: (flags & 16 != 0).then(|| "../x".to_string()),
                }
            })
            .collect();
        let text = String::from_utf8_lossy(r.chunk()).into_owned();
        let stop = match r.u8() % 7 {
            0 => HttpStop::Final,
            1 => HttpStop::NotHttps,
            2 => HttpStop::PortChanged,
            3 => HttpStop::Loop,
            4 => HttpStop::TooManyRedirects { limit: 5 },
            5 => HttpStop::BadLocation(text),
            _ => HttpStop::Failed(text),
        };
        HttpObservation {
            hops,
            stop,
            ..HttpObservation::default()
        }
    });

    let observation = Observation {
        connected: (flags & 1 != 0).then(|| ([127, 0, 0, 1], target.port).into()),
        failure,
        tls: (flags & 1 != 0).then(|| TlsParams {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
            key_exchange: Some("X25519".into()),
            alpn: Some("http/1.1".into()),
            sni: true,
        }),
        bytes_received: first_bytes.len() * 3,
        chain: chain.clone(),
        first_bytes,
        http,
        proxy: (flags & 4 != 0).then(|| "http://proxy.example:3128".to_string()),
        file_order: (flags & 8 != 0).then(|| (0..chain.len()).rev().collect()),
        ..Observation::default()
    };

    // Each store trusts the certificates its bits pick (bit i: chain[i]).
    let pick = |bits: u8| -> Vec<CertificateDer<'static>> {
        chain
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, c)| c.clone())
            .collect()
    };
    let stores = Stores {
        bundled: TrustStore::from_certs(StoreKind::Bundled, "fuzz bundled", pick(store_bits)),
        os: TrustStore::from_certs(StoreKind::Os, "fuzz os", pick(store_bits >> 3)),
        custom: (flags & 32 != 0)
            .then(|| TrustStore::from_certs(StoreKind::Custom, "fuzz custom", pick(!store_bits))),
    };

    let judged = judge(target, observation, &stores, at);
    let verdict = judged.diagnosis.verdict;
    assert_eq!(
        judged.diagnosis.findings.iter().find_map(|f| f.verdict()),
        (verdict != tlsdoctor::findings::Verdict::Clean).then_some(verdict),
        "the verdict is the first error finding's"
    );
    let target_report = report::target_report(
        &judged.target,
        &judged.observation,
        judged.facts,
        judged.verification.as_deref(),
        judged.diagnosis,
        flags & 64 != 0,
    );
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool_version: "fuzz",
        generated_at: "2026-01-01T00:00:00Z".into(),
        at: Some(tlsdoctor::cert::format_time(at)),
        targets: vec![target_report],
        environment: report::environment_report("linux", Vec::new(), Vec::new()),
    };
    let _ = report::human::render(&report, flags & 128 != 0);
    let _ = report::markdown::render(&report);
    let json = report::json::render(&report);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "{json}"
    );
    verdict
}

fn failure_of(sel: u8, r: &mut Reader<'_>) -> Option<Failure> {
    let message = String::from_utf8_lossy(r.chunk()).into_owned();
    let handshake = |kind| {
        Some(Failure::Handshake {
            kind,
            message: message.clone(),
        })
    };
    match sel % 20 {
        0..=3 => None,
        4 => Some(Failure::Resolve { message }),
        5 => Some(Failure::Connect {
            kind: ConnectErrorKind::Refused,
            message,
        }),
        6 => Some(Failure::Connect {
            kind: ConnectErrorKind::TimedOut,
            message,
        }),
        7 => Some(Failure::Connect {
            kind: ConnectErrorKind::Unreachable,
            message,
        }),
        8 => handshake(HandshakeErrorKind::TimedOut),
        9 => handshake(HandshakeErrorKind::ClosedByPeer),
        10 => handshake(HandshakeErrorKind::Reset),
        11 => handshake(HandshakeErrorKind::Alert(message.clone())),
        12 => handshake(HandshakeErrorKind::ProtocolVersion),
        13 => handshake(HandshakeErrorKind::InvalidMessage),
        14 => handshake(HandshakeErrorKind::BadSignature),
        15 => handshake(HandshakeErrorKind::Other),
        16 => Some(Failure::Proxy {
            kind: ProxyErrorKind::AuthenticationRequired {
                credentials_sent: sel & 0x80 != 0,
            },
            message,
        }),
        17 => Some(Failure::Proxy {
            kind: ProxyErrorKind::Refused { status: 403 },
            message,
        }),
        18 => Some(Failure::Proxy {
            kind: ProxyErrorKind::NotHttp,
            message,
        }),
        _ => Some(Failure::Proxy {
            kind: ProxyErrorKind::TimedOut,
            message,
        }),
    }
}

/// Cut `data` in two: the first two bytes (big-endian) say where.
pub fn split_two(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return (data, &[]);
    };
    let at = usize::from(u16::from_be_bytes(*head)).min(rest.len());
    rest.split_at(at)
}

/// Reads fields from fuzz input; past the end, every field is zero or empty.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    fn u16(&mut self) -> u16 {
        (u16::from(self.u8()) << 8) | u16::from(self.u8())
    }

    fn u32(&mut self) -> u32 {
        (u32::from(self.u16()) << 16) | u32::from(self.u16())
    }

    /// A field with a two-byte length.
    fn chunk(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.take(n)
    }
}

/// Encode a `diagnose` input (for seeds): the inverse of the reader above.
pub mod encode {
    /// A field with a two-byte length.
    pub fn chunk(out: &mut Vec<u8>, bytes: &[u8]) {
        let n = bytes.len().min(usize::from(u16::MAX));
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&bytes[..n]);
    }
}
