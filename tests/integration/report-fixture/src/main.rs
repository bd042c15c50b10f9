// Ground truth for the report tests. Prints one JSON line on stdout:
// {"blocking_calls":N,"sleep_ns":10000000,"file":"main.rs","line":L}
// Each of TASKS tasks calls slow_lookup ROUNDS times (argument 1, default
// 25); slow_lookup blocks its worker thread for 10 ms in std::thread::sleep
// (the line marked BLAME-HERE). The compiler may inline slow_lookup into its
// caller, so the truth names the line, not the function.
use std::time::Duration;

const TASKS: u64 = 4;
const SLEEP: Duration = Duration::from_millis(10);

#[inline(never)]
async fn slow_lookup(i: u64) -> u64 {
    std::thread::sleep(SLEEP); // BLAME-HERE
    i * 2
}

async fn task(id: u64, rounds: u64) -> u64 {
    let mut sum = 0;
    for r in 0..rounds {
        sum += slow_lookup(id + r).await;
        // let the workers park between blocking calls
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    sum
}

fn main() {
    let rounds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(25);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Give the tracer time to find the workers before the first blocking call.
    std::thread::sleep(Duration::from_millis(300));
    rt.block_on(async {
        let handles: Vec<_> = (0..TASKS).map(|t| tokio::spawn(task(t, rounds))).collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    println!(
        "{{\"blocking_calls\":{},\"sleep_ns\":{},\"file\":\"main.rs\",\"line\":{}}}",
        TASKS * rounds,
        SLEEP.as_nanos(),
        line_of_marker()
    );
}

// The BLAME-HERE line, found from our own source so the truth never drifts.
fn line_of_marker() -> usize {
    include_str!("main.rs")
        .lines()
        .position(|l| l.contains("// BLAME-HERE") && !l.contains("position"))
        .map(|i| i + 1)
        .unwrap_or(0)
}
