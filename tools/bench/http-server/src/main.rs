//! bench-http-server: the service `make bench` puts under wrk load.
//!
//! A hyper 0.14 HTTP/1.1 server on a multi-thread Tokio runtime with two
//! workers (one per core of the bench machine). Each request does a little of
//! what a real handler does: parse the path, touch shared state behind a
//! std::sync::Mutex (a short critical section, the common real-world
//! pattern), hash the query string and format a ~1 KiB body. No request
//! blocks on purpose, except `/block?ms=N`, which calls std::thread::sleep
//! inside the handler (the classic Tokio blocking bug): the benchmark uses it
//! to time how fast blockwatch reports and symbolizes a blocked worker.
//!
//!   bench-http-server [--addr 127.0.0.1:8080] [--workers 2]
//!
//! Prints "listening on ADDR pid PID" once it accepts connections.

use std::collections::hash_map::DefaultHasher;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server, StatusCode};

#[derive(Default)]
struct Stats {
    requests: u64,
    bytes: u64,
    by_route: [u64; 4],
}

fn body_for(path: &str, query: &str, n: u64) -> String {
    let mut h = DefaultHasher::new();
    query.hash(&mut h);
    n.hash(&mut h);
    let tag = h.finish();
    let mut s = String::with_capacity(1100);
    s.push_str("{\"path\":\"");
    s.push_str(path);
    s.push_str("\",\"items\":[");
    for i in 0..24u64 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{{\"id\":{},\"v\":\"{:016x}\"}}", i, tag.rotate_left(i as u32)));
    }
    s.push_str("]}\n");
    s
}

/// Blocks the worker thread: the bug blockwatch exists to find.
#[inline(never)]
fn block_in_handler(query: &str) -> String {
    let ms: u64 = query
        .strip_prefix("ms=")
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    std::thread::sleep(std::time::Duration::from_millis(ms));
    format!("blocked {} ms\n", ms)
}

async fn handle(req: Request<Body>, stats: Arc<Mutex<Stats>>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let route = match path.as_str() {
        "/" => 0,
        "/healthz" => 1,
        "/block" => 3,
        _ => 2,
    };
    let n = {
        let mut s = stats.lock().unwrap();
        s.requests += 1;
        s.by_route[route] += 1;
        s.requests
    };
    let (status, body) = match route {
        1 => (StatusCode::OK, String::from("ok\n")),
        3 => (StatusCode::OK, block_in_handler(&query)),
        2 if path.starts_with("/api/") => (StatusCode::OK, body_for(&path, &query, n)),
        2 => (StatusCode::NOT_FOUND, String::from("not found\n")),
        _ => (StatusCode::OK, body_for(&path, &query, n)),
    };
    stats.lock().unwrap().bytes += body.len() as u64;
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap())
}

fn main() {
    let mut addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let mut workers = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().expect("--addr ADDR").parse().expect("bad --addr"),
            "--workers" => workers = args.next().expect("--workers N").parse().expect("bad --workers"),
            _ => {
                eprintln!("usage: bench-http-server [--addr 127.0.0.1:8080] [--workers 2]");
                std::process::exit(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let stats = Arc::new(Mutex::new(Stats::default()));
        let make = make_service_fn(move |_conn| {
            let stats = stats.clone();
            async move { Ok::<_, Infallible>(service_fn(move |req| handle(req, stats.clone()))) }
        });
        let server = Server::try_bind(&addr).expect("bind").serve(make);
        println!("listening on {} pid {}", addr, std::process::id());
        use std::io::Write;
        std::io::stdout().flush().ok();
        if let Err(e) = server.await {
            eprintln!("server error: {}", e);
            std::process::exit(1);
        }
    });
}
