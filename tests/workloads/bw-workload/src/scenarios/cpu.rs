//! 12. Negative control: CPU-heavy polls (20 ms of arithmetic each, no syscalls). That is
//! a problem of its own (on-CPU, long polls) but NOT off-CPU blocking: no callsite.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::time::{Duration, Instant};

pub fn run(_: &Args) -> Extra {
    multi_thread(2).block_on(async {
        wait_all((0..2).map(|seed| tokio::spawn(crunch(seed))).collect()).await;
    });
    vec![]
}

async fn crunch(seed: u64) {
    for _ in 0..25 {
        std::hint::black_box(spin(seed, Duration::from_millis(20)));
        tokio::task::yield_now().await;
    }
}

/// Pure computation for `busy` (Instant::now() is a vDSO call: no syscall, no sleep).
fn spin(seed: u64, busy: Duration) -> u64 {
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
