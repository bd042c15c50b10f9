//! 13. Long polls (on-CPU blocking), for `trace --polls`: a task computes for 30 ms
//! without yielding, 20 times, at a known line; another task's polls compute for only
//! 1 ms each (a negative control: below any sensible poll threshold). Off-CPU blocking:
//! none. The truth lists the long polls under "long_polls" with their measured CPU time.
//! Computations are sized in thread CPU time, not wall time, so a loaded machine that
//! preempts the worker does not shrink them.

use super::{multi_thread, wait_all};
use crate::{truth, Args, Extra};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

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

/// Pure computation until this thread has used `busy` of CPU time.
#[inline(never)]
fn crunch(seed: u64, busy: Duration) -> u64 {
    let until = cpu_ns() + busy.as_nanos() as u64;
    let mut x = seed | 1;
    while cpu_ns() < until {
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    x
}

/// This thread's CPU time so far (ns).
fn cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a pointer to a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
