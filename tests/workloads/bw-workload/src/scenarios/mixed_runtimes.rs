//! 18. Two runtimes in one process: a multi-thread runtime on the main thread and a
//! `current_thread` runtime on an OS thread of its own (named "ct-runtime"), each running
//! tasks that call `std::thread::sleep`. The current_thread runtime's thread runs every
//! one of its tasks inside `block_on`: it is a worker, and its blocking is reported.

use super::{multi_thread, wait_all};
use crate::{truth, Args, Extra};
use std::time::Duration;

const CT_THREAD: &str = "ct-runtime";

pub fn run(_: &Args) -> Extra {
    let side = std::thread::Builder::new()
        .name(CT_THREAD.into())
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
            rt.block_on(async {
                wait_all((0..2).map(|id| tokio::spawn(poll_feed(id))).collect()).await;
            });
        })
        .expect("spawn the current_thread runtime's thread");
    multi_thread(2).block_on(async {
        wait_all((0..2).map(|id| tokio::spawn(serve(id))).collect()).await;
    });
    side.join().expect("current_thread runtime panicked");
    vec![("current_thread_name", truth::quote(CT_THREAD))]
}

async fn poll_feed(id: u64) {
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        refresh_cache(id).await;
    }
}

async fn refresh_cache(id: u64) {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    std::hint::black_box(id);
}

async fn serve(id: u64) {
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        authorize(id).await;
    }
}

async fn authorize(id: u64) {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
    std::hint::black_box(id);
}
