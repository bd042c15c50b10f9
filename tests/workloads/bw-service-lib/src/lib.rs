//! A Tokio runtime that lives in a shared object: a C program (so-host.c) calls
//! `bw_service_run`. blockwatch must find the runtime's park functions in this .so,
//! not in the executable. The mistake is the usual one, at a line the library reports
//! back through `bw_service_blocking_line` (ground truth, never hard-coded in tests).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static BLOCKING_LINE: AtomicU32 = AtomicU32::new(0);

const TASKS: u32 = 4;

/// Runs the service: 4 tasks x N requests (N from $BW_SERVICE_ROUNDS, default 10),
/// each blocking its worker for 10 ms. Returns the number of blocking calls made.
#[no_mangle]
pub extern "C" fn bw_service_run() -> u32 {
    let rounds: u32 = std::env::var("BW_SERVICE_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS).map(|_| tokio::spawn(serve(rounds))).collect();
        for t in tasks {
            t.await.expect("task");
        }
    });
    TASKS * rounds
}

/// The line of the blocking call in this file.
#[no_mangle]
pub extern "C" fn bw_service_blocking_line() -> u32 {
    BLOCKING_LINE.load(Ordering::Relaxed)
}

async fn serve(rounds: u32) {
    for _ in 0..rounds {
        lookup().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn lookup() {
    BLOCKING_LINE.store(line!(), Ordering::Relaxed); std::thread::sleep(Duration::from_millis(10));
}
