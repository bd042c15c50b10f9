//! 4. A contended `std::sync::Mutex` across workers, and a long-held guard doing slow work
//! (a synchronous sleep) while held.
//!
//! Two tasks take turns: each holds the lock for 8 ms, then pauses 2 ms before locking
//! again, so the other task is always waiting in `lock()` (~5 ms, one futex wait: the
//! holder never re-locks right away, so nobody barges in). The pause is a wake-up from a
//! plain thread rather than a tokio timer: such wake-ups go through the runtime's shared
//! queue to an idle worker, never to the worker blocked in the other task, which
//! guarantees the two tasks really run on different workers (timer wake-ups land in the
//! waking worker's LIFO slot, which let both tasks share one worker and never contend).
//! The truth counts a `lock()` as blocked only when it measurably waited (truth::COUNT_MIN);
//! the sleep while holding the guard blocks every time.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

static LEDGER: Mutex<u64> = Mutex::new(0);

pub fn run(_: &Args) -> Extra {
    multi_thread(4).block_on(async {
        wait_all((0..2).map(|_| tokio::spawn(post_entries(pacer()))).collect()).await;
    });
    vec![]
}

/// A plain thread that completes each request 2 ms after receiving it.
fn pacer() -> Sender<oneshot::Sender<()>> {
    let (tx, rx) = channel::<oneshot::Sender<()>>();
    std::thread::spawn(move || {
        for done in rx {
            std::thread::sleep(Duration::from_millis(2));
            let _ = done.send(());
        }
    });
    tx
}

async fn post_entries(pacer: Sender<oneshot::Sender<()>>) {
    for _ in 0..40 {
        post_one().await;
        let (done, pause) = oneshot::channel();
        pacer.send(done).unwrap(); // an unbounded std channel: never blocks
        pause.await.unwrap();
    }
}

async fn post_one() {
    let mut ledger = blocking!("lock", "std::sync::Mutex::lock", LEDGER.lock()).unwrap();
    // Slow work under the lock: every waiter pays for it too.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
    *ledger += 1;
}
