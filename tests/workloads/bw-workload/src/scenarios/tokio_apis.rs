//! 10. Negative control: the async versions of every mistake in the positive scenarios.
//! `tokio::time::sleep`, `tokio::fs` (which uses the blocking pool), a contended
//! `tokio::sync::Mutex` held across an await, mpsc channels and `tokio::net` against the
//! same slow server as scenario 5. Workers only ever park.

use super::{multi_thread, net::spawn_slow_server, wait_all};
use crate::{Args, Extra};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn run(args: &Args) -> Extra {
    let dir = args.work_dir();
    let server = spawn_slow_server();
    let rt = multi_thread(4);
    let lock = Arc::new(tokio::sync::Mutex::new(0u64));
    let (tx, rx) = tokio::sync::mpsc::channel::<u64>(4);
    let mut tasks = vec![
        rt.spawn(timers()),
        rt.spawn(files(dir.join("data"))),
        rt.spawn(producer(tx)),
        rt.spawn(consumer(rx)),
        rt.spawn(net(server)),
    ];
    for _ in 0..3 {
        tasks.push(rt.spawn(hold_async_lock(lock.clone())));
    }
    rt.block_on(wait_all(tasks));
    vec![]
}

async fn timers() {
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn files(path: std::path::PathBuf) {
    for i in 0..20u8 {
        tokio::fs::write(&path, vec![i; 64 * 1024]).await.unwrap();
        let mut f = tokio::fs::OpenOptions::new().append(true).open(&path).await.unwrap();
        f.write_all(b"tail").await.unwrap();
        f.sync_all().await.unwrap();
        assert_eq!(tokio::fs::read(&path).await.unwrap().len(), 64 * 1024 + 4);
    }
}

async fn hold_async_lock(lock: Arc<tokio::sync::Mutex<u64>>) {
    for _ in 0..15 {
        let mut n = lock.lock().await; // waiting here parks the task, not the worker
        tokio::time::sleep(Duration::from_millis(5)).await;
        *n += 1;
    }
}

async fn producer(tx: tokio::sync::mpsc::Sender<u64>) {
    for i in 0..50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        tx.send(i).await.unwrap();
    }
}

async fn consumer(mut rx: tokio::sync::mpsc::Receiver<u64>) {
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
    }
    assert_eq!(sum, 49 * 50 / 2);
}

async fn net(server: std::net::SocketAddr) {
    let mut conn = tokio::net::TcpStream::connect(server).await.unwrap();
    conn.set_nodelay(true).unwrap();
    for _ in 0..25 {
        conn.write_all(b"?").await.unwrap();
        let mut answer = [0u8; 1];
        conn.read_exact(&mut answer).await.unwrap();
    }
}
