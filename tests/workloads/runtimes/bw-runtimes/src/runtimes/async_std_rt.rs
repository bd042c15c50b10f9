//! async-std: tasks run on async-global-executor's threads ("async-std/runtime"), started
//! on first use; `spawn_blocking` hands work to the `blocking` crate's pool.

use super::{Runtime, Task, Work, WORKERS};
use std::time::Duration;

struct AsyncStd;

pub fn start() -> &'static dyn Runtime {
    // The pool is sized from the environment when the first task is spawned.
    if std::env::var_os("ASYNC_STD_THREAD_COUNT").is_none() {
        std::env::set_var("ASYNC_STD_THREAD_COUNT", WORKERS.to_string());
    }
    &AsyncStd
}

impl Runtime for AsyncStd {
    fn run_all(&'static self, tasks: Vec<Task>) {
        async_std::task::block_on(async {
            let handles: Vec<_> = tasks.into_iter().map(async_std::task::spawn).collect();
            for h in handles {
                h.await;
            }
        });
    }

    fn sleep(&'static self, d: Duration) -> Task {
        Box::pin(async_std::task::sleep(d))
    }

    fn unblock(&'static self, work: Work) -> Task {
        Box::pin(async_std::task::spawn_blocking(work))
    }
}
