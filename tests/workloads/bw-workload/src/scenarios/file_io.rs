//! 2. std file I/O inside async fns: `std::fs::read` and `std::fs::write` of slow FIFOs,
//! and `write` + `sync_all` of a real file.
//!
//! Regular files are served from the page cache and do not sleep, so the deterministic
//! cases use FIFOs whose other end is a plain thread standing in for a slow device: told
//! (over a channel, which never blocks the sender) that a request is coming, it waits
//! 10 ms and then opens its end, so each `std::fs::read`/`std::fs::write` blocks exactly
//! once, in open(), for ~10 ms. `sync_all` is a real fsync whose cost depends on the disk
//! (often under 1 ms), so it is a "soft" site: accepted at its line, not required.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

const ROUNDS: usize = 30;
const SYNCS: usize = 20;

pub fn run(args: &Args) -> Extra {
    let dir = args.work_dir();
    let rt = multi_thread(4);
    let reports = make_fifo(&dir.join("reports.fifo"));
    let uploads = make_fifo(&dir.join("uploads.fifo"));
    let tasks = vec![
        rt.spawn(read_reports(reports.clone(), slow_device(reports, true))),
        rt.spawn(upload_results(uploads.clone(), slow_device(uploads, false))),
        rt.spawn(save_journal(dir.join("journal"))),
    ];
    rt.block_on(wait_all(tasks));
    vec![]
}

fn make_fifo(path: &Path) -> PathBuf {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
    path.to_path_buf()
}

/// The far end of a FIFO, a plain thread: for each request, waits 10 ms, then opens its
/// end (which releases the task waiting in its own open()) and writes a report into it or
/// drains what was written.
fn slow_device(fifo: PathBuf, produces: bool) -> Sender<()> {
    let (requests, rx) = channel::<()>();
    std::thread::spawn(move || {
        for () in rx {
            std::thread::sleep(Duration::from_millis(10));
            let mut f = std::fs::OpenOptions::new().read(!produces).write(produces).open(&fifo).expect("open fifo");
            if produces {
                f.write_all(b"status: ok\n").expect("write fifo");
            } else {
                f.read_to_end(&mut Vec::new()).expect("drain fifo");
            }
        }
    });
    requests
}

async fn read_reports(fifo: PathBuf, device: Sender<()>) {
    for _ in 0..ROUNDS {
        device.send(()).unwrap();
        let report = load_report(&fifo).await;
        assert!(report.starts_with(b"status"));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn load_report(path: &Path) -> Vec<u8> {
    blocking!("file-io", "std::fs::read", std::fs::read(path)).expect("read fifo")
}

async fn upload_results(fifo: PathBuf, device: Sender<()>) {
    for n in 0..ROUNDS {
        device.send(()).unwrap();
        let line = format!("result {n}\n");
        blocking!("file-io", "std::fs::write", std::fs::write(&fifo, line)).expect("write fifo");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn save_journal(path: PathBuf) {
    let mut file = std::fs::File::create(&path).expect("create journal");
    let entry = vec![b'j'; 256 * 1024];
    for _ in 0..SYNCS {
        file.write_all(&entry).expect("write journal"); // into the page cache: no sleep
        blocking!(soft; "file-io", "std::fs::File::sync_all", file.sync_all()).expect("fsync journal");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
