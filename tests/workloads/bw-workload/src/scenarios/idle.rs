//! 11. Negative control: an idle runtime that wakes every 250 ms for a moment of work.
//! Its workers spend nearly all their time parked, which is healthy, not blocking.

use super::multi_thread;
use crate::{Args, Extra};
use std::time::{Duration, Instant};

pub fn run(args: &Args) -> Extra {
    let run_for = Duration::from_secs_f64(args.seconds.unwrap_or(3.0));
    multi_thread(2).block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            let mut ticks = 0u64;
            while start.elapsed() < run_for {
                tokio::time::sleep(Duration::from_millis(250)).await;
                ticks = std::hint::black_box(ticks + 1);
            }
        })
        .await
        .expect("task panicked");
    });
    vec![]
}
