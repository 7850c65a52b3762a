//! How many probes this process can run at once without running out of
//! file descriptors, and how to say so when it does anyway. Reads only the
//! process's own limit (`getrlimit(RLIMIT_NOFILE)`); decides nothing about
//! a target.

/// File descriptors one probe can hold at once: its connection, and the
/// second one of an HTTP/1.1 fallback or a redirect.
const FDS_PER_PROBE: u64 = 2;
/// File descriptors kept for everything else: stdio, the async runtime, the
/// trust-store and configuration files read while the probes run.
const RESERVED_FDS: u64 = 32;

/// The soft limit on open files, when the platform has one.
pub fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// At most `wanted` probes at once, fewer when the open-files limit is too
/// low for that many (never fewer than one).
pub fn concurrency(wanted: usize, limit: Option<u64>) -> usize {
    match limit {
        None => wanted.max(1),
        Some(limit) => {
            let fit = limit.saturating_sub(RESERVED_FDS) / FDS_PER_PROBE;
            wanted
                .min(usize::try_from(fit).unwrap_or(usize::MAX))
                .max(1)
        }
    }
}

/// Whether `e` says this process or the system ran out of file descriptors
/// (EMFILE, ENFILE): a local problem, never the server's.
pub fn is_out_of_fds(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        let code = e.raw_os_error();
        code == Some(rustix::io::Errno::MFILE.raw_os_error())
            || code == Some(rustix::io::Errno::NFILE.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// What ran out, naming the limit (the remedy is Diagnose's to say).
pub fn out_of_fds_message(e: &std::io::Error) -> String {
    match open_files_limit() {
        Some(n) => format!("{e}; this process may open at most {n} files (`ulimit -n`)"),
        None => format!("{e}: this process reached its limit of open files"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_fits_the_limit() {
        assert_eq!(concurrency(64, None), 64);
        assert_eq!(concurrency(64, Some(1 << 20)), 64);
        assert_eq!(concurrency(64, Some(64)), 16);
        assert_eq!(concurrency(64, Some(10)), 1);
    }

    #[test]
    fn emfile_is_recognised() {
        let e = std::io::Error::from_raw_os_error(24);
        assert!(is_out_of_fds(&e));
        assert!(out_of_fds_message(&e).contains("ulimit -n"));
        assert!(!is_out_of_fds(&std::io::Error::from_raw_os_error(111)));
    }
}
