//! 13. Long polls (on-CPU blocking), for `trace --polls`: a task computes for 30 ms
//! without yielding, 20 times, at a known line; another task's polls compute for only
//! 1 ms each (a negative control: below any sensible poll threshold). Off-CPU blocking:
//! none. The truth lists the long polls under "long_polls" with their measured CPU time
//! (from /proc/thread-self/schedstat, so run-queue waits do not count).

use super::{multi_thread, wait_all};
use crate::{truth, Args, Extra};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LONG_POLLS: u64 = 20;
const LONG: Duration = Duration::from_millis(30);
const SHORT: Duration = Duration::from_millis(1);

static LONG_LINE: AtomicU32 = AtomicU32::new(0);
static SHORT_LINE: AtomicU32 = AtomicU32::new(0);
static LONG_COUNT: AtomicU64 = AtomicU64::new(0);
static LONG_CPU_NS: AtomicU64 = AtomicU64::new(0);

pub fn run(_: &Args) -> Extra {
    multi_thread(2).block_on(async {
        wait_all(vec![tokio::spawn(build_index()), tokio::spawn(heartbeat())]).await;
    });
    let long = format!(
        "[{{\"file\": {}, \"line\": {}, \"count\": {}, \"total_ns\": {}}}]",
        truth::quote(file!()),
        LONG_LINE.load(Ordering::Relaxed),
        LONG_COUNT.load(Ordering::Relaxed),
        LONG_CPU_NS.load(Ordering::Relaxed)
    );
    let short = format!("{{\"file\": {}, \"line\": {}}}", truth::quote(file!()), SHORT_LINE.load(Ordering::Relaxed));
    vec![("long_polls", long), ("short_poll", short)]
}

/// The mistake: one poll of this task computes for 30 ms before its next .await.
async fn build_index() {
    for round in 0..LONG_POLLS {
        let before = cpu_ns();
        LONG_LINE.store(line!(), Ordering::Relaxed); std::hint::black_box(crunch(round, LONG));
        LONG_CPU_NS.fetch_add(cpu_ns() - before, Ordering::Relaxed);
        LONG_COUNT.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Healthy: short computations between awaits.
async fn heartbeat() {
    for round in 0..200 {
        SHORT_LINE.store(line!(), Ordering::Relaxed); std::hint::black_box(crunch(round, SHORT));
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
}

/// Pure computation for `busy` wall time (Instant::now() is a vDSO call, no syscall).
#[inline(never)]
fn crunch(seed: u64, busy: Duration) -> u64 {
    let start = Instant::now();
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

/// This thread's CPU time so far (ns): first field of /proc/thread-self/schedstat.
fn cpu_ns() -> u64 {
    let mut buf = [0u8; 96];
    let Ok(mut f) = std::fs::File::open("/proc/thread-self/schedstat") else { return 0 };
    let n = std::io::Read::read(&mut f, &mut buf).unwrap_or(0);
    let text = std::str::from_utf8(&buf[..n]).unwrap_or("");
    text.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0)
}
