//! std file I/O in tasks: `std::fs::read` and `std::fs::write` of FIFOs whose other end
//! is a plain thread standing in for a slow device (as in bw-workload's file-io): told a
//! request is coming, it waits 10 ms and then opens its end, so each call blocks once,
//! in open(), for ~10 ms.

use crate::runtimes::{Runtime, Task};
use crate::Args;
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

const ROUNDS: usize = 30;

pub fn run(rt: &'static dyn Runtime, args: &Args) -> super::Extra {
    let dir = args.work_dir();
    let reports = make_fifo(&dir.join("reports.fifo"));
    let uploads = make_fifo(&dir.join("uploads.fifo"));
    rt.run_all(vec![
        Box::pin(read_reports(rt, reports.clone(), slow_device(reports, true))) as Task,
        Box::pin(upload_results(rt, uploads.clone(), slow_device(uploads, false))),
    ]);
    vec![]
}

fn make_fifo(path: &Path) -> PathBuf {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
    path.to_path_buf()
}

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

async fn read_reports(rt: &'static dyn Runtime, fifo: PathBuf, device: Sender<()>) {
    for _ in 0..ROUNDS {
        device.send(()).unwrap();
        let report = blocking!("file-io", "std::fs::read", std::fs::read(&fifo)).expect("read fifo");
        assert!(report.starts_with(b"status"));
        rt.sleep(Duration::from_millis(2)).await;
    }
}

async fn upload_results(rt: &'static dyn Runtime, fifo: PathBuf, device: Sender<()>) {
    for n in 0..ROUNDS {
        device.send(()).unwrap();
        let line = format!("result {n}\n");
        blocking!("file-io", "std::fs::write", std::fs::write(&fifo, line)).expect("write fifo");
        rt.sleep(Duration::from_millis(2)).await;
    }
}
