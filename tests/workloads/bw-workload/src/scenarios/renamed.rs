//! 7b. The `std::thread::sleep` mistake on a runtime whose threads are named "api-worker":
//! worker recognition must not rely on Tokio's default thread name.

use super::wait_all;
use crate::{truth, Args, Extra};
use std::time::Duration;

const THREAD_NAME: &str = "api-worker";

pub fn run(_: &Args) -> Extra {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        wait_all((0..3).map(|id| tokio::spawn(serve(id))).collect()).await;
    });
    vec![("thread_name", truth::quote(THREAD_NAME))]
}

async fn serve(id: u64) {
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(15)).await;
        authenticate(id).await;
    }
}

async fn authenticate(id: u64) {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    std::hint::black_box(id);
}
