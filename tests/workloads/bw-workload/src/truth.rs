//! Ground truth: every blocking call site measures itself, and the program writes what
//! happened as JSON (`--truth FILE`), so tests never hard-code lines, counts or times.
//!
//! Recording must not block (that would be a blocking call the truth does not list), so
//! sites are statics with atomic counters, chained into a lock-free list on first use.

use std::fmt::Write as _;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// A call counts as "blocked" when it took at least this long: comfortably above
/// blockwatch's default 1 ms threshold, so timing jitter cannot flip the verdict.
pub const COUNT_MIN: Duration = Duration::from_micros(1500);
/// Calls between AMBIGUOUS_MIN and COUNT_MIN may or may not be reported. They are not in
/// `count`; they widen the accepted range instead (`count_slack`).
pub const AMBIGUOUS_MIN: Duration = Duration::from_micros(500);

/// Wraps one blocking call: `blocking!(category, api, call)`. Keep each use on ONE line:
/// `line!()` and the call's debug line info must both be that line.
/// The call's time excludes what the thread spent waiting for a CPU (run queue): on a
/// loaded machine a 10 ms sleep can take 14 ms, but only 10 ms of it is blocked (the rest
/// is "runnable", which blockwatch accounts separately).
/// Kinds other than the default exact one:
/// - `blocking!(soft; ...)`: blocking the program cannot control (a real disk's fsync):
///   tests accept it at that line but neither require it nor check its numbers.
/// - `blocking!(split; ...)`: one call may sleep twice (Command::output waits for the
///   child's exec, then for its exit), so each counted call adds one to `count_slack`.
#[macro_export]
macro_rules! blocking {
    (@site $kind:expr, $category:expr, $api:expr, $call:expr) => {{
        static SITE: $crate::truth::Site = $crate::truth::Site::new(file!(), line!(), $category, $api, $kind);
        let (start, waited) = (std::time::Instant::now(), $crate::truth::run_delay_ns());
        let result = $call;
        SITE.record(start.elapsed(), $crate::truth::run_delay_ns().saturating_sub(waited));
        result
    }};
    (soft; $($site:tt)*) => { $crate::blocking!(@site $crate::truth::Kind::Soft, $($site)*) };
    (split; $($site:tt)*) => { $crate::blocking!(@site $crate::truth::Kind::Split, $($site)*) };
    ($($site:tt)*) => { $crate::blocking!(@site $crate::truth::Kind::Exact, $($site)*) };
}

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Exact,
    Soft,
    Split,
}

pub struct Site {
    file: &'static str,
    line: u32,
    category: &'static str,
    api: &'static str,
    kind: Kind,
    count: AtomicU64,
    total_ns: AtomicU64,
    runnable_ns: AtomicU64,
    slack: AtomicU64,
    calls: AtomicU64,
    registered: AtomicBool,
    next: AtomicPtr<Site>,
}

static SITES: AtomicPtr<Site> = AtomicPtr::new(ptr::null_mut());
/// Line where the scenario drops a value whose Drop blocks (an accepted alternative
/// callsite for "drop" entries; same file as the Drop impl).
static DROP_SITE_LINE: AtomicU32 = AtomicU32::new(0);

impl Site {
    pub const fn new(file: &'static str, line: u32, category: &'static str, api: &'static str, kind: Kind) -> Site {
        Site {
            file,
            line,
            category,
            api,
            kind,
            count: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            runnable_ns: AtomicU64::new(0),
            slack: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            registered: AtomicBool::new(false),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// `elapsed`: wall time of the call; `runnable_ns`: how much of it the thread spent
    /// waiting for a CPU.
    pub fn record(&'static self, elapsed: Duration, runnable_ns: u64) {
        let took = elapsed.saturating_sub(Duration::from_nanos(runnable_ns));
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.runnable_ns.fetch_add(runnable_ns, Ordering::Relaxed);
        if took >= COUNT_MIN {
            self.count.fetch_add(1, Ordering::Relaxed);
            if self.kind == Kind::Split {
                self.slack.fetch_add(1, Ordering::Relaxed);
            }
            self.total_ns.fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        } else if took >= AMBIGUOUS_MIN {
            self.slack.fetch_add(1, Ordering::Relaxed);
        }
        if !self.registered.swap(true, Ordering::AcqRel) {
            let me = self as *const Site as *mut Site;
            let mut head = SITES.load(Ordering::Acquire);
            loop {
                self.next.store(head, Ordering::Relaxed);
                match SITES.compare_exchange_weak(head, me, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => break,
                    Err(h) => head = h,
                }
            }
        }
    }
}

/// The calling thread's total run-queue wait so far (ns), from /proc/thread-self/schedstat;
/// 0 when unavailable. A procfs read: it does not sleep.
pub fn run_delay_ns() -> u64 {
    let mut buf = [0u8; 96];
    let Ok(mut f) = std::fs::File::open("/proc/thread-self/schedstat") else { return 0 };
    let n = std::io::Read::read(&mut f, &mut buf).unwrap_or(0);
    let text = std::str::from_utf8(&buf[..n]).unwrap_or("");
    text.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Marks the line where a value with a blocking Drop goes out of scope.
pub fn drop_site(line: u32) {
    DROP_SITE_LINE.store(line, Ordering::Relaxed);
}

/// All sites that recorded at least one call, by file and line.
pub fn sites() -> Vec<&'static Site> {
    let mut out = Vec::new();
    let mut p = SITES.load(Ordering::Acquire);
    while !p.is_null() {
        let site: &'static Site = unsafe { &*p };
        out.push(site);
        p = site.next.load(Ordering::Acquire);
    }
    out.sort_by_key(|s| (s.file, s.line));
    out
}

impl Site {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The ground-truth document. `extra` holds scenario-specific fields as (key, raw JSON).
pub fn to_json(scenario: &str, negative: bool, runtime: Duration, extra: &[(&str, String)]) -> String {
    let mut expected = Vec::new();
    for s in sites() {
        let mut e = format!(
            "{{\"file\": {}, \"line\": {}, \"category\": {}, \"blocking_api\": {}, \"count\": {}, \"count_slack\": {}, \"total_ns\": {}, \"runnable_ns\": {}, \"calls\": {}, \"soft\": {}",
            json_str(s.file),
            s.line,
            json_str(s.category),
            json_str(s.api),
            s.count.load(Ordering::Relaxed),
            s.slack.load(Ordering::Relaxed),
            s.total_ns.load(Ordering::Relaxed),
            s.runnable_ns.load(Ordering::Relaxed),
            s.calls.load(Ordering::Relaxed),
            s.kind == Kind::Soft
        );
        let drop_line = DROP_SITE_LINE.load(Ordering::Relaxed);
        if s.category == "drop" && drop_line != 0 {
            write!(e, ", \"alt\": [{{\"file\": {}, \"line\": {}}}]", json_str(s.file), drop_line).unwrap();
        }
        e.push('}');
        expected.push(e);
    }
    let mut doc = format!(
        "{{\"scenario\": {}, \"negative\": {}, \"pid\": {}, \"runtime_ns\": {}, \"count_min_ns\": {}, \"expected\": [\n  {}\n]",
        json_str(scenario),
        negative,
        std::process::id(),
        runtime.as_nanos(),
        COUNT_MIN.as_nanos(),
        expected.join(",\n  ")
    );
    for (k, v) in extra {
        write!(doc, ", {}: {}", json_str(k), v).unwrap();
    }
    doc.push_str("}\n");
    doc
}

pub fn quote(s: &str) -> String {
    json_str(s)
}
