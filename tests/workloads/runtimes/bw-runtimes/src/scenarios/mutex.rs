//! A contended `std::sync::Mutex`: four tasks on four executor threads take turns on one
//! ledger and do slow work (a synchronous sleep) while holding it, so the others wait in
//! `lock()`. The truth counts a `lock()` as blocked only when it measurably waited.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::sync::Mutex;
use std::time::Duration;

static LEDGER: Mutex<u64> = Mutex::new(0);

pub fn run(rt: &'static dyn Runtime, _: &Args) -> super::Extra {
    rt.run_all((0..4).map(|_| Box::pin(clerk(rt)) as Task).collect());
    vec![]
}

async fn clerk(rt: &'static dyn Runtime) {
    for _ in 0..20 {
        post_one();
        rt.sleep(Duration::from_millis(3)).await;
    }
}

fn post_one() {
    let mut ledger = blocking!("lock", "std::sync::Mutex::lock", LEDGER.lock()).unwrap();
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(5)));
    *ledger += 1;
}
