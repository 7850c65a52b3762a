//! The check and inspect report written target by target, so that memory
//! follows the targets in flight, not the number of targets: each target is
//! rendered as soon as it is judged, held only until every earlier target
//! is out (the report keeps input order), then written and dropped. What
//! the closing lines need is counted on the way ([`Summary`]).
//!
//! Owns the order and the plumbing (the JSON document around the targets,
//! markdown's summary that comes before its targets); the text of each
//! piece is the renderers'. Decides nothing: every count is of values the
//! earlier stages made.

use std::collections::BTreeMap;
use std::io::{Seek, Write};

use super::{human, json, markdown, EnvironmentReport, Format, TargetReport};
use crate::diagnose::clients::{label, Outcome};
use crate::error::OutputError;
use crate::findings::Verdict;

/// Markdown held in memory before it goes to a temporary file.
const SPOOL_IN_MEMORY: usize = 1 << 20;

/// What the report says before (or, for human, after) its targets.
#[derive(Debug, Clone)]
pub struct Header {
    pub tool_version: &'static str,
    /// When the run happened (RFC 3339).
    pub generated_at: String,
    /// The time validity was judged at, when `--at` moved it.
    pub at: Option<String>,
    pub os: String,
}

impl Header {
    /// The header a whole report carries.
    pub fn of(report: &super::Report) -> Header {
        Header {
            tool_version: report.tool_version,
            generated_at: report.generated_at.clone(),
            at: report.at.clone(),
            os: report.environment.os.clone(),
        }
    }
}

/// The counts behind the closing lines for a run over many targets.
/// Counting, not judging: the verdicts and vendors come from Diagnose.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub total: usize,
    clean: usize,
    by_interceptor: BTreeMap<String, usize>,
    by_verdict: BTreeMap<Verdict, usize>,
    failing: BTreeMap<String, usize>,
}

impl Summary {
    /// Count one target.
    pub fn add(&mut self, t: &TargetReport) {
        self.total += 1;
        if t.verdict == Verdict::Clean {
            self.clean += 1;
        } else if t.verdict == Verdict::CorporateInterception {
            let vendor = t.findings.iter().find_map(|f| f.vendor.clone());
            let anchor = t
                .trust
                .os
                .as_ref()
                .and_then(|s| s.anchor.as_ref())
                .map(|a| super::common_name(&a.subject));
            let who = match (vendor, anchor) {
                (Some(v), Some(a)) => format!("{v} ({a})"),
                (Some(v), None) => v,
                (None, Some(a)) => a,
                (None, None) => "an unknown inspection CA".into(),
            };
            *self.by_interceptor.entry(who).or_default() += 1;
        } else {
            *self.by_verdict.entry(t.verdict).or_default() += 1;
        }
        for c in t.clients.iter().filter(|c| c.outcome == Outcome::Fails) {
            *self.failing.entry(label(c)).or_default() += 1;
        }
    }

    /// "7 of 11 targets clean", "2 of 11 targets re-signed by Zscaler
    /// (Zscaler Root CA)", "curl fails on 3 of 11 targets".
    pub fn lines(&self) -> Vec<String> {
        let total = self.total;
        let mut lines = vec![format!("{} of {total} targets clean", self.clean)];
        for (who, n) in &self.by_interceptor {
            lines.push(format!("{n} of {total} targets re-signed by {who}"));
        }
        for (verdict, n) in &self.by_verdict {
            lines.push(format!("{n} of {total} targets {verdict}"));
        }
        for (client, n) in &self.failing {
            lines.push(format!("{client} fails on {n} of {total} targets"));
        }
        lines
    }
}

/// Where markdown's targets wait for the summary that goes before them:
/// memory up to `limit` bytes, then an unnamed temporary file.
struct Spool {
    limit: usize,
    memory: Vec<u8>,
    file: Option<std::fs::File>,
}

impl Spool {
    fn new(limit: usize) -> Spool {
        Spool {
            limit,
            memory: Vec::new(),
            file: None,
        }
    }

    fn write(&mut self, text: &str) -> std::io::Result<()> {
        if self.file.is_none() && self.memory.len() + text.len() > self.limit {
            let mut file = tempfile::tempfile()?;
            file.write_all(&std::mem::take(&mut self.memory))?;
            self.file = Some(file);
        }
        match self.file.as_mut() {
            Some(file) => file.write_all(text.as_bytes()),
            None => {
                self.memory.extend_from_slice(text.as_bytes());
                Ok(())
            }
        }
    }

    fn copy_to(self, out: &mut dyn Write) -> std::io::Result<()> {
        match self.file {
            None => out.write_all(&self.memory),
            Some(mut file) => {
                file.rewind()?;
                let mut reader = std::io::BufReader::new(&mut file);
                std::io::copy(&mut reader, out).map(|_| ())
            }
        }
    }
}

/// The report of `check` or `inspect`, written to `out` target by target.
/// `None` as format writes nothing (`--quiet`).
pub struct Stream<W: Write> {
    out: W,
    format: Option<Format>,
    color: bool,
    header: Header,
    summary: Summary,
    /// Rendered targets waiting for an earlier one, by input index.
    waiting: BTreeMap<usize, String>,
    /// The next index to write.
    next: usize,
    spool: Spool,
    /// The first write error; nothing more is written after it.
    failed: Option<std::io::Error>,
}

impl<W: Write> Stream<W> {
    /// Start the report (JSON: the document's opening is written now).
    pub fn start(out: W, format: Option<Format>, color: bool, header: Header) -> Stream<W> {
        let mut stream = Stream {
            out,
            format,
            color,
            header,
            summary: Summary::default(),
            waiting: BTreeMap::new(),
            next: 0,
            spool: Spool::new(SPOOL_IN_MEMORY),
            failed: None,
        };
        if format == Some(Format::Json) {
            let opening = json::opening(&stream.header);
            stream.write(&opening);
        }
        stream
    }

    /// Target `index` (0-based, input order) is ready: it is written once
    /// every earlier target is; until then only its rendered text is held.
    pub fn target(&mut self, index: usize, t: &TargetReport) {
        self.summary.add(t);
        let Some(format) = self.format else {
            self.next += 1;
            return;
        };
        let text = match format {
            Format::Human => human::target(t, self.color),
            Format::Json => json::target(t),
            Format::Markdown => markdown::target(t),
        };
        self.waiting.insert(index, text);
        while let Some(text) = self.waiting.remove(&self.next) {
            self.put(format, &text);
            self.next += 1;
        }
    }

    /// Write one target's text after the ones before it.
    fn put(&mut self, format: Format, text: &str) {
        match format {
            Format::Human if self.next > 0 => self.write(&format!("\n{text}")),
            Format::Json => self.write(&json::element(text, self.next == 0)),
            Format::Markdown => {
                if self.failed.is_none() {
                    self.failed = self.spool.write(text).err();
                }
            }
            Format::Human => self.write(text),
        }
    }

    /// Write the targets still waiting (their earlier ones never came) and
    /// the closing: summary, environment. The first write error, if any,
    /// is returned as an [`OutputError`].
    pub fn finish(mut self, environment: &EnvironmentReport) -> anyhow::Result<Summary> {
        let Some(format) = self.format else {
            return Ok(self.summary);
        };
        for (_, text) in std::mem::take(&mut self.waiting) {
            self.put(format, &text);
            self.next += 1;
        }
        let lines = if self.summary.total > 1 {
            self.summary.lines()
        } else {
            Vec::new()
        };
        match format {
            Format::Human => {
                let closing = human::closing(&lines, environment, &self.header, self.color);
                self.write(&closing);
            }
            Format::Json => {
                let closing = json::closing(environment, self.next > 0);
                self.write(&closing);
            }
            Format::Markdown => {
                let opening = markdown::opening(&self.header, &lines);
                self.write(&opening);
                let spool = std::mem::replace(&mut self.spool, Spool::new(0));
                if self.failed.is_none() {
                    self.failed = spool.copy_to(&mut self.out).err();
                }
                let closing = markdown::closing(environment);
                self.write(&closing);
            }
        }
        if self.failed.is_none() {
            self.failed = self.out.flush().err();
        }
        match self.failed {
            Some(source) => Err(OutputError {
                what: "cannot write the output".to_string(),
                source,
            }
            .into()),
            None => Ok(self.summary),
        }
    }

    fn write(&mut self, text: &str) {
        if self.failed.is_none() {
            self.failed = self.out.write_all(text.as_bytes()).err();
        }
    }
}

/// A whole report rendered at once, through the same pieces as the stream.
pub fn render_all(report: &super::Report, format: Format, color: bool) -> String {
    let header = Header::of(report);
    let mut out = Vec::new();
    let mut stream = Stream::start(&mut out, Some(format), color, header);
    for (i, t) in report.targets.iter().enumerate() {
        stream.target(i, t);
    }
    // Writing to memory cannot fail.
    let _ = stream.finish(&report.environment);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> super::super::Report {
        super::super::snapshot_tests::report()
    }

    #[test]
    fn json_in_pieces_is_serdes_document() {
        let mut report = report();
        for at in [None, Some("2026-01-02T03:04:05Z".to_string())] {
            report.at = at;
            for n in [0, 1, 2] {
                let mut r = report.clone();
                r.targets.truncate(n);
                let whole = json::to_json(&r);
                assert_eq!(render_all(&r, Format::Json, false), whole, "{n} targets");
                let _: serde_json::Value = serde_json::from_str(&whole).unwrap();
            }
        }
    }

    #[test]
    fn targets_that_end_out_of_order_are_written_in_input_order() {
        let report = report();
        for format in [Format::Human, Format::Json, Format::Markdown] {
            let header = Header::of(&report);
            let mut out = Vec::new();
            let mut stream = Stream::start(&mut out, Some(format), false, header);
            for (i, t) in report.targets.iter().enumerate().rev() {
                stream.target(i, t);
            }
            let summary = stream.finish(&report.environment).unwrap();
            assert_eq!(summary.total, report.targets.len());
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text, render_all(&report, format, false), "{format:?}");
        }
    }

    #[test]
    fn the_spool_moves_to_a_file_past_its_limit_and_keeps_every_byte() {
        let mut spool = Spool::new(10);
        let pieces = ["0123456", "789abc", "def"];
        for piece in pieces {
            spool.write(piece).unwrap();
        }
        assert!(spool.file.is_some() && spool.memory.is_empty());
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), pieces.concat());
    }

    #[test]
    fn a_write_error_is_an_output_error_and_stops_the_writing() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                self.0 += 1;
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let report = report();
        let header = Header {
            at: None,
            ..Header::of(&report)
        };
        let mut full = Full(0);
        let mut stream = Stream::start(&mut full, Some(Format::Human), false, header);
        for (i, t) in report.targets.iter().enumerate() {
            stream.target(i, t);
        }
        let error = stream.finish(&report.environment).unwrap_err();
        assert!(error.is::<OutputError>(), "{error:#}");
        assert_eq!(full.0, 1, "written after the first error");
    }
}
