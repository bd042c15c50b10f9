"""Shared helpers for blockwatch's end-to-end tests: run a workload under
`blockwatch trace`, load its JSON report and ground truth, compare, print TAP.

Lives in tests/e2e/lib/ so tests/run.sh (which runs tests/e2e/*.py) never runs it.
Tolerances and matching rules are documented in docs/workloads.md.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
BLOCKWATCH = os.environ.get("BLOCKWATCH") or os.path.join(BUILD, "blockwatch")
# The Tokio version of the matrix this run is for (tests/run.sh sets both for a file
# marked "# tokio-matrix"): every workload of tests/workloads, built against that version.
TOKIO = os.environ.get("BW_TOKIO") or "1.24"
WORKLOADS = os.environ.get("WORKLOADS") or os.path.join(BUILD, "workloads")
# Test names carry the version when the runner gave one, so the two runs of a file
# read apart in the log.
LABEL = f"[tokio {TOKIO}] " if os.environ.get("BW_TOKIO") else ""
# Tallies and report copies; override to keep two concurrent runs apart.
RESULTS = os.environ.get("BW_E2E_RESULTS") or os.path.join(BUILD, "e2e-results")

COUNT_TOL = 0.10  # counts within 10% of the truth (plus one, counts are whole numbers)
TIME_TOL = 0.15   # total blocked time within 15%
TIMEOUT = 120     # seconds for one traced run; a hung tracer must not hang the suite

# The blocking APIs the workloads' truth names. A reported blocking_api must equal the
# truth's name after normalisation (api_names): no substring, no list of look-alikes.
KNOWN_APIS = {
    "std::thread::sleep", "std::fs::read", "std::fs::write", "std::fs::File::sync_all",
    "std::sync::Mutex::lock", "std::net::TcpStream::read", "std::net::ToSocketAddrs::to_socket_addrs",
    "std::process::Command::output", "std::process::Command::status", "std::io::Write::write",
    "std::sync::mpsc::Receiver::recv", "std::sync::Condvar::wait", "std::thread::JoinHandle::join",
    "futures::executor::block_on",
}
# The categories blockwatch reports (docs/blockwatch-trace.md).
CATEGORIES = {"sleep", "file-io", "net-io", "lock", "channel", "dns", "process-wait", "page-fault",
              "drop", "other"}
# Syscalls each category's workload blocks in (for the stripped build, where the
# syscall is all there is).
CATEGORY_SYSCALLS = {"sleep": ["clock_nanosleep", "nanosleep"]}


class Tap:
    """TAP lines on stdout; the exit status says whether anything failed."""

    def __init__(self):
        self.failed = 0

    def check(self, name, cond, diag=None):
        print(("ok - " if cond else "not ok - ") + LABEL + name)
        if not cond:
            self.failed += 1
            for line in (diag or "").splitlines():
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def require(self, name, cond, diag=None):
        """A build or setup step, not a test: a "# " note when it holds (tests/run.sh
        does not count it), a failure when it does not."""
        if cond:
            print(f"# precondition: {name}")
            sys.stdout.flush()
            return True
        return self.check(f"{name} (a build or setup step failed)", False, diag)

    def skip(self, name, why):
        """Only for a capability this machine lacks: tests/run.sh fails the run on any
        skip the machine does not explain."""
        print(f"ok - {LABEL}{name} # SKIP {why}")
        sys.stdout.flush()

    def note(self, text):
        for line in text.splitlines():
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        sys.exit(1 if self.failed else 0)


def preflight(tap, need_tracer=True):
    """Returns False (after printing why) when the suite cannot run at all here."""
    if os.geteuid() != 0:
        tap.skip("e2e", "needs root (real BPF)")
        return False
    wl = os.path.join(WORKLOADS, "bw-workload")
    if not tap.require("workloads built", os.access(wl, os.X_OK), f"{wl} missing: run `make workloads`"):
        return False
    if need_tracer and not tap.require("blockwatch built", os.access(BLOCKWATCH, os.X_OK), f"{BLOCKWATCH} missing: run `make`"):
        return False
    return True


def workload(variant="bw-workload"):
    return os.path.join(WORKLOADS, variant)


class Run:
    """One traced (or untraced) workload run: report, truth, exit status, logs."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"bw-e2e-{name}-")
        self.report_path = os.path.join(self.dir, "report.json")
        self.truth_path = os.path.join(self.dir, "truth.json")
        self.rc = None
        self.stderr = ""
        self.stdout = ""  # live lines (trace without -q)
        self.report = None
        self.report_error = None
        self.truth = None

    def load(self):
        try:
            with open(self.report_path) as f:
                self.report = json.load(f)
        except (OSError, ValueError) as e:
            self.report_error = str(e)
        try:
            with open(self.truth_path) as f:
                self.truth = json.load(f)
        except (OSError, ValueError):
            self.truth = None
        # Keep copies for post-mortems (evidence for bug reports).
        os.makedirs(RESULTS, exist_ok=True)
        for src, kind in ((self.report_path, "report"), (self.truth_path, "truth")):
            if os.path.exists(src):
                shutil.copy(src, os.path.join(RESULTS, f"{self.name}@{TOKIO}.{kind}.json"))
        return self

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def workload_cmd(run, scenario, variant="bw-workload", args=()):
    return [workload(variant), "--scenario", scenario, "--truth", run.truth_path, *args]


def trace(name, scenario, variant="bw-workload", trace_args=(), wl_args=()):
    """blockwatch trace ... -- bw-workload --scenario SCENARIO; returns a loaded Run."""
    run = Run(name)
    cmd = [BLOCKWATCH, "trace", "--format", "json", "--output", run.report_path, *trace_args,
           "--", *workload_cmd(run, scenario, variant, wl_args)]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
        run.rc, run.stderr, run.stdout = p.returncode, p.stderr, p.stdout
    except subprocess.TimeoutExpired as e:
        err = e.stderr or b""  # bytes here even with text=True
        run.rc, run.stderr = "timeout", err.decode(errors="replace") if isinstance(err, bytes) else err
    return run.load()


def check_run(tap, run):
    """Exit status, a parseable report, and a truth file. False: nothing more to check."""
    ok = tap.check(f"{run.name}: blockwatch exits 0", run.rc == 0,
                   f"exit status {run.rc}\nstderr (tail):\n" + tail(run.stderr))
    ok &= tap.check(f"{run.name}: JSON report is valid", valid_report(run.report),
                    run.report_error or schema_problems(run.report))
    ok &= tap.check(f"{run.name}: workload wrote its ground truth", run.truth is not None,
                    "the workload did not run to completion under blockwatch")
    return ok


def tail(text, n=15):
    return "\n".join((text or "").strip().splitlines()[-n:])


REPORT_KEYS = ["version", "duration_ns", "threshold_ns", "processes", "threads", "callsites", "lost"]
CALLSITE_KEYS = ["function", "file", "line", "blocking_api", "category", "syscall", "count",
                 "total_ns", "p50_ns", "p99_ns", "max_ns", "histogram", "stack"]
THREAD_KEYS = ["pid", "tid", "comm", "role", "running_ns", "blocked_ns", "parked_ns", "runnable_ns"]


def schema_problems(report):
    if not isinstance(report, dict):
        return "no JSON object"
    problems = [f"missing key {k}" for k in REPORT_KEYS if k not in report]
    for c in report.get("callsites") or []:
        problems += [f"callsite missing {k}: {short(c)}" for k in CALLSITE_KEYS if k not in c]
    for t in report.get("threads") or []:
        problems += [f"thread missing {k}: {t}" for k in THREAD_KEYS if k not in t]
    if report.get("version") != 1:
        problems.append(f"version {report.get('version')!r}, expected 1")
    return "\n".join(problems[:10])


def valid_report(report):
    return report is not None and not schema_problems(report)


def short(c):
    """One line describing a reported callsite."""
    return (f"{c.get('file')}:{c.get('line')} {c.get('function')} [{c.get('category')}] "
            f"api={c.get('blocking_api')} syscall={c.get('syscall')} count={c.get('count')} "
            f"total={ms(c.get('total_ns'))}")


def ms(ns):
    return f"{(ns or 0) / 1e6:.1f}ms"


def same_file(reported, expected):
    """DWARF paths may be absolute or relative to another root: compare path suffixes."""
    if not reported or not expected:
        return False
    # the workload's file!() may hold "a/../b" (the 1.49 manifest points at ../src);
    # blockwatch shows DWARF paths tidied: compare both tidied
    a, b = (os.path.normpath(p.replace("\\", "/")).lstrip("./") for p in (reported, expected))
    if a == b:
        return True
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer.endswith("/" + shorter) and "/" in shorter


def at(c, file, line):
    return c.get("line") == line and same_file(c.get("file"), file)


def _strip_generics(name):
    """Foo<T>::bar -> Foo::bar (nested too)."""
    prev = None
    while prev != name:
        prev, name = name, re.sub(r"(?<=[\w>])<[^<>]*>", "", name)
    return name


def _public_path(path):
    """std's private modules dropped: std::net::tcp::TcpStream::read -> std::net::TcpStream::read,
    std::sync::poison::mutex::Mutex::lock -> std::sync::Mutex::lock. Only lowercase segments
    after the first two that come before a type (CamelCase) segment go."""
    segs = path.split("::")
    out = segs[:2]
    for i, seg in enumerate(segs[2:], 2):
        later_type = any(x[:1].isupper() for x in segs[i + 1:])
        if seg[:1].islower() and later_type and not out[-1][:1].isupper():
            continue
        out.append(seg)
    return "::".join(out)


def api_names(reported):
    """The names a reported blocking_api reads as after normalisation: generic arguments
    dropped, "<T as Trait>::f" read as both T::f and Trait::f, with and without std's
    private modules (a public one, std::sync::mpsc, must stay). One exact name of these
    must equal the truth's."""
    if not reported:
        return set()
    name = reported.strip().lstrip("&").removeprefix("mut ")
    m = re.fullmatch(r"<&?(?:mut )?(.+?) as (.+)>::(\w+)", name)
    cands = [f"{m.group(1)}::{m.group(3)}", f"{m.group(2)}::{m.group(3)}"] if m else [name]
    plain = {_strip_generics(c) for c in cands}
    return plain | {_public_path(c) for c in plain}


def api_ok(reported, expected):
    return expected in api_names(reported)


def base(path):
    return os.path.basename(path or "?")


def count_range(e, lost=0):
    """lost: blocked intervals blockwatch says it lost (a full ring buffer on a loaded
    machine); counted, not silent, so the lower end drops by that many."""
    if "count_bounds" in e:  # a run that knows its exact window (attach) gives its own
        lo, hi = e["count_bounds"]
        return max(lo - lost, 0), hi
    lo = int(e["count"] * (1 - COUNT_TOL)) - 1 - lost
    hi = int((e["count"] + e["count_slack"]) * (1 + COUNT_TOL)) + 1
    return max(lo, 0), hi


def time_range(e, count_min_ns, lost=0):
    # Calls between 0.5 and 1.5 ms (count_slack) may add up to 1.5 ms each; each lost
    # interval takes an average call's time off the lower end.
    avg = e["total_ns"] / max(e["count"], 1)
    lo = max(e["total_ns"] - lost * avg, 0) * (1 - TIME_TOL)
    hi = (e["total_ns"] + e["count_slack"] * count_min_ns) * (1 + TIME_TOL)
    return lo, hi


def lost_intervals(report):
    """Blocked intervals the report says were lost before they could be counted."""
    lost = report.get("lost") or {}
    return (lost.get("ringbuf_full") or 0) + (lost.get("bpf_runs_skipped") or 0)


def places(e):
    """Where an expected entry may be reported: its line, then its `alt` lines."""
    return [(e["file"], e["line"])] + [(a["file"], a["line"]) for a in e.get("alt", [])]


def required(e):
    """Soft entries (a real disk's fsync) and entries that never blocked in this run are
    accepted at their line but not required."""
    return not e.get("soft") and e["count"] > 0


def score(name, group, callsites, expected, count_min_ns=1_500_000, lost=0):
    """The one scorer for every run with ground truth. An expected entry is FOUND when the
    callsites at its place(s) all have its category and its blocking API (exactly, after
    normalisation) and their summed count is within count_range. Each reported callsite
    is exactly one of:
      correct    the biggest callsite at a found-or-not expected place, category and API right
      duplicate  another callsite at that place with category and API right (a split site:
                 process spawn waits in clone3 and then in poll); not correct, not wrong
      soft       at the place of an optional entry (soft, or never slow in this run)
      wrong      anywhere else, or at an expected place with the wrong category or API
    recall = found / required entries; precision = correct / (correct + wrong)."""
    kinds = [None] * len(callsites)
    entries = []
    for e in expected:
        hits = [i for i, c in enumerate(callsites) if kinds[i] is None and any(at(c, f, l) for f, l in places(e))]
        right = [i for i in hits if callsites[i].get("category") == e["category"]
                 and api_ok(callsites[i].get("blocking_api"), e["blocking_api"])]
        for i in hits:
            kinds[i] = "wrong"
        if not required(e):
            for i in right:
                kinds[i] = "soft"
            entries.append({"entry": e, "hits": hits, "required": False, "found": False})
            continue
        for i in right:
            kinds[i] = "duplicate"
        if right:
            kinds[max(right, key=lambda i: callsites[i].get("count") or 0)] = "correct"
        got = sum(callsites[i].get("count") or 0 for i in hits)
        lo, hi = count_range(e, lost)
        found = bool(hits) and len(right) == len(hits) and lo <= got <= hi
        entries.append({"entry": e, "hits": hits, "required": True, "found": found, "count": got})
    for i in range(len(callsites)):
        kinds[i] = kinds[i] or "wrong"
    tally = {"name": name, "group": group,
             "required": sum(1 for x in entries if x["required"]),
             "found": sum(1 for x in entries if x["found"]),
             "reported": len(callsites), "lost": lost}
    for k in ("correct", "duplicate", "soft", "wrong"):
        tally[k] = kinds.count(k)
    tally["missed"] = [f"{base(x['entry']['file'])}:{x['entry']['line']}" for x in entries
                       if x["required"] and not x["found"]]
    tally["wrong_at"] = [short(callsites[i]) for i in range(len(callsites)) if kinds[i] == "wrong"]
    return tally, entries, kinds


def compare(tap, name, report, truth, group="positive"):
    """Checks every expected callsite and flags every unexpected one. Returns the
    scorer's tally for the suite summary."""
    callsites = report.get("callsites") or []
    count_min = truth.get("count_min_ns", 1_500_000)
    lost = lost_intervals(report)
    if lost:
        tap.note(f"{name}: blockwatch reports {lost} blocked interval(s) lost (ring buffer full or BPF "
                 "runs skipped: a loaded machine); count and time lower bounds drop by that many")
    tally, entries, kinds = score(name, group, callsites, truth["expected"], count_min, lost)

    for x in entries:
        e, hits = x["entry"], x["hits"]
        where = f"{base(e['file'])}:{e['line']}"
        if not x["required"]:
            tap.note(f"{name}: {where} {e['category']} is optional (soft or never slow: "
                     f"{e['count']} blocked of {e['calls']} calls); reported {len(hits)} callsite(s)")
            continue
        found = tap.check(f"{name}: {where} reported ({e['category']}, {e['blocking_api']})", bool(hits),
                          "reported callsites:\n" + "\n".join(short(c) for c in callsites) if callsites
                          else "no callsites reported")
        if not found:
            continue
        mine = [callsites[i] for i in hits]
        cats = sorted({str(c.get("category")) for c in mine})
        tap.check(f"{name}: {where} category is {e['category']}", cats == [e["category"]],
                  "\n".join(short(c) for c in mine))
        apis = sorted({str(c.get("blocking_api")) for c in mine})
        tap.check(f"{name}: {where} blocking API is {e['blocking_api']} (exact, after normalisation)",
                  all(api_ok(a, e["blocking_api"]) for a in apis),
                  "reported: " + ", ".join(f"{a} (reads as {sorted(api_names(a))})" for a in apis))
        got = sum(c.get("count") or 0 for c in mine)
        lo, hi = count_range(e, lost)
        tap.check(f"{name}: {where} count within 10% of truth", lo <= got <= hi,
                  f"reported {got}, truth {e['count']} (+{e['count_slack']} ambiguous): want {lo}..{hi}")
        total = sum(c.get("total_ns") or 0 for c in mine)
        tlo, thi = time_range(e, count_min, lost)
        tap.check(f"{name}: {where} total blocked time within 15% of truth", tlo <= total <= thi,
                  f"reported {ms(total)}, truth {ms(e['total_ns'])}: want {ms(tlo)}..{ms(thi)}")
        if len(mine) > 1:
            tap.note(f"{name}: {where} reported as {len(mine)} callsites (1 scored correct, the others "
                     "as duplicates):\n" + "\n".join(short(c) for c in mine))

    stray = [callsites[i] for i in range(len(callsites)) if kinds[i] == "wrong"
             and not any(i in x["hits"] for x in entries)]
    what = "no callsites (negative control)" if truth.get("negative") else "no unexpected callsites"
    tap.check(f"{name}: {what}", not stray, "\n".join(short(c) for c in stray[:10]))
    return tally


def workload_threads(report, pid):
    return [t for t in report.get("threads") or [] if t.get("pid") == pid]


STATES = ("running_ns", "blocked_ns", "parked_ns", "runnable_ns")


def check_time_budget(tap, name, report, pid):
    """A thread cannot spend more time than the trace lasted, and the process cannot run
    on more CPUs than the machine has (threads asleep all along are not "running")."""
    span = report.get("duration_ns") or 0
    threads = workload_threads(report, pid)
    over = [t for t in threads if sum(t.get(k) or 0 for k in STATES) > span * 1.05 + 5e6]
    tap.check(f"{name}: no thread accounts for more time than the trace lasted", not over,
              f"trace lasted {ms(span)}:\n" + "\n".join(map(str, over[:5])))
    running = sum(t.get("running_ns") or 0 for t in threads)
    cpus = os.cpu_count() or 1
    tap.check(f"{name}: running time fits on {cpus} CPUs", running <= span * cpus * 1.05 + 5e6,
              f"threads ran {ms(running)} in {ms(span)}: " +
              ", ".join(f"{t['tid']}:{ms(t.get('running_ns'))}" for t in threads[:10]))


def check_threads(tap, name, report, truth):
    """Per-thread accounting: the workload's workers are recognised, their blocked time
    covers the truth's, and they park when idle."""
    pid = truth.get("pid")
    threads = workload_threads(report, pid)
    workers = [t for t in threads if t.get("role") == "worker"]
    check_time_budget(tap, name, report, pid)
    if not tap.check(f"{name}: worker threads recognised", bool(workers),
                     f"threads of pid {pid}:\n" + "\n".join(map(str, threads)) if threads
                     else f"no threads reported for pid {pid}"):
        return
    procs = [p for p in report.get("processes") or [] if p.get("pid") == pid]
    tap.check(f"{name}: process recognised as a tokio runtime", any(p.get("runtime") == "tokio" for p in procs),
              f"processes: {report.get('processes')}")
    want = sum(e["total_ns"] for e in truth["expected"] if not e["soft"])
    blocked = sum(t.get("blocked_ns") or 0 for t in workers)
    if want:
        tap.check(f"{name}: workers' blocked time covers the truth", blocked >= want * (1 - TIME_TOL),
                  f"workers blocked {ms(blocked)}, truth {ms(want)}")


def save_tally(tally):
    """Saved per run and Tokio version for zz_summary.py."""
    tally["tokio"] = TOKIO
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{tally['name']}@{TOKIO}.result.json"), "w") as f:
        json.dump(tally, f)


def save_failed_tally(name, run, group="positive"):
    """A run that produced no usable report finds nothing; with no truth either, the
    summary only knows it failed (and fails)."""
    required_n = None
    if run.truth:
        required_n = sum(1 for e in run.truth["expected"] if required(e))
    save_tally(failed_tally(name, group, required_n))


def failed_tally(name, group, required_n=None):
    return {"name": name, "group": group, "required": required_n, "found": 0, "reported": 0,
            "correct": 0, "duplicate": 0, "soft": 0, "wrong": 0, "missed": [], "wrong_at": [], "failed": True}


def scenario_test(tap, scenario, name=None, variant="bw-workload", wl_args=(), threads=True, group="positive"):
    """The standard test of one scenario: trace it, compare with the truth."""
    name = name or scenario
    run = trace(name, scenario, variant, wl_args=wl_args)
    try:
        if not check_run(tap, run):
            save_failed_tally(name, run, group)
            return run
        save_tally(compare(tap, name, run.report, run.truth, group))
        if threads:
            check_threads(tap, name, run.report, run.truth)
        return run
    finally:
        run.cleanup()


def ready_pipe():
    """(read end, write end) for blockwatch --ready-fd; pass the write end in pass_fds."""
    r, w = os.pipe()
    os.set_inheritable(w, True)
    return r, w


def wait_line(fd, want, timeout):
    """Reads fd (a pipe) until a line equal to `want` arrives; False on EOF or timeout.
    Readiness by signal: blockwatch's --ready-fd, a workload's "running" line."""
    import select
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
        if want.encode() in buf.split(b"\n"):
            return True
    return False


def wait_until(pred, timeout, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


if __name__ == "__main__":
    sys.exit(0)  # a library: nothing to run
