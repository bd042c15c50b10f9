//! 3. A `Drop` impl that blocks, run when a value goes out of scope at the end of an async
//! fn: the blocking hides in a line that does not look like I/O at all.
//!
//! The truth's callsite is the blocking call inside `drop()` (the innermost user frame);
//! the line where the value is dropped is recorded as an accepted alternative.

use super::{multi_thread, wait_all};
use crate::{truth, Args, Extra};
use std::time::Duration;

pub fn run(_: &Args) -> Extra {
    multi_thread(4).block_on(async {
        wait_all((0..3).map(|id| tokio::spawn(worker(id))).collect()).await;
    });
    vec![]
}

/// An audit record that flushes itself synchronously to a (simulated) remote sink.
struct AuditRecord {
    request: u64,
}

impl Drop for AuditRecord {
    fn drop(&mut self) {
        blocking!("drop", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
        std::hint::black_box(self.request);
    }
}

async fn worker(id: u64) {
    for n in 0..25 {
        handle(id * 1000 + n).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn handle(request: u64) {
    let _audit = AuditRecord { request };
    tokio::task::yield_now().await;
    truth::drop_site(line!()) } // `_audit` is dropped here, at this closing brace
