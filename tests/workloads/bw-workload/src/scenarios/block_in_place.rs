//! Negative control: blocking inside `tokio::task::block_in_place`, the documented way to
//! block on a multi-thread worker without stalling the runtime (the worker hands its core
//! to a new thread first). Nothing here is a worker stall: blockwatch must report no
//! callsite, and the threads whose core moved on go back to the blocking pool, where they
//! idle as blocking-pool threads, not as "blocked workers".

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::time::Duration;

/// Cores of the runtime: at the end, the threads holding them are its workers.
const WORKERS: usize = 2;

pub fn run(_args: &Args) -> Extra {
    multi_thread(WORKERS).block_on(async {
        wait_all((0..4).map(|_| tokio::spawn(report_job())).collect()).await;
    });
    vec![("workers", WORKERS.to_string())]
}

async fn report_job() {
    for _ in 0..15 {
        tokio::task::block_in_place(|| std::thread::sleep(Duration::from_millis(10)));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
