//! 4. A contended `std::sync::Mutex` across workers, and a long-held guard doing slow work
//! (a synchronous sleep) while held.
//!
//! Two tasks take turns: each holds the lock for 8 ms, then awaits a 2 ms timer before
//! locking again, so the other task is always waiting in `lock()` (~5 ms, one futex wait,
//! no barging: the holder never re-locks right away). The truth counts a `lock()` as
//! blocked only when it measurably waited (see truth::COUNT_MIN); the sleep while holding
//! the guard blocks every time.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::sync::Mutex;
use std::time::Duration;

static LEDGER: Mutex<u64> = Mutex::new(0);

pub fn run(_: &Args) -> Extra {
    multi_thread(4).block_on(async {
        wait_all((0..2).map(|_| tokio::spawn(post_entries())).collect()).await;
    });
    vec![]
}

async fn post_entries() {
    for _ in 0..40 {
        post_one().await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn post_one() {
    let mut ledger = blocking!("lock", "std::sync::Mutex::lock", LEDGER.lock()).unwrap();
    // Slow work under the lock: every waiter pays for it too.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
    *ledger += 1;
}
