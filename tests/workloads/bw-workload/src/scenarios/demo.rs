//! The demo (`make demo`): a small "service" that makes the classic mistakes next to
//! code that does the same work correctly. blockwatch should name the three mistakes
//! (a synchronous sleep, std::fs on a worker, a std Mutex held across slow work) and
//! stay quiet about spawn_blocking, tokio::time::sleep and tokio::fs.
//! Runs for --seconds (default 12).

use super::multi_thread;
use crate::{Args, Extra};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static CACHE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

pub fn run(args: &Args) -> Extra {
    let until = Instant::now() + Duration::from_secs_f64(args.seconds.unwrap_or(12.0));
    let dir = args.dir.join(format!("bw-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("demo dir");
    let file = dir.join("orders.log");
    multi_thread(2).block_on(async {
        let tasks = vec![
            tokio::spawn(checkout_loop(until)),
            tokio::spawn(audit_loop(until, file.clone())),
            tokio::spawn(cache_loop(until, 0)),
            tokio::spawn(cache_loop(until, 1)),
            tokio::spawn(healthy_loop(until, file.clone())),
        ];
        for t in tasks {
            t.await.expect("demo task");
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    vec![]
}

async fn checkout_loop(until: Instant) {
    while Instant::now() < until {
        checkout().await;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Mistake 1: a synchronous retry backoff on a runtime worker.
async fn checkout() {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(15)));
}

async fn audit_loop(until: Instant, file: std::path::PathBuf) {
    while Instant::now() < until {
        write_audit(&file).await;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

/// Mistake 2: std::fs with fsync on a worker.
async fn write_audit(file: &std::path::Path) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file).expect("audit log");
    f.write_all(b"order accepted\n").expect("audit write");
    blocking!(soft; "file-io", "std::fs::File::sync_all", f.sync_all()).expect("fsync");
}

async fn cache_loop(until: Instant, id: u64) {
    while Instant::now() < until {
        refresh_cache(id).await;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Mistake 3: a std Mutex held across slow work; the other task waits for it.
async fn refresh_cache(id: u64) {
    let mut cache = blocking!(soft; "lock", "std::sync::Mutex::lock", CACHE.lock()).unwrap();
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
    cache.push(id);
    cache.truncate(16);
}

/// The same kinds of work done right: nothing here should be reported.
async fn healthy_loop(until: Instant, file: std::path::PathBuf) {
    while Instant::now() < until {
        tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20))).await.expect("spawn_blocking");
        let _ = tokio::fs::read(&file).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}
