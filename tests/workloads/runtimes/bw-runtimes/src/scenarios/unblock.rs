//! Negative control: the blocking work runs in the runtime's blocking pool
//! (`spawn_blocking`, `unblock`), where blocking is the point. It may show up as
//! blocking-pool time, never as an executor thread's blocking.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn run(rt: &'static dyn Runtime, args: &Args) -> super::Extra {
    let dir = args.work_dir();
    let shared = Arc::new(Mutex::new(0u64));
    rt.run_all((0..4).map(|i| Box::pin(offload(rt, i, dir.clone(), shared.clone())) as Task).collect());
    vec![]
}

async fn offload(rt: &'static dyn Runtime, id: u32, dir: std::path::PathBuf, shared: Arc<Mutex<u64>>) {
    let path = dir.join(format!("blob-{id}"));
    for _ in 0..30 {
        let (path, shared) = (path.clone(), shared.clone());
        rt.unblock(Box::new(move || {
            std::thread::sleep(Duration::from_millis(10));
            let mut f = std::fs::File::create(&path).unwrap();
            f.write_all(&[1u8; 32 * 1024]).unwrap();
            let mut n = shared.lock().unwrap(); // contended between pool threads: fine there
            std::thread::sleep(Duration::from_millis(2));
            *n += 1;
        }))
        .await;
    }
}
