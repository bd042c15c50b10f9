//! What `trace --locks` costs per async lock operation: one spawned task on a
//! current_thread runtime locks and unlocks an uncontended `tokio::sync::Mutex` N times (no await while
//! holding it), then N times holding it across a `yield_now` (the path that reports).
//! Prints nanoseconds per operation for each loop. Run it untraced and under
//! `blockwatch trace --locks` (docs/PERFORMANCE.md).

use std::time::Instant;

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let work = rt.spawn(async move {
        let lock = tokio::sync::Mutex::new(0u64);
        let start = Instant::now();
        for _ in 0..n {
            *lock.lock().await += 1;
        }
        let plain = start.elapsed().as_nanos() as f64 / n as f64;
        let start = Instant::now();
        for _ in 0..n / 10 {
            let mut guard = lock.lock().await;
            tokio::task::yield_now().await;
            *guard += 1;
        }
        let across = start.elapsed().as_nanos() as f64 / (n / 10) as f64;
        println!("lock+unlock: {plain:.0} ns/op; held across yield_now: {across:.0} ns/op");
    });
    rt.block_on(work).expect("task");
}
