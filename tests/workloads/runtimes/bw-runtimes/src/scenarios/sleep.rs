//! `std::thread::sleep` in a task: the executor thread sleeps and every task queued on it
//! waits. `steady`: the same for --seconds (default 30), for `trace -p` on a process that
//! was running long before; prints "running" after its first sleep (tests wait for it).

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn run(rt: &'static dyn Runtime, _: &Args) -> super::Extra {
    rt.run_all((0..4).map(|id| Box::pin(client(rt, id, Rounds::Count(25))) as Task).collect());
    vec![]
}

pub fn run_steady(rt: &'static dyn Runtime, args: &Args) -> super::Extra {
    let until = Instant::now() + Duration::from_secs_f64(args.seconds.unwrap_or(30.0));
    rt.run_all((0..4).map(|id| Box::pin(client(rt, id, Rounds::Until(until))) as Task).collect());
    vec![]
}

#[derive(Clone, Copy)]
enum Rounds {
    Count(u64),
    Until(Instant),
}

static RUNNING: AtomicBool = AtomicBool::new(false);

async fn client(rt: &'static dyn Runtime, id: u64, rounds: Rounds) {
    let mut req = 0;
    while match rounds {
        Rounds::Count(n) => req < n,
        Rounds::Until(t) => Instant::now() < t,
    } {
        std::hint::black_box(load_profile(id * 1000 + req).await);
        if matches!(rounds, Rounds::Until(_)) && !RUNNING.swap(true, Ordering::Relaxed) {
            println!("running");
            let _ = std::io::stdout().flush();
        }
        rt.sleep(Duration::from_millis(20)).await;
        req += 1;
    }
}

async fn load_profile(key: u64) -> u64 {
    // The mistake: a synchronous "retry backoff" on an executor thread.
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(10)));
    key.wrapping_mul(31)
}
