//! Negative control: an idle executor that wakes every 250 ms for a moment of work. Its
//! threads spend nearly all their time waiting for work, which is healthy, not blocking.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::time::{Duration, Instant};

pub fn run(rt: &'static dyn Runtime, args: &Args) -> super::Extra {
    let run_for = Duration::from_secs_f64(args.seconds.unwrap_or(3.0));
    rt.run_all(vec![Box::pin(async move {
        let start = Instant::now();
        let mut ticks = 0u64;
        while start.elapsed() < run_for {
            rt.sleep(Duration::from_millis(250)).await;
            ticks = std::hint::black_box(ticks + 1);
        }
    }) as Task]);
    vec![]
}
