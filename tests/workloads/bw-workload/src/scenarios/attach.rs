//! 8. Steady blocking in a task spawned long before blockwatch attaches (`trace -p PID`):
//! a 25 ms interval ticks 40 times a second and each tick sleeps 10 ms synchronously.
//! Around it, what a busy service does all along, none of which is a worker stall: tasks
//! that keep the workers computing (3 ms on CPU, then a 2 ms timer), and `spawn_blocking`
//! closures that sleep 15 ms on blocking-pool threads started long before the attach.
//! Prints "running" after its first sleep (tests wait for it, not a fixed time).
//! Runs for --seconds (default 30) or until SIGTERM, then writes the truth: the measured
//! rate and the CLOCK_MONOTONIC time at which each sleep ended, so a test can count the
//! blocking inside any window even when a loaded machine made the rate uneven.

use super::{multi_thread, spin};
use crate::{truth, Args, Extra};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};

/// Preallocated, lock-free: recording must not block (60 s at 40/s fits).
const MAX_EVENTS: usize = 4096;
static EVENT_ENDS: [AtomicU64; MAX_EVENTS] = [const { AtomicU64::new(0) }; MAX_EVENTS];
static EVENTS: AtomicUsize = AtomicUsize::new(0);
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &Args) -> Extra {
    let run_for = Duration::from_secs_f64(args.seconds.unwrap_or(30.0));
    let start = Instant::now();
    multi_thread(2).block_on(async move {
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        // A flag, not tokio::select!: Tokio 1.49 builds here without its `macros` feature.
        tokio::spawn(async move {
            term.recv().await;
            STOP.store(true, Ordering::Relaxed);
        });
        for seed in 0..2 {
            tokio::spawn(async move {
                while !STOP.load(Ordering::Relaxed) {
                    std::hint::black_box(spin(seed, Duration::from_millis(3)));
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            });
        }
        tokio::spawn(async move {
            while !STOP.load(Ordering::Relaxed) {
                // blocking where blocking belongs: never reported
                let offloaded = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(15)));
                offloaded.await.expect("blocking task panicked");
            }
        });
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(25));
            while start.elapsed() < run_for && !STOP.load(Ordering::Relaxed) {
                tick.tick().await;
                heartbeat().await;
            }
        })
        .await
        .expect("task panicked");
    });
    let count: u64 = truth::sites().iter().map(|s| s.count()).sum();
    let n = EVENTS.load(Ordering::Relaxed).min(MAX_EVENTS);
    let ends: Vec<String> = EVENT_ENDS[..n].iter().map(|e| e.load(Ordering::Relaxed).to_string()).collect();
    vec![
        ("workers", "2".to_string()),
        ("rate_per_s", format!("{:.3}", count as f64 / start.elapsed().as_secs_f64())),
        ("event_ends_monotonic_ns", format!("[{}]", ends.join(", "))),
    ]
}

async fn heartbeat() {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    let i = EVENTS.fetch_add(1, Ordering::Relaxed);
    if i < MAX_EVENTS {
        EVENT_ENDS[i].store(monotonic_ns(), Ordering::Relaxed);
    }
    if i == 0 {
        // Readiness for tests: runtime, workers and the blocking task are all up.
        println!("running");
    }
}

/// CLOCK_MONOTONIC, the clock Python's time.monotonic_ns() reads (vDSO: no syscall).
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
