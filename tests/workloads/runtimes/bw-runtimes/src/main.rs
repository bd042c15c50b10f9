//! bw-runtimes: programs on async runtimes other than Tokio whose blocking is known, for
//! blockwatch's end-to-end tests (docs/workloads.md).
//!
//!     bw-runtimes --runtime async-std|smol|custom --scenario NAME [--truth FILE] [--seconds S] [--dir DIR]
//!     bw-runtimes --list
//!
//! Built once per runtime (cargo feature of the same name: bw-async-std, bw-smol,
//! bw-custom), so each program links only its own runtime.
//!
//! The scenarios are written once against a small `Runtime` trait; each runtime module
//! spawns the tasks on its own worker threads. The ground truth is measured by the program
//! itself with bw-workload's `blocking!` macro and JSON format (shared source file).

#[allow(dead_code)] // drop_site and Site::count serve bw-workload's scenarios only
#[macro_use]
#[path = "../../../bw-workload/src/truth.rs"]
mod truth;
mod runtimes;
mod scenarios;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Args {
    pub runtime: String,
    pub scenario: String,
    pub truth: Option<PathBuf>,
    /// Run time of the open-ended scenario (idle).
    pub seconds: Option<f64>,
    /// Scratch directory for FIFOs.
    pub dir: PathBuf,
}

impl Args {
    /// A fresh scratch directory for this run, removed by main() at exit.
    pub fn work_dir(&self) -> PathBuf {
        std::fs::create_dir_all(self.scratch()).expect("create scratch dir");
        self.scratch()
    }

    fn scratch(&self) -> PathBuf {
        self.dir.join(format!("bw-runtimes-{}-{}", self.scenario, std::process::id()))
    }
}

fn usage() -> ! {
    eprintln!("usage: bw-runtimes --runtime async-std|smol|custom --scenario NAME [--truth FILE] [--seconds S] [--dir DIR] | --list");
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args =
        Args { runtime: String::new(), scenario: String::new(), truth: None, seconds: None, dir: std::env::temp_dir() };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--runtime" => args.runtime = val(),
            "--scenario" => args.scenario = val(),
            "--truth" => args.truth = Some(PathBuf::from(val())),
            "--seconds" => args.seconds = Some(val().parse().unwrap_or_else(|_| usage())),
            "--dir" => args.dir = PathBuf::from(val()),
            "--list" => {
                for s in scenarios::ALL {
                    println!("{:<10} {}{}", s.name, if s.negative { "[negative] " } else { "" }, s.about);
                }
                std::process::exit(0);
            }
            _ => usage(),
        }
    }
    if args.scenario.is_empty() || args.runtime.is_empty() {
        usage();
    }
    args
}

fn main() {
    let args = parse_args();
    let Some(scenario) = scenarios::ALL.iter().find(|s| s.name == args.scenario) else {
        eprintln!("bw-runtimes: unknown scenario '{}' (try --list)", args.scenario);
        std::process::exit(2);
    };
    let Some(rt) = runtimes::start(&args.runtime) else {
        eprintln!("bw-runtimes: runtime '{}' is not in this build (cargo feature async-std, smol or custom)", args.runtime);
        std::process::exit(2);
    };
    let start = Instant::now();
    let extra = (scenario.run)(rt, &args);
    let runtime: Duration = start.elapsed();
    rt.stop();
    let _ = std::fs::remove_dir_all(args.scratch());
    if let Some(path) = &args.truth {
        let mut extra = extra;
        extra.push(("runtime", truth::quote(&args.runtime)));
        let doc = truth::to_json(scenario.name, scenario.negative, runtime, &extra);
        std::fs::write(path, doc).unwrap_or_else(|e| {
            eprintln!("bw-runtimes: cannot write {}: {e}", path.display());
            std::process::exit(1);
        });
    }
}
