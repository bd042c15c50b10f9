//! 17. `futures::executor::block_on` inside a task: the worker parks until the future it
//! was given completes (a Tokio oneshot that a plain thread answers 10 ms later).
//! Tokio's own `Runtime::block_on` and `Handle::block_on` refuse to run on a worker (they
//! panic: "Cannot start a runtime from within a runtime"); the futures executor does not
//! check, it just blocks the worker: the nested block_on that really happens.

use super::{multi_thread, wait_all, Courier};
use crate::{Args, Extra};
use std::time::Duration;

const ROUNDS: u64 = 20;

pub fn run(_: &Args) -> Extra {
    let courier = Courier::new(Duration::from_millis(10));
    multi_thread(2).block_on(async {
        wait_all((0..2).map(|id| tokio::spawn(legacy_bridge(id, courier.clone()))).collect()).await;
    });
    vec![]
}

async fn legacy_bridge(id: u64, courier: Courier) {
    for i in 0..ROUNDS {
        let answer = fetch_sync(id * 1000 + i, &courier);
        assert_eq!(answer, id * 1000 + i);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A synchronous wrapper around async code, the way a sync trait impl calls it.
fn fetch_sync(key: u64, courier: &Courier) -> u64 {
    let (tx, rx) = tokio::sync::oneshot::channel();
    courier.send(move || {
        let _ = tx.send(key);
    });
    blocking!("channel", "futures::executor::block_on", futures_executor::block_on(rx)).expect("answer")
}
