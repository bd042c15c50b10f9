//! A worker stuck for a long time: one task sleeps synchronously for 600 ms (three times
//! `--stuck`'s default 200 ms), once, while the other executor threads idle. blockwatch
//! must say so while it lasts (a STUCK live line), not only when it ends.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::time::Duration;

pub fn run(rt: &'static dyn Runtime, _: &Args) -> super::Extra {
    rt.run_all(vec![Box::pin(async move {
        rt.sleep(Duration::from_millis(100)).await;
        load_config();
        rt.sleep(Duration::from_millis(100)).await;
    }) as Task]);
    vec![]
}

fn load_config() {
    blocking!("sleep", "std::thread::sleep", std::thread::sleep(Duration::from_millis(600)));
}
