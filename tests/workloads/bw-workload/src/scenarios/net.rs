//! 5. Blocking network I/O in async fns: `std::net::TcpStream` reads against a local server
//! that answers after 10 ms, and a blocking name lookup (`ToSocketAddrs`).
//!
//! The lookup needs a slow DNS server: as root, this scenario serves one itself on
//! 127.0.0.153:53 and, in a private mount namespace (so only this process sees it),
//! bind-mounts a resolv.conf pointing there and an nsswitch.conf using plain DNS. The A
//! answer comes after 10 ms, the AAAA answer at once, so each lookup sleeps once. Not root,
//! or port taken: the DNS part is skipped and the truth simply does not list it.

use super::{multi_thread, wait_all};
use crate::{Args, Extra};
use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

const DNS_SERVER: &str = "127.0.0.153";
const SLOW_NAME: &str = "slow.blockwatch.test";
const SERVER_DELAY: Duration = Duration::from_millis(10);

pub fn run(args: &Args) -> Extra {
    // Before any thread exists: unshare(CLONE_NEWNS) needs a single-threaded process.
    let dns = install_fake_dns(&args.work_dir());
    let server = spawn_slow_server();
    let rt = multi_thread(4);
    let mut tasks: Vec<_> = (0..2).map(|_| rt.spawn(query_loop(server))).collect();
    if dns {
        tasks.push(rt.spawn(resolve_loop()));
    }
    rt.block_on(wait_all(tasks));
    vec![("dns", dns.to_string())]
}

async fn query_loop(server: SocketAddr) {
    let mut conn = TcpStream::connect(server).expect("connect"); // local: does not sleep
    conn.set_nodelay(true).unwrap();
    for _ in 0..25 {
        conn.write_all(b"?").unwrap();
        let mut answer = [0u8; 1];
        blocking!("net-io", "std::net::TcpStream::read", conn.read_exact(&mut answer)).expect("read answer");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn resolve_loop() {
    for _ in 0..20 {
        let addrs = blocking!("dns", "std::net::ToSocketAddrs::to_socket_addrs", (SLOW_NAME, 80).to_socket_addrs()).expect("fake DNS answers");
        assert!(addrs.count() > 0);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Answers every byte it reads with one byte, SERVER_DELAY later (a thread per client).
pub fn spawn_slow_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind slow server");
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut conn = conn.expect("accept");
            conn.set_nodelay(true).unwrap();
            std::thread::spawn(move || {
                let mut byte = [0u8; 1];
                while conn.read_exact(&mut byte).is_ok() {
                    std::thread::sleep(SERVER_DELAY);
                    if conn.write_all(&byte).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn install_fake_dns(dir: &Path) -> bool {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("net: not root, skipping the DNS part");
        return false;
    }
    let sock = match UdpSocket::bind((DNS_SERVER, 53)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("net: cannot bind {DNS_SERVER}:53 ({e}), skipping the DNS part");
            return false;
        }
    };
    std::fs::write(dir.join("resolv.conf"), format!("nameserver {DNS_SERVER}\noptions timeout:2 attempts:2\n")).unwrap();
    std::fs::write(dir.join("nsswitch.conf"), "hosts: files dns\n").unwrap();
    let ok = unsafe {
        libc::unshare(libc::CLONE_NEWNS) == 0
            && mount(None, "/", libc::MS_REC | libc::MS_PRIVATE)
            && mount(Some(&dir.join("resolv.conf")), "/etc/resolv.conf", libc::MS_BIND)
            && mount(Some(&dir.join("nsswitch.conf")), "/etc/nsswitch.conf", libc::MS_BIND)
    };
    if !ok {
        eprintln!("net: cannot set up a private resolv.conf ({}), skipping the DNS part", std::io::Error::last_os_error());
        return false;
    }
    std::thread::spawn(move || serve_dns(sock));
    true
}

unsafe fn mount(src: Option<&Path>, target: &str, flags: libc::c_ulong) -> bool {
    let src = src.map(|p| CString::new(p.to_str().unwrap()).unwrap());
    let target = CString::new(target).unwrap();
    let src_ptr = src.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    libc::mount(src_ptr, target.as_ptr(), std::ptr::null(), flags, std::ptr::null()) == 0
}

/// A minimal DNS server: A queries get 127.0.0.1 after SERVER_DELAY (sent by a second
/// thread so later queries are not held up), anything else an immediate empty answer.
fn serve_dns(sock: UdpSocket) {
    let delayed = sock.try_clone().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(Vec<u8>, SocketAddr, Instant)>();
    std::thread::spawn(move || {
        for (reply, to, due) in rx {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            let _ = delayed.send_to(&reply, to);
        }
    });
    let mut buf = [0u8; 512];
    loop {
        let Ok((n, from)) = sock.recv_from(&mut buf) else { return };
        let Some((reply, is_a)) = dns_reply(&buf[..n]) else { continue };
        if is_a {
            let _ = tx.send((reply, from, Instant::now() + SERVER_DELAY));
        } else {
            let _ = sock.send_to(&reply, from);
        }
    }
}

/// Builds the reply to one query; returns it and whether the query was for an A record.
fn dns_reply(query: &[u8]) -> Option<(Vec<u8>, bool)> {
    if query.len() < 12 {
        return None;
    }
    let mut end = 12; // skip the question's name labels
    while *query.get(end)? != 0 {
        end += 1 + query[end] as usize;
    }
    let qtype = u16::from_be_bytes([*query.get(end + 1)?, *query.get(end + 2)?]);
    end += 5; // zero label, qtype, qclass
    let is_a = qtype == 1;
    let mut r = Vec::with_capacity(end + 16);
    r.extend_from_slice(&query[..2]); // id
    r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, is_a as u8, 0, 0, 0, 0]); // response, 1 question
    r.extend_from_slice(query.get(12..end)?);
    if is_a {
        // name = pointer to the question, type A, class IN, TTL 0, 4 bytes: 127.0.0.1
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]);
    }
    Some((r, is_a))
}
