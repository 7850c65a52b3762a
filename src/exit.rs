//! Exit codes, in one place (DESIGN.md, "Exit codes").

use crate::findings::Verdict;

/// How a run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Every target clean, or its verdict allowed.
    Clean = 0,
    /// At least one target has a diagnosis that is not allowed.
    Diagnosis = 1,
    /// Bad usage or bad input; nothing was probed.
    Usage = 2,
    /// No diagnosis, but at least one target was unreachable.
    Unreachable = 3,
    /// The output could not be written (a full disk); a closed pipe is success.
    IoError = 4,
}

impl ExitCode {
    /// The exit code for a run whose targets ended with these verdicts
    /// (`allowed` = accepted with `--allow`).
    pub fn for_verdicts(verdicts: impl IntoIterator<Item = (Verdict, bool)>) -> ExitCode {
        let mut code = ExitCode::Clean;
        for (verdict, allowed) in verdicts {
            match verdict {
                _ if allowed => {}
                Verdict::Clean => {}
                Verdict::Unreachable => {
                    if code == ExitCode::Clean {
                        code = ExitCode::Unreachable;
                    }
                }
                _ => code = ExitCode::Diagnosis,
            }
        }
        code
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn diagnosis_outranks_unreachable() {
        assert_eq!(ExitCode::for_verdicts([]), ExitCode::Clean);
        assert_eq!(ExitCode::for_verdicts([(Clean, false)]), ExitCode::Clean);
        assert_eq!(
            ExitCode::for_verdicts([(Unreachable, false), (Clean, false)]),
            ExitCode::Unreachable
        );
        assert_eq!(
            ExitCode::for_verdicts([(Unreachable, false), (Expired, false)]),
            ExitCode::Diagnosis
        );
        assert_eq!(
            ExitCode::for_verdicts([(Expired, false), (Unreachable, false)]),
            ExitCode::Diagnosis
        );
        assert_eq!(
            ExitCode::for_verdicts([(CorporateInterception, true)]),
            ExitCode::Clean
        );
        assert_eq!(
            ExitCode::for_verdicts([(Unreachable, true)]),
            ExitCode::Clean
        );
    }
}
