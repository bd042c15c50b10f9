//! Scenarios, each written once for every runtime (runtimes::Runtime).

mod file_io;
mod idle;
mod long_poll;
mod mutex;
mod sleep;
mod stuck;
mod unblock;

use crate::runtimes::Runtime;
use crate::Args;

pub struct Scenario {
    pub name: &'static str,
    /// A negative control: nothing may be reported.
    pub negative: bool,
    pub about: &'static str,
    pub run: fn(&'static dyn Runtime, &Args) -> Extra,
}

/// Scenario-specific truth fields: (key, raw JSON value).
pub type Extra = Vec<(&'static str, String)>;

pub const ALL: &[Scenario] = &[
    Scenario { name: "sleep", negative: false, about: "std::thread::sleep inside a task", run: sleep::run },
    Scenario { name: "mutex", negative: false, about: "a contended std::sync::Mutex held across slow work", run: mutex::run },
    Scenario { name: "file-io", negative: false, about: "std::fs::read and std::fs::write of slow FIFOs", run: file_io::run },
    Scenario { name: "steady", negative: false, about: "sleep for --seconds (default 30), for trace -p; prints \"running\"", run: sleep::run_steady },
    Scenario { name: "stuck", negative: false, about: "one 600 ms std::thread::sleep in a task (a STUCK worker)", run: stuck::run },
    Scenario { name: "long-poll", negative: false, about: "a task computing 30 ms per poll (trace --polls)", run: long_poll::run },
    Scenario { name: "idle", negative: true, about: "an idle executor waking every 250 ms", run: idle::run },
    Scenario { name: "unblock", negative: true, about: "blocking work in the runtime's blocking pool", run: unblock::run },
];
