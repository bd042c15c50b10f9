//! 9. Negative control: the blocking work runs in `spawn_blocking`, where blocking is the
//! point. It may show up as blocking-pool activity, never as worker blocking.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn run(args: &Args) -> Extra {
    let dir = args.work_dir();
    let shared = Arc::new(Mutex::new(0u64));
    let start = Instant::now();
    multi_thread(4).block_on(async {
        wait_all((0..4).map(|i| tokio::spawn(offload(i, dir.clone(), shared.clone()))).collect()).await;
    });
    // Not a blocking site: just how long the pool was busy, for the report's sanity.
    vec![("pool_busy_ns", start.elapsed().as_nanos().to_string())]
}

async fn offload(id: u32, dir: std::path::PathBuf, shared: Arc<Mutex<u64>>) {
    let path = dir.join(format!("blob-{id}"));
    for _ in 0..30 {
        let (path, shared) = (path.clone(), shared.clone());
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(10));
            let mut f = std::fs::File::create(&path).unwrap();
            f.write_all(&[1u8; 32 * 1024]).unwrap();
            f.sync_all().unwrap();
            let mut n = shared.lock().unwrap(); // contended between pool threads: fine there
            std::thread::sleep(Duration::from_millis(2));
            *n += 1;
        })
        .await
        .expect("blocking task panicked");
    }
}
