//! 16. Waiting for another thread on a worker: a std `mpsc::Receiver::recv`, a
//! `Condvar::wait` and a `JoinHandle::join`, each answered 10 ms later by a plain thread.
//! The worker sleeps in `thread::park` or a futex; blockwatch must name the API the user
//! called (category `channel`).
//!
//! Each wait is answered by the courier (scenarios::Courier), asked right before waiting,
//! so every call sleeps once. The condvar's mutex is taken before the courier is asked, so
//! the courier cannot signal before the task waits, and it holds the mutex only to set the
//! flag: the task's re-lock on waking is microseconds. The joined thread is named: an
//! unnamed one would inherit the worker's "tokio-runtime-w".

use super::{multi_thread, wait_all, Courier};
use crate::{Args, Extra};
use std::sync::mpsc::channel;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

const ROUNDS: u64 = 20;
const ANSWER_AFTER: Duration = Duration::from_millis(10);
const PAUSE: Duration = Duration::from_millis(5);

pub fn run(_: &Args) -> Extra {
    let courier = Courier::new(ANSWER_AFTER);
    multi_thread(2).block_on(async {
        wait_all(vec![
            tokio::spawn(drain_queue(courier.clone())),
            tokio::spawn(await_signal(courier)),
            tokio::spawn(join_export()),
        ])
        .await;
    });
    vec![]
}

async fn drain_queue(courier: Courier) {
    let (tx, rx) = channel::<u64>();
    for i in 0..ROUNDS {
        let tx = tx.clone();
        courier.send(move || tx.send(i).expect("queue open"));
        let got = blocking!("channel", "std::sync::mpsc::Receiver::recv", rx.recv()).expect("message");
        assert_eq!(got, i);
        tokio::time::sleep(PAUSE).await;
    }
}

async fn await_signal(courier: Courier) {
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    for _ in 0..ROUNDS {
        {
            let mut open = gate.0.lock().unwrap();
            let g = gate.clone();
            courier.send(move || {
                *g.0.lock().unwrap() = true;
                g.1.notify_one();
            });
            while !*open {
                open = blocking!("channel", "std::sync::Condvar::wait", gate.1.wait(open)).unwrap();
            }
            *open = false;
        }
        tokio::time::sleep(PAUSE).await;
    }
}

async fn join_export() {
    for _ in 0..ROUNDS {
        let export = std::thread::Builder::new().name("exporter".into()).spawn(|| std::thread::sleep(ANSWER_AFTER)).expect("spawn");
        blocking!("channel", "std::thread::JoinHandle::join", export.join()).expect("export thread");
        tokio::time::sleep(PAUSE).await;
    }
}
