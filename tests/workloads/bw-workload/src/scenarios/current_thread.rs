//! 7a. The `std::thread::sleep` mistake on a `current_thread` runtime: the one thread that
//! runs every task (the main thread, inside block_on) is the one that sleeps.

use crate::{Args, Extra};
use std::time::Duration;

pub fn run(_: &Args) -> Extra {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async {
        let feeds: Vec<_> = (0..2).map(|id| tokio::spawn(poll_feed(id))).collect();
        for f in feeds {
            f.await.expect("task panicked");
        }
    });
    vec![]
}

async fn poll_feed(id: u64) {
    for _ in 0..25 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        refresh_cache(id).await;
    }
}

async fn refresh_cache(id: u64) {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    std::hint::black_box(id);
}
