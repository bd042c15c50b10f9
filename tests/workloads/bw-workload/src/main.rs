//! bw-workload: Tokio programs whose blocking is known, for blockwatch's end-to-end tests.
//!
//!     bw-workload --scenario NAME [--truth FILE] [--seconds S] [--dir DIR]
//!     bw-workload --list
//!
//! Each scenario makes one classic mistake (or, for negative controls, does the healthy
//! thing) and writes its ground truth to FILE. See docs/workloads.md.

#[macro_use]
mod truth; // first: scenarios use its blocking! macro
mod scenarios;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Args {
    pub scenario: String,
    pub truth: Option<PathBuf>,
    /// Run time for the open-ended scenarios (attach, idle).
    pub seconds: Option<f64>,
    /// Scratch directory for files, FIFOs and sockets.
    pub dir: PathBuf,
}

/// Scenario-specific truth fields: (key, raw JSON value).
pub type Extra = Vec<(&'static str, String)>;

impl Args {
    /// A fresh scratch directory for this run, removed by main() at exit.
    pub fn work_dir(&self) -> PathBuf {
        let d = self.dir.join(format!("bw-workload-{}-{}", self.scenario, std::process::id()));
        std::fs::create_dir_all(&d).expect("create scratch dir");
        d
    }
}

fn usage() -> ! {
    eprintln!("usage: bw-workload --scenario NAME [--truth FILE] [--seconds S] [--dir DIR] | --list");
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args { scenario: String::new(), truth: None, seconds: None, dir: std::env::temp_dir() };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--scenario" => args.scenario = val(),
            "--truth" => args.truth = Some(PathBuf::from(val())),
            "--seconds" => args.seconds = Some(val().parse().unwrap_or_else(|_| usage())),
            "--dir" => args.dir = PathBuf::from(val()),
            "--list" => {
                for s in scenarios::ALL {
                    println!("{:<16} {}{}", s.name, if s.negative { "[negative] " } else { "" }, s.about);
                }
                std::process::exit(0);
            }
            _ => usage(),
        }
    }
    if args.scenario.is_empty() {
        usage();
    }
    args
}

fn main() {
    let args = parse_args();
    let Some(scenario) = scenarios::ALL.iter().find(|s| s.name == args.scenario) else {
        eprintln!("bw-workload: unknown scenario '{}' (try --list)", args.scenario);
        std::process::exit(2);
    };
    let start = Instant::now();
    let extra = (scenario.run)(&args);
    let runtime: Duration = start.elapsed();
    let _ = std::fs::remove_dir_all(args.dir.join(format!("bw-workload-{}-{}", args.scenario, std::process::id())));
    if let Some(path) = &args.truth {
        let doc = truth::to_json(scenario.name, scenario.negative, runtime, &extra);
        std::fs::write(path, doc).unwrap_or_else(|e| {
            eprintln!("bw-workload: cannot write {}: {e}", path.display());
            std::process::exit(1);
        });
    }
}
