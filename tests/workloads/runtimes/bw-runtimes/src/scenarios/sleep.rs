//! `std::thread::sleep` in a task: the executor thread sleeps and every task queued on it
//! waits.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::time::Duration;

pub fn run(rt: &'static dyn Runtime, _: &Args) {
    rt.run_all((0..4).map(|id| Box::pin(client(rt, id)) as Task).collect());
}

async fn client(rt: &'static dyn Runtime, id: u64) {
    for req in 0..25 {
        std::hint::black_box(load_profile(id * 1000 + req).await);
        rt.sleep(Duration::from_millis(20)).await;
    }
}

async fn load_profile(key: u64) -> u64 {
    // The mistake: a synchronous "retry backoff" on an executor thread.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    key.wrapping_mul(31)
}
