//! The work a `check` does beside its probes — loading the OS store,
//! finding the clients, auditing the environment — on one worker thread,
//! one job after another, at a lower scheduling priority than the probe.
//!
//! On a machine with two cores, the probe's thread needs one of them
//! whenever the server's answer arrives. Three threads on two cores made
//! the probe share a core, and wait a scheduler slice (0.75 ms on Linux)
//! at a time while a bundle was decoded; one worker leaves it a core of its
//! own. The worker runs at `nice` +[`NICE`], so that it yields to the probe
//! (and to the local server of a benchmark) when they meet; it still gets
//! every moment they leave while waiting on the network. (On Linux `nice`
//! applies to the calling thread only.)
//!
//! Jobs run in the order they are handed in; a job must not wait for a
//! later one. A job that panics answers `None` and the next ones still run.
//!
//! Owns the worker and its priority only; what runs is the caller's.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Mutex, OnceLock, PoisonError};

/// How much lower the worker runs: the CFS weight of nice 5 is a third of
/// nice 0's.
pub const NICE: i32 = 5;

type Job = Box<dyn FnOnce() + Send>;

/// A job's result, once the worker has run it.
pub struct Handle<T>(Receiver<Option<T>>);

impl<T> Handle<T> {
    /// Wait for the job; `None` when it panicked (or the worker is gone).
    pub fn join(self) -> Option<T> {
        self.0.recv().ok().flatten()
    }
}

/// Run `work` on the worker, after the jobs handed in before it.
pub fn spawn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Handle<T> {
    let (tx, rx) = channel();
    let job: Job = Box::new(move || {
        let out = catch_unwind(AssertUnwindSafe(work)).ok();
        let _ = tx.send(out);
    });
    let sent = worker()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|queue| queue.send(job));
    if let Some(Err(returned)) = sent {
        // No worker (it could not start): run the job here.
        (returned.0)();
    }
    Handle(rx)
}

/// The worker's queue, the worker started on first use (`None` when the
/// thread could not start: jobs then run on the caller's thread).
fn worker() -> &'static Mutex<Option<Sender<Job>>> {
    static QUEUE: OnceLock<Mutex<Option<Sender<Job>>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let started = std::thread::Builder::new()
            .name("tlsdoctor-background".into())
            .spawn(move || {
                lower_this_thread();
                for job in rx {
                    job();
                }
            });
        Mutex::new(started.ok().map(|_| tx))
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
    fn jobs_run_in_order_and_their_results_come_back() {
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let order = order.clone();
                super::spawn(move || {
                    order.lock().unwrap().push(i);
                    i * 10
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        assert_eq!(results, [Some(0), Some(10), Some(20), Some(30), Some(40)]);
        let order = order.lock().unwrap();
        let mine: Vec<i32> = order.iter().copied().collect();
        assert_eq!(mine, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_job_that_panics_answers_none_and_the_next_still_runs() {
        let bad = super::spawn(|| -> i32 { panic!("a bug in a job") });
        let good = super::spawn(|| 7);
        assert_eq!(bad.join(), None);
        assert_eq!(good.join(), Some(7));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_worker_runs_lower_and_the_caller_does_not() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let inside = super::spawn(|| rustix::process::getpriority_process(None).unwrap())
            .join()
            .unwrap();
        assert_eq!(inside, (before + super::NICE).min(19));
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
    }
}
