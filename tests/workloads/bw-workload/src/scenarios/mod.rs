//! The scenarios, one file each. Positive ones wrap every blocking call in `blocking!`
//! (which records the ground truth); negative controls never use it: they must not block.

use crate::{Args, Extra};

mod async_lock;
mod attach;
mod block_in_place;
mod cpu;
mod current_thread;
mod demo;
mod drop;
mod drop_flush;
mod file_io;
mod idle;
mod long_poll;
mod mutex;
mod net;
mod process;
mod renamed;
mod sleep;
mod spawn_blocking;
mod tokio_apis;

pub struct Scenario {
    pub name: &'static str,
    pub negative: bool,
    pub about: &'static str,
    pub run: fn(&Args) -> Extra,
}

pub const ALL: &[Scenario] = &[
    Scenario { name: "sleep", negative: false, about: "std::thread::sleep in an async fn", run: sleep::run },
    Scenario { name: "file-io", negative: false, about: "std::fs::read of a slow FIFO; write + sync_all", run: file_io::run },
    Scenario { name: "drop", negative: false, about: "a Drop impl that blocks, dropped at the end of an async fn", run: drop::run },
    Scenario { name: "drop-flush", negative: false, about: "a BufWriter<File> whose drop flushes into a slow FIFO", run: drop_flush::run },
    Scenario { name: "mutex", negative: false, about: "contended std::sync::Mutex; slow work while holding the guard", run: mutex::run },
    Scenario { name: "net", negative: false, about: "std::net::TcpStream read from a slow server; blocking DNS lookup", run: net::run },
    Scenario { name: "process", negative: false, about: "std::process::Command::output in an async fn", run: process::run },
    Scenario { name: "current-thread", negative: false, about: "std::thread::sleep on a current_thread runtime", run: current_thread::run },
    Scenario { name: "renamed", negative: false, about: "std::thread::sleep on a runtime named api-worker", run: renamed::run },
    Scenario { name: "long-poll", negative: false, about: "a task computing 30 ms per poll (trace --polls)", run: long_poll::run },
    Scenario { name: "async-lock", negative: false, about: "tokio Mutex/RwLock guards held across a sleep (trace --locks)", run: async_lock::run },
    Scenario { name: "attach", negative: false, about: "steady 40/s blocking until SIGTERM or --seconds (attach with -p)", run: attach::run },
    Scenario { name: "demo", negative: false, about: "make demo: three mistakes next to correct code (--seconds, default 12)", run: demo::run },
    Scenario { name: "block-in-place", negative: true, about: "blocking inside tokio::task::block_in_place", run: block_in_place::run },
    Scenario { name: "spawn-blocking", negative: true, about: "blocking work inside spawn_blocking", run: spawn_blocking::run },
    Scenario { name: "tokio-apis", negative: true, about: "tokio time, fs, sync::Mutex, mpsc and net", run: tokio_apis::run },
    Scenario { name: "idle", negative: true, about: "a runtime that wakes every 250 ms", run: idle::run },
    Scenario { name: "cpu", negative: true, about: "CPU-heavy polls (on-CPU, never off-CPU)", run: cpu::run },
];

/// Fixed worker counts keep scenarios alike on machines with different core counts.
pub fn multi_thread(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().expect("tokio runtime")
}

/// Waits for spawned tasks (propagating panics, so a broken scenario fails loudly).
pub async fn wait_all(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        h.await.expect("task panicked");
    }
}

/// Pure computation for `busy` (Instant::now() is a vDSO call: no syscall, no sleep).
pub fn spin(seed: u64, busy: std::time::Duration) -> u64 {
    let start = std::time::Instant::now();
    let mut x = seed | 1;
    while start.elapsed() < busy {
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    x
}
