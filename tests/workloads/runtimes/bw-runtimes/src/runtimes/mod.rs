//! The runtimes the scenarios run on, behind one small trait: spawn tasks on the worker
//! threads and wait for them, sleep asynchronously, and hand a closure to the runtime's
//! blocking pool.

#[cfg(feature = "async-std")]
mod async_std_rt;
#[cfg(feature = "custom")]
mod custom;
#[cfg(feature = "smol")]
mod smol_rt;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
pub type Work = Box<dyn FnOnce() + Send + 'static>;

pub trait Runtime: Sync {
    /// Runs every task on the runtime's worker threads; returns when all are done.
    fn run_all(&'static self, tasks: Vec<Task>);
    /// An asynchronous sleep (a timer: the worker is free meanwhile).
    fn sleep(&'static self, d: Duration) -> Task;
    /// Runs `work` in the runtime's blocking pool, where blocking is the point.
    fn unblock(&'static self, work: Work) -> Task;
    /// Stops the worker threads the program started (none for async-std).
    fn stop(&'static self) {}
}

/// Starts the named runtime's worker threads; None for a runtime this build lacks.
pub fn start(name: &str) -> Option<&'static dyn Runtime> {
    match name {
        #[cfg(feature = "async-std")]
        "async-std" => Some(async_std_rt::start()),
        #[cfg(feature = "smol")]
        "smol" => Some(smol_rt::start()),
        #[cfg(feature = "custom")]
        "custom" => Some(custom::start()),
        _ => None,
    }
}

/// Worker threads for the runtimes whose size the program chooses: more than this
/// machine's CPUs, so that tasks contending for a lock really run on different threads.
pub const WORKERS: usize = 4;
