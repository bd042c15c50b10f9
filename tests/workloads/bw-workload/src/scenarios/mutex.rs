//! 4. A contended `std::sync::Mutex` across workers, and a long-held guard doing slow work
//! (a synchronous sleep) while held.
//!
//! Two tasks pass a baton: the holder, right after locking, asks a plain "pacer" thread to
//! hand the baton to the other task 1 ms later, then sleeps 8 ms while holding the guard.
//! So the other task always calls `lock()` while the lock is held and waits ~7 ms, in one
//! futex wait (the holder never re-locks before getting the baton back, so nobody barges).
//! The baton comes from a plain thread on purpose: such wake-ups go through the runtime's
//! shared queue to an idle worker. A wake-up from a worker would land in that worker's
//! LIFO slot, which other workers cannot steal from, and the two tasks could end up
//! taking turns on one worker without ever contending.
//! The truth counts a `lock()` as blocked only when it measurably waited (truth::COUNT_MIN);
//! the sleep while holding the guard blocks every time.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::sync::mpsc::{channel, Sender};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

const ROUNDS: usize = 40;

static LEDGER: Mutex<u64> = Mutex::new(0);
/// Where the holder lets go of the lock (waking the waiter): "held by ... at" this line.
static RELEASE_LINE: AtomicU32 = AtomicU32::new(0);

type Baton = UnboundedSender<()>;

pub fn run(_: &Args) -> Extra {
    let pacer = pacer();
    let (to_a, for_a) = unbounded_channel();
    let (to_b, for_b) = unbounded_channel();
    to_a.send(()).unwrap(); // A starts
    multi_thread(4).block_on(async {
        wait_all(vec![
            tokio::spawn(clerk(for_a, to_b, pacer.clone())),
            tokio::spawn(clerk(for_b, to_a, pacer)),
        ])
        .await;
    });
    vec![("holder", format!("{{\"file\": {}, \"line\": {}}}", crate::truth::quote(file!()), RELEASE_LINE.load(Ordering::Relaxed)))]
}

/// A plain thread that passes each baton on 1 ms after being asked to.
fn pacer() -> Sender<Baton> {
    let (tx, rx) = channel::<Baton>();
    std::thread::spawn(move || {
        for baton in rx {
            std::thread::sleep(Duration::from_millis(1));
            let _ = baton.send(()); // the last one finds its receiver gone: fine
        }
    });
    tx
}

async fn clerk(mut baton: UnboundedReceiver<()>, partner: Baton, pacer: Sender<Baton>) {
    for _ in 0..ROUNDS {
        baton.recv().await.expect("baton");
        post_one(&partner, &pacer).await;
    }
}

async fn post_one(partner: &Baton, pacer: &Sender<Baton>) {
    let mut ledger = blocking!("lock", "std::sync::Mutex::lock", LEDGER.lock()).unwrap();
    pacer.send(partner.clone()).unwrap(); // an unbounded std channel: never blocks
    // Slow work under the lock: the partner, arriving in 1 ms, pays for it too.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(8)));
    *ledger += 1;
    RELEASE_LINE.store(line!(), Ordering::Relaxed); drop(ledger);
}
