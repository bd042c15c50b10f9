//! 6. `std::process::Command::output()` and `::status()` inside an async fn: the worker
//! waits for the child (output: reading its pipes until it exits, then reaping it;
//! status: reaping it).
//!
//! Both can sleep twice: while the child execs (vfork-style spawn: usually well under
//! 1 ms, but a tracer that does work on exec stretches it), then for the child's 15 ms.
//! So the sites are `split`: the truth allows up to one extra blocked interval per call.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::process::Command;
use std::time::Duration;

pub fn run(_: &Args) -> Extra {
    multi_thread(4).block_on(async {
        wait_all((0..2).map(|_| tokio::spawn(render_loop())).collect()).await;
    });
    vec![]
}

async fn render_loop() {
    for _ in 0..15 {
        let out = blocking!(split; "process-wait", "std::process::Command::output", Command::new("sleep").arg("0.015").output()).expect("run sleep");
        assert!(out.status.success());
        let status = blocking!(split; "process-wait", "std::process::Command::status", Command::new("sleep").arg("0.015").status()).expect("run sleep");
        assert!(status.success());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
