//! 3b. A well-known type whose Drop blocks: a `BufWriter<File>` dropped at the end of an
//! async fn flushes its buffer into a FIFO whose reader (a plain thread) drains it only
//! every 10 ms, so the flush's write() blocks the worker. blockwatch should say `drop`,
//! name the type (BufWriter<File>) and why it blocks, at the line of the drop.

use super::multi_thread;
use crate::{Args, Extra};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

const REQUESTS: usize = 20;
const REPORT_BYTES: usize = 96 * 1024; // more than a pipe holds (64 KiB): the flush must wait

pub fn run(args: &Args) -> Extra {
    let path = args.dir.join(format!("bw-drop-flush-{}", std::process::id()));
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
    let reader = slow_reader(path.clone());
    let sink = std::fs::OpenOptions::new().write(true).open(&path).expect("open fifo"); // meets the reader's open
    multi_thread(2).block_on(async move {
        for n in 0..REQUESTS {
            export(&sink, &reader, n).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let _ = std::fs::remove_file(&path);
    vec![]
}

/// Drains REPORT_BYTES per request, starting 10 ms after being told one is coming.
fn slow_reader(path: std::path::PathBuf) -> Sender<()> {
    let (tx, rx) = channel::<()>();
    std::thread::spawn(move || {
        let mut fifo = std::fs::File::open(&path).expect("open fifo for reading");
        let mut buf = vec![0u8; REPORT_BYTES];
        for () in rx {
            std::thread::sleep(Duration::from_millis(10));
            fifo.read_exact(&mut buf).expect("drain report");
        }
    });
    tx
}

async fn export(sink: &std::fs::File, reader: &Sender<()>, n: usize) {
    let mut out = std::io::BufWriter::with_capacity(2 * REPORT_BYTES, sink.try_clone().expect("dup fifo"));
    out.write_all(&vec![b'a' + (n % 26) as u8; REPORT_BYTES]).expect("buffered write"); // no syscall yet
    reader.send(()).expect("reader");
    tokio::task::yield_now().await;
    blocking!("drop", "std::io::Write::write", drop(out)); // the flush happens here
}
