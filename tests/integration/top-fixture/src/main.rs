// Three tasks block the runtime's workers in different ways. The tests grep
// the TOP-* marker comments for the expected file:line, so lines can move.
//   slow_query:  15 ms every ~50 ms   (largest total over a short trace)
//   poll_cache:   1 ms every ~10 ms   (most frequent: sorts first by count)
//   load_config:  3 s once, starting 1.5 s in, then every 6 s
//                 (a worker stuck right now; largest max)
use std::time::Duration;

#[inline(never)]
async fn slow_query() {
    std::thread::sleep(Duration::from_millis(15)); // TOP-SLOW
}

#[inline(never)]
async fn poll_cache() {
    std::thread::sleep(Duration::from_millis(1)); // TOP-FREQUENT
}

#[inline(never)]
async fn load_config() {
    std::thread::sleep(Duration::from_secs(3)); // TOP-STUCK
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = tokio::spawn(async {
            loop {
                slow_query().await;
                tokio::time::sleep(Duration::from_millis(35)).await;
            }
        });
        let b = tokio::spawn(async {
            loop {
                poll_cache().await;
                tokio::time::sleep(Duration::from_millis(9)).await;
            }
        });
        let c = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            loop {
                load_config().await;
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        });
        let _ = tokio::join!(a, b, c);
    });
}
