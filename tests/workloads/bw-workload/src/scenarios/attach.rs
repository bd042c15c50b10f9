//! 8. Steady blocking in a task spawned long before blockwatch attaches (`trace -p PID`):
//! a 25 ms interval ticks 40 times a second and each tick sleeps 10 ms synchronously.
//! Runs for --seconds (default 30) or until SIGTERM, then writes the truth, including the
//! measured rate, so a test can check counts for any window.

use super::multi_thread;
use crate::{truth, Args, Extra};
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};

pub fn run(args: &Args) -> Extra {
    let run_for = Duration::from_secs_f64(args.seconds.unwrap_or(30.0));
    let start = Instant::now();
    multi_thread(2).block_on(async move {
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(25));
            while start.elapsed() < run_for {
                tokio::select! {
                    _ = term.recv() => break,
                    _ = tick.tick() => heartbeat().await,
                }
            }
        })
        .await
        .expect("task panicked");
    });
    let count: u64 = truth::sites().iter().map(|s| s.count()).sum();
    vec![("rate_per_s", format!("{:.3}", count as f64 / start.elapsed().as_secs_f64()))]
}

async fn heartbeat() {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
}
