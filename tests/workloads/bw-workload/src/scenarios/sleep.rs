//! 1. `std::thread::sleep` inside an async fn on the multi-thread runtime: the worker
//! thread sleeps and every task queued behind it waits.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::time::Duration;

pub fn run(_: &Args) -> Extra {
    multi_thread(4).block_on(async {
        wait_all((0..4).map(|id| tokio::spawn(client(id))).collect()).await;
    });
    vec![]
}

async fn client(id: u64) {
    for req in 0..25 {
        std::hint::black_box(handle_request(id, req).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// Two async fns deep: after inlining, both bodies live inside the task's poll function.
async fn handle_request(id: u64, req: u64) -> u64 {
    tokio::task::yield_now().await;
    load_profile(id * 1000 + req).await
}

async fn load_profile(key: u64) -> u64 {
    // The mistake: a synchronous "retry backoff" on a runtime worker.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    key.wrapping_mul(31)
}
