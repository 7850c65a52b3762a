//! Repeated probes (`--repeat N`, `--interval SECS`): the same target probed
//! N times, one attempt after the other, each a full [`super::probe`]
//! (including the HTTP/1.1 fallback and the classic-hello retry).
//!
//! `--interval` runs start to start; an attempt that outlasts it is never
//! overlapped — the next one starts when it ends. So N attempts take at most
//! N probes plus the intervals. This module only schedules and collects:
//! statistics live in [`crate::attempts`], judgement in Diagnose.

use std::time::Duration;

use super::{probe, ProbeOptions};
use crate::observation::Observation;
use crate::target::Target;

/// The most attempts per target.
pub const MAX_REPEAT: u32 = 1000;
/// The longest interval between attempts.
pub const MAX_INTERVAL_SECS: f64 = 3600.0;

/// How many attempts, how far apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repeat {
    pub count: u32,
    /// Start to start.
    pub interval: Duration,
}

impl Repeat {
    /// One attempt (no `--repeat`).
    pub const ONCE: Repeat = Repeat {
        count: 1,
        interval: Duration::ZERO,
    };

    /// Validate `--repeat` and `--interval`; `Err` is the usage message.
    pub fn parse(count: &str, interval: &str) -> Result<Repeat, String> {
        let n: u32 = count.trim().parse().map_err(|_| {
            format!(
                "--repeat '{count}': expected a whole number of attempts from 1 to {MAX_REPEAT}"
            )
        })?;
        if !(1..=MAX_REPEAT).contains(&n) {
            return Err(format!(
                "--repeat '{count}': must be from 1 to {MAX_REPEAT}"
            ));
        }
        let secs: f64 = interval.trim().parse().map_err(|_| {
            format!("--interval '{interval}': expected a number of seconds, e.g. 1 or 0.25")
        })?;
        if !(secs.is_finite() && (0.0..=MAX_INTERVAL_SECS).contains(&secs)) {
            return Err(format!(
                "--interval '{interval}': must be from 0 to {MAX_INTERVAL_SECS} seconds"
            ));
        }
        Ok(Repeat {
            count: n,
            interval: Duration::from_secs_f64(secs),
        })
    }
}

/// Probe `target` `repeat.count` times; `attempted` is called after each.
pub async fn probe_repeated(
    target: &Target,
    options: &ProbeOptions,
    repeat: Repeat,
    attempted: impl Fn(),
) -> Vec<Observation> {
    let mut out = Vec::with_capacity(repeat.count as usize);
    let mut next_start = tokio::time::Instant::now();
    for i in 0..repeat.count {
        if i > 0 {
            // Start to start, never overlapping: sleep_until a past instant returns at once.
            tokio::time::sleep_until(next_start).await;
        }
        let started = tokio::time::Instant::now();
        next_start = started + repeat.interval;
        out.push(if i == 0 {
            probe(target, options).await
        } else {
            super::probe_again(target, options).await
        });
        attempted();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_and_interval_are_validated() {
        assert_eq!(Repeat::parse("1", "0").unwrap(), Repeat::ONCE);
        let r = Repeat::parse("1000", "0.25").unwrap();
        assert_eq!((r.count, r.interval), (1000, Duration::from_millis(250)));
        for (n, i) in [
            ("0", "0"),
            ("1001", "0"),
            ("-1", "0"),
            ("ten", "0"),
            ("2.5", "0"),
            ("3", "-1"),
            ("3", "NaN"),
            ("3", "inf"),
            ("3", "3601"),
            ("3", "soon"),
        ] {
            let err = Repeat::parse(n, i).unwrap_err();
            assert!(
                err.starts_with("--repeat") || err.starts_with("--interval"),
                "{err}"
            );
        }
    }
}
