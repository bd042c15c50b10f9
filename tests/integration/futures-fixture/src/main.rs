//! Fixture for `blockwatch futures`: the test greps the BW-MARKER comments for the
//! expected file:line, so moving code around does not break the test.
use std::hint::black_box;

mod handlers {
    use std::hint::black_box;

    // BW-MARKER: huge_upload
    pub async fn huge_upload(n: u8) -> u8 {
        // 64 KiB live across the .await: it must be stored in the state machine.
        let buf = [n; 64 * 1024];
        tokio::task::yield_now().await;
        black_box(&buf);
        buf[n as usize]
    }

    // BW-MARKER: small_ping
    pub async fn small_ping(n: u64) -> u64 {
        let x = black_box(n) + 1;
        tokio::task::yield_now().await;
        black_box(x)
    }
}

// BW-MARKER: small_sum
async fn small_sum(a: u32, b: u32) -> u32 {
    tokio::task::yield_now().await;
    black_box(a) + black_box(b)
}

// A Builder, not #[tokio::main]: the Tokio 1.49 build has no `macros` feature here.
fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let n = black_box(1u8);
        let big = tokio::spawn(handlers::huge_upload(n)).await.unwrap();
        let ping = tokio::spawn(handlers::small_ping(n as u64)).await.unwrap();
        let sum = tokio::spawn(async move { small_sum(1, 2).await }).await.unwrap();
        println!("{big} {ping} {sum}");
    });
}
