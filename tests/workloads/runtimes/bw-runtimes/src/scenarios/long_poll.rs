//! Long polls (on-CPU blocking), for `trace --polls`: one task computes for 30 ms of its
//! thread's CPU time before each .await, 20 times; another computes for 1 ms at a time
//! (below any sensible poll threshold: not to be reported). No off-CPU blocking. The
//! truth lists the long polls under "long_polls" (bw-workload's format).

use crate::runtimes::{Runtime, Task};
use crate::{truth, Args};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

static LONG_LINE: AtomicU32 = AtomicU32::new(0);
static SHORT_LINE: AtomicU32 = AtomicU32::new(0);
static LONG_COUNT: AtomicU64 = AtomicU64::new(0);
static LONG_CPU_NS: AtomicU64 = AtomicU64::new(0);

pub fn run(rt: &'static dyn Runtime, _: &Args) -> super::Extra {
    rt.run_all(vec![Box::pin(build_index(rt)) as Task, Box::pin(heartbeat(rt))]);
    let at = |line: &AtomicU32| format!("\"file\": {}, \"line\": {}", truth::quote(file!()), line.load(Ordering::Relaxed));
    let (count, cpu) = (LONG_COUNT.load(Ordering::Relaxed), LONG_CPU_NS.load(Ordering::Relaxed));
    let long = format!("[{{{}, \"count\": {count}, \"total_ns\": {cpu}}}]", at(&LONG_LINE));
    let short = format!("{{{}}}", at(&SHORT_LINE));
    vec![("long_polls", long), ("short_poll", short)]
}

/// The mistake: one poll of this task computes for 30 ms before its next .await.
async fn build_index(rt: &'static dyn Runtime) {
    for round in 0..20 {
        let spent = thread_cpu();
        LONG_LINE.store(line!(), Ordering::Relaxed); std::hint::black_box(busy_for(round, 30_000_000));
        LONG_CPU_NS.fetch_add(thread_cpu() - spent, Ordering::Relaxed);
        LONG_COUNT.fetch_add(1, Ordering::Relaxed);
        rt.sleep(Duration::from_millis(5)).await;
    }
}

/// Healthy: short computations between awaits.
async fn heartbeat(rt: &'static dyn Runtime) {
    for round in 0..100 {
        SHORT_LINE.store(line!(), Ordering::Relaxed); std::hint::black_box(busy_for(round, 1_000_000));
        rt.sleep(Duration::from_millis(3)).await;
    }
}

/// Hashes until the calling thread has spent `ns` of CPU time (not wall time: a loaded
/// machine that preempts it does not shorten the computation).
#[inline(never)]
fn busy_for(seed: u64, ns: u64) -> u64 {
    let deadline = thread_cpu() + ns;
    let mut h = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    loop {
        for _ in 0..512 {
            h = h.rotate_left(5).wrapping_mul(0x100_0000_01b3) ^ 0x55;
        }
        if thread_cpu() >= deadline {
            return h;
        }
    }
}

fn thread_cpu() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a known clock and a live timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}
