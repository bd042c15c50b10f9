//! 12. Negative control: CPU-heavy polls (20 ms of arithmetic each, no syscalls). That is
//! a problem of its own (on-CPU, long polls) but NOT off-CPU blocking: no callsite.

use super::{multi_thread, spin, wait_all};
use crate::{Args, Extra};
use std::time::Duration;

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
