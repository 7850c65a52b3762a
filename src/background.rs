//! Threads for the work a `check` does beside its probes — finding the
//! clients, loading the OS store, auditing the environment — at a lower
//! scheduling priority than the probe.
//!
//! On a machine with two cores, three busy threads share two: when the
//! server's answer arrives and the probe's thread wakes, it should get a
//! core at once, not wait for a slice while a bundle is decoded. A
//! background thread runs at `nice` +[`NICE`]; it still gets every idle
//! moment the probe leaves while it waits on the network, which is most of
//! the time. (On Linux `nice` applies to the calling thread only.)
//!
//! Owns thread spawning and priority only; what runs is the caller's.

use std::thread::JoinHandle;

/// How much lower background threads run: the CFS weight of nice 5 is a
/// third of nice 0's.
pub const NICE: i32 = 5;

/// Run `work` on a thread of its own, at the lower priority.
pub fn spawn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    std::thread::spawn(move || {
        lower_this_thread();
        work()
    })
}

/// Lower the calling thread's priority; best effort (a failure only leaves
/// it where it was).
fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::process::nice(NICE);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn work_runs_and_its_result_comes_back() {
        assert_eq!(super::spawn(|| 6 * 7).join().ok(), Some(42));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_thread_runs_lower_and_the_caller_does_not() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let inside = super::spawn(|| rustix::process::getpriority_process(None).unwrap())
            .join()
            .unwrap();
        assert_eq!(inside, (before + super::NICE).min(19));
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
    }
}
