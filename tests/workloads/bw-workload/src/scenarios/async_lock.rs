//! 14. Async locks held across an .await, for `trace --locks`: a `tokio::sync::Mutex`
//! guard kept while sleeping 30 ms, 15 times, and a `tokio::sync::RwLock` write guard
//! kept while sleeping 20 ms, 10 times, each acquired at a known line, and one mutex guard
//! kept across a 1.5 s sleep (long enough to be seen while it is still held). Negative controls
//! beside them: the same kind of mutex locked and released before every .await, a
//! semaphore permit released before awaiting, and a bounded channel whose slots stay
//! taken across awaits (a channel, not a lock). No worker ever blocks off-CPU. The truth
//! lists the holds under "lock_holds" (hold time measured from acquire to release) and
//! the negative sites under "not_held".

use super::{multi_thread, wait_all};
use crate::{truth, Args, Extra};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Mutex, RwLock, Semaphore};

/// One acquisition site: its line, the line that releases the guard, and the holds
/// measured there.
struct HoldSite {
    line: AtomicU32,
    released: AtomicU32,
    count: AtomicU64,
    total_ns: AtomicU64,
}

impl HoldSite {
    const fn new() -> Self {
        HoldSite { line: AtomicU32::new(0), released: AtomicU32::new(0), count: AtomicU64::new(0), total_ns: AtomicU64::new(0) }
    }

    fn held(&self, since: Instant) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_ns.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    fn json(&self, kind: &str) -> String {
        format!(
            "{{\"file\": {}, \"line\": {}, \"released_line\": {}, \"kind\": {}, \"count\": {}, \"total_ns\": {}}}",
            truth::quote(file!()),
            self.line.load(Ordering::Relaxed),
            self.released.load(Ordering::Relaxed),
            truth::quote(kind),
            self.count.load(Ordering::Relaxed),
            self.total_ns.load(Ordering::Relaxed)
        )
    }
}

static MUTEX_HOLD: HoldSite = HoldSite::new();
static LONG_HOLD: HoldSite = HoldSite::new();
static RWLOCK_HOLD: HoldSite = HoldSite::new();
static SHORT_LOCK_LINE: AtomicU32 = AtomicU32::new(0);
static PERMIT_LINE: AtomicU32 = AtomicU32::new(0);
static CHANNEL_LINE: AtomicU32 = AtomicU32::new(0);

pub fn run(_: &Args) -> Extra {
    let sessions = Arc::new(Mutex::new(Vec::<u64>::new()));
    let config = Arc::new(RwLock::new(0u64));
    let limiter = Arc::new(Semaphore::new(2));
    let (tx, rx) = mpsc::channel::<u64>(1);
    let audit_log = Arc::new(Mutex::new(Vec::<String>::new()));
    multi_thread(2).block_on(async {
        wait_all(vec![
            tokio::spawn(refresh_sessions(sessions.clone())),
            tokio::spawn(reload_config(config)),
            tokio::spawn(count_sessions(sessions)),
            tokio::spawn(limited_work(limiter)),
            tokio::spawn(produce(tx)),
            tokio::spawn(consume(rx)),
            tokio::spawn(write_audit(audit_log)),
        ])
        .await;
    });
    let negative = |line: &AtomicU32| format!("{{\"file\": {}, \"line\": {}}}", truth::quote(file!()), line.load(Ordering::Relaxed));
    vec![
        ("lock_holds", format!("[{}, {}, {}]", MUTEX_HOLD.json("tokio::sync::Mutex"), RWLOCK_HOLD.json("tokio::sync::RwLock"), LONG_HOLD.json("tokio::sync::Mutex"))),
        ("not_held", format!("[{}, {}, {}]", negative(&SHORT_LOCK_LINE), negative(&PERMIT_LINE), negative(&CHANNEL_LINE))),
    ]
}

/// The mistake: the guard lives across a slow .await; every other task that needs the
/// sessions waits for the sleep to end.
async fn refresh_sessions(sessions: Arc<Mutex<Vec<u64>>>) {
    for round in 0..15 {
        MUTEX_HOLD.line.store(line!(), Ordering::Relaxed); let mut guard = sessions.lock().await;
        let since = Instant::now();
        tokio::time::sleep(Duration::from_millis(30)).await;
        guard.push(round);
        drop(guard); MUTEX_HOLD.released.store(line!(), Ordering::Relaxed);
        MUTEX_HOLD.held(since);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The same mistake with a write guard.
async fn reload_config(config: Arc<RwLock<u64>>) {
    for _ in 0..10 {
        RWLOCK_HOLD.line.store(line!(), Ordering::Relaxed); let mut guard = config.write().await;
        let since = Instant::now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        *guard += 1;
        drop(guard); RWLOCK_HOLD.released.store(line!(), Ordering::Relaxed);
        RWLOCK_HOLD.held(since);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The same mistake, once, for long enough that the lock is reported while still held.
async fn write_audit(log: Arc<Mutex<Vec<String>>>) {
    LONG_HOLD.line.store(line!(), Ordering::Relaxed); let mut guard = log.lock().await;
    let since = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    guard.push(String::from("audit"));
    drop(guard); LONG_HOLD.released.store(line!(), Ordering::Relaxed);
    LONG_HOLD.held(since);
}

/// Healthy: the guard is released before the task awaits anything.
async fn count_sessions(sessions: Arc<Mutex<Vec<u64>>>) {
    for _ in 0..60 {
        SHORT_LOCK_LINE.store(line!(), Ordering::Relaxed); let n = sessions.lock().await.len();
        std::hint::black_box(n);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Healthy: a permit taken and given back within one poll.
async fn limited_work(limiter: Arc<Semaphore>) {
    for _ in 0..60 {
        PERMIT_LINE.store(line!(), Ordering::Relaxed); let permit = limiter.acquire().await.unwrap();
        std::hint::black_box(&permit);
        drop(permit);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Not a lock: a bounded channel's slot is taken by the sender and freed by the receiver.
async fn produce(tx: mpsc::Sender<u64>) {
    for i in 0..30 {
        CHANNEL_LINE.store(line!(), Ordering::Relaxed); tx.send(i).await.unwrap();
    }
}

async fn consume(mut rx: mpsc::Receiver<u64>) {
    while let Some(v) = rx.recv().await {
        std::hint::black_box(v);
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}
