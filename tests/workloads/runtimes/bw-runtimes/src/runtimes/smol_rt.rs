//! smol: the program starts its own executor threads, each running `Executor::run` inside
//! `smol::block_on` (the pattern smol's documentation shows), left unnamed as most programs
//! leave them; `smol::unblock` hands work to the `blocking` crate's pool.

use super::{Runtime, Task, Work, WORKERS};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

struct Smol {
    ex: smol::Executor<'static>,
    /// Dropping the sender ends every executor thread's `run`.
    stop: Mutex<Option<smol::channel::Sender<()>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

pub fn start() -> &'static dyn Runtime {
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let rt: &'static Smol =
        Box::leak(Box::new(Smol { ex: smol::Executor::new(), stop: Mutex::new(Some(stop)), threads: Mutex::new(vec![]) }));
    for _ in 0..WORKERS {
        let stopped = stopped.clone();
        let t = std::thread::spawn(move || {
            let _ = smol::block_on(rt.ex.run(stopped.recv()));
        });
        rt.threads.lock().unwrap().push(t);
    }
    rt
}

impl Runtime for Smol {
    fn run_all(&'static self, tasks: Vec<Task>) {
        let handles: Vec<_> = tasks.into_iter().map(|t| self.ex.spawn(t)).collect();
        smol::block_on(async {
            for h in handles {
                h.await;
            }
        });
    }

    fn sleep(&'static self, d: Duration) -> Task {
        Box::pin(async move {
            smol::Timer::after(d).await;
        })
    }

    fn unblock(&'static self, work: Work) -> Task {
        Box::pin(smol::unblock(work))
    }

    fn stop(&'static self) {
        self.stop.lock().unwrap().take();
        for t in self.threads.lock().unwrap().drain(..) {
            t.join().expect("executor thread panicked");
        }
    }
}
