#!/usr/bin/env python3
"""blockwatch benchmark (make bench; tools/bench/run.sh builds, then runs this).

Measures what tracing costs a Tokio HTTP service under wrk load, next to peer
tools, and blockwatch's own costs: BPF run time per program, loss in a
context-switch storm, user-space CPU and RSS, and report latency (symbolization).
Results go to $BUILD/bench/results/ (results.json, results.md, raw logs).
docs/PERFORMANCE.md quotes results.md; BENCH_UPDATE_DOC=1 rewrites the tables
between its `<!-- bench:begin -->` / `<!-- bench:end -->` markers.

CPU placement on a 2-CPU machine (documented in docs/PERFORMANCE.md):
  CPU 0: the HTTP server (both Tokio workers and the main thread)
  CPU 1: wrk, and the user-space side of whichever tracer runs
BPF programs run in the context of the thread that hits the tracepoint, so
their cost lands on the CPU of the traced threads: CPU 0, the bottleneck.

Environment:
  BENCH_QUICK=1      ~5 minutes: 3 rounds x 3 s, no latency-bound load point,
                     shorter storm and event sweep
  BENCH_ROUNDS=N     rounds of the alternating runs (default 5, quick 3)
  BENCH_DURATION=S   seconds of measured wrk load per run (default 8, quick 3)
  BENCH_CONFIGS=a,b  only these configurations (names as in the tables)
  BENCH_PHASES=a,b   only these phases: http,latency,latency-unpinned,http-1.49,latency-1.49,
                     bpfstats,storm,syscall,events,symbolize (the -1.49 ones run the same
                     service built on Tokio 1.49 from ../shared/vendor; latency-unpinned runs
                     server, wrk and tracer without taskset)
  BENCH_UPDATE_DOC=1 rewrite the generated tables in docs/PERFORMANCE.md
  BENCH_ABLATION=1   also run `trace -p` with the park probes kept attached, and with the
                     previous design (sys_exit program + park probes): what each part saves
  BENCH_ALT_BLOCKWATCH=PATH  also run `trace -p` with this other blockwatch build
                     (config "bw trace -p [alt]"), alternating with the others:
                     the way to measure a hot-path change before/after
"""
import json
import os
import platform
import pty
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
BW = os.environ.get("BLOCKWATCH") or os.path.join(BUILD, "blockwatch")
BW_ALT = os.environ.get("BENCH_ALT_BLOCKWATCH")
BENCH = os.path.join(BUILD, "bench")
SERVER = os.path.join(BENCH, "bench-http-server")
SERVER149 = os.path.join(BENCH, "bench-http-server-tokio149")
# What the HTTP phases run: which build of the service, and whether server, wrk and
# tracer are pinned to their CPUs (set per phase by main()).
SETUP = {"server": SERVER, "pin": True}
STORM = os.path.join(BENCH, "switch-storm")
BTSCRIPT = os.path.join(ROOT, "tools", "bench", "offcpu.bt")
OUT = os.path.join(BENCH, "results")
DOC = os.path.join(ROOT, "docs", "PERFORMANCE.md")

QUICK = os.environ.get("BENCH_QUICK") == "1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (3 if QUICK else 5))
DURATION = float(os.environ.get("BENCH_DURATION") or (3 if QUICK else 8))
WARMUP = 1
PORT = int(os.environ.get("BENCH_PORT") or 18431)
SERVER_CPU = "0"
LOAD_CPU = "1"
CONNS = 64
LAT_CONNS = 4
CLK_TCK = os.sysconf("SC_CLK_TCK")
STOP_TIMEOUT = 60
# Other people's work on the machine: wait for a quiet second before a run (up to
# QUIET_WAIT s), and rerun a measurement (up to RETRIES times) when processes that are
# not ours used more than FOREIGN_PCT % of one CPU during it.
QUIET_PCT = 10
QUIET_WAIT = 3 if QUICK else 8
FOREIGN_PCT = 10
RETRIES = int(os.environ.get("BENCH_RETRIES") or 1)
# No more reruns once this much time has gone, so a busy machine cannot stretch
# the benchmark past its bound (the full run aims at < 15 minutes).
RETRY_BUDGET_S = 100 if QUICK else 420
T_START = time.time()

LOG_LINES = []


def log(msg):
    line = time.strftime("%H:%M:%S ") + msg
    LOG_LINES.append(line)
    print(line, flush=True)


def sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def first_line(argv):
    try:
        r = sh(argv, timeout=10)
        out = (r.stdout or r.stderr).strip().splitlines()
        return out[0].strip() if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"


# ---------------------------------------------------------------- /proc helpers

def proc_ticks(pid):
    """utime + stime of a whole process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def ctx_switches(pid):
    """Voluntary + involuntary context switches summed over all threads."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if "ctxt_switches" in line:
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_ns(pid):
    """CPU time of all threads of a process, ns (/proc/PID/task/*/schedstat)."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def bpf_fds(pid):
    """(link count, prog ids attached through links) of a process's open BPF fds."""
    links, progs = 0, set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0, progs
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target not in ("anon_inode:bpf_link", "anon_inode:bpf-prog"):
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = f.read()
        except OSError:
            continue
        m = re.search(r"prog_id:\s*(\d+)", info)
        if target == "anon_inode:bpf_link":
            links += 1
        if m:
            progs.add(int(m.group(1)))
    return links, progs


def foreign_blockwatch(ours):
    """blockwatch processes on the machine that this benchmark did not start."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in ours:
            continue
        try:
            with open(f"/proc/{d}/comm") as f:
                if f.read().strip() == "blockwatch":
                    n += 1
        except OSError:
            pass
    return n


def busy_ticks():
    """Non-idle clock ticks of the whole machine (all CPUs) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is inside user)
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def wait_quiet(max_s, limit_pct=QUIET_PCT):
    """Waits (at most max_s) for a 1 s window in which the machine is nearly idle, so a
    run does not start in the middle of somebody else's burst (a concurrent `make test`).
    Returns the busy share of the last window, in % of one CPU."""
    deadline = time.time() + max_s
    while True:
        b0 = busy_ticks()
        time.sleep(1)
        pct = 100.0 * (busy_ticks() - b0) / CLK_TCK
        if pct < limit_pct or time.time() >= deadline:
            return pct


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# ---------------------------------------------------------------- processes

class Proc:
    """A child process we started; stop() collects its rusage."""

    def __init__(self, argv, name, stdout=None, stderr=None):
        self.name = name
        self.argv = argv
        self.out_path = stdout
        self.err_path = stderr
        so = open(stdout, "w") if stdout else subprocess.DEVNULL
        se = open(stderr, "w") if stderr else subprocess.DEVNULL
        self.p = subprocess.Popen(argv, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        for f in (so, se):
            if f is not subprocess.DEVNULL:
                f.close()
        self.pid = self.p.pid
        self.status = None
        self.maxrss_kib = None
        self.cpu_s = None

    def alive(self):
        return self.status is None and self.p.poll() is None

    def stop(self, sig=signal.SIGINT, timeout=STOP_TIMEOUT):
        if self.status is not None:
            return self.status
        if self.p.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + timeout
        while True:
            try:
                pid, st, ru = os.wait4(self.pid, os.WNOHANG)
            except ChildProcessError:
                # Popen.poll() reaped it already
                self.status = self.p.returncode
                return self.status
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                self.p.returncode = self.status
                self.maxrss_kib = ru.ru_maxrss
                self.cpu_s = ru.ru_utime + ru.ru_stime
                return self.status
            if time.time() > deadline:
                log(f"  {self.name}: no exit {timeout}s after signal {sig}; killing it")
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.time() + 10
            time.sleep(0.05)


class Server(Proc):
    def __init__(self, logdir, tag):
        path = os.path.join(logdir, f"server-{tag}.out")
        super().__init__(pin(SERVER_CPU) + [SETUP["server"], "--addr", f"127.0.0.1:{PORT}",
                          "--workers", "2"], "server", stdout=path,
                         stderr=os.path.join(logdir, f"server-{tag}.err"))
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(path) as f:
                if "listening" in f.read():
                    return
            if not self.alive():
                break
            time.sleep(0.02)
        raise RuntimeError(f"bench-http-server did not start (see {path})")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        return super().stop(sig, timeout)


def pin(cpu):
    """The taskset prefix for a process of this phase (none when unpinned)."""
    return ["taskset", "-c", cpu] if SETUP["pin"] else []


def wrk(conns, seconds, latency=True, usage=None):
    """Runs wrk; returns (argv, output). usage["cpu_ticks"] gets wrk's own CPU time."""
    argv = pin(LOAD_CPU) + ["wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s"]
    if latency:
        argv.append("--latency")
    argv.append(f"http://127.0.0.1:{PORT}/")
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    out = p.stdout.read().decode(errors="replace")
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    if usage is not None:
        usage["cpu_ticks"] = (ru.ru_utime + ru.ru_stime) * CLK_TCK
    return argv, out


def to_us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def parse_wrk(text):
    res = {}
    m = re.search(r"Requests/sec:\s*([\d.]+)", text)
    if m:
        res["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            res[f"p{pct}_us"] = to_us(m.group(1), m.group(2))
    m = re.search(r"Socket errors:.*", text)
    if m:
        res["socket_errors"] = m.group(0)
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if m:
        res["non2xx"] = int(m.group(1))
    return res


# ---------------------------------------------------------------- tracer configurations

def bw_ready(proc, min_links=4):
    """blockwatch is tracing once its tracepoint/uprobe links stop appearing."""
    deadline = time.time() + 30
    last, stable_since = -1, time.time()
    while time.time() < deadline and proc.alive():
        n, _ = bpf_fds(proc.pid)
        if n != last:
            last, stable_since = n, time.time()
        elif n >= min_links and time.time() - stable_since > 0.5:
            return True
        time.sleep(0.05)
    return False


def file_ready(word):
    def ready(proc):
        deadline = time.time() + 30
        while time.time() < deadline and proc.alive():
            try:
                with open(proc.out_path) as f:
                    if word in f.read():
                        time.sleep(0.3)
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False
    return ready


def sleep_ready(seconds):
    def ready(proc):
        time.sleep(seconds)
        return proc.alive()
    return ready


def top_available():
    r = sh([BW, "top", "--help"])
    text = r.stdout + r.stderr
    return "--iterations" in text and "not available" not in text, text.strip().splitlines()[:1]


def configs(logdir):
    """name -> (argv builder(server pid, tag) or None, readiness check, description)."""
    have_perf = shutil.which("perf") is not None
    have_bt = shutil.which("bpftrace") is not None
    top_ok, _ = top_available()
    c = {
        "untraced": (None, None, "no tracer"),
        "bw trace -p": (lambda pid, tag: [BW, "trace", "-p", str(pid), "-q", "-f", "json", "-o",
                                          os.path.join(logdir, f"bw-{tag}.json")],
                        bw_ready, "`blockwatch trace -p PID -q -f json -o FILE`"),
    }
    if os.environ.get("BENCH_ABLATION") == "1":
        # what each part of the redesign saves: the park probes kept attached (a trap
        # per park), and a sys_exit program instead of task work (every syscall)
        c["bw trace -p [park probes kept]"] = (
            lambda pid, tag: ["env", "BLOCKWATCH_KEEP_PARK_PROBES=1", BW, "trace", "-p", str(pid),
                              "-q", "-f", "json", "-o", os.path.join(logdir, f"bwkeep-{tag}.json")],
            bw_ready, "`BLOCKWATCH_KEEP_PARK_PROBES=1 blockwatch trace -p PID ...`")
        c["bw trace -p [sys_exit + park probes]"] = (
            lambda pid, tag: ["env", "BLOCKWATCH_KEEP_PARK_PROBES=1", "BLOCKWATCH_NO_TASK_WORK=1", BW,
                              "trace", "-p", str(pid), "-q", "-f", "json", "-o",
                              os.path.join(logdir, f"bwold-{tag}.json")],
            bw_ready, "`BLOCKWATCH_KEEP_PARK_PROBES=1 BLOCKWATCH_NO_TASK_WORK=1 blockwatch trace -p PID ...`"
            " (the previous design)")
    if BW_ALT:
        c["bw trace -p [alt]"] = (
            lambda pid, tag: [BW_ALT, "trace", "-p", str(pid), "-q", "-f", "json", "-o",
                              os.path.join(logdir, f"bwalt-{tag}.json")],
            bw_ready, f"`{BW_ALT} trace -p PID -q -f json -o FILE` (BENCH_ALT_BLOCKWATCH)")
    c["bw record -p"] = (lambda pid, tag: [BW, "record", "-p", str(pid), "-o",
                                           os.path.join(logdir, f"bw-{tag}.bwrec")],
                         bw_ready, "`blockwatch record -p PID -q -o FILE`")
    if top_ok:
        iters = int((DURATION + WARMUP + 5) / 0.5)
        c["bw top"] = (lambda pid, tag: [BW, "top", "-p", str(pid), "--iterations", str(iters),
                                         "--interval", "0.5"],
                       bw_ready, f"`blockwatch top -p PID --iterations {iters} --interval 0.5`")
    c["bw trace (system-wide)"] = (
        lambda pid, tag: [BW, "trace", "-q", "-f", "json", "-o",
                          os.path.join(logdir, f"bwall-{tag}.json")],
        bw_ready, "`blockwatch trace -q -f json -o FILE` (every Tokio process)")
    if have_bt:
        c["bpftrace offcpu.bt"] = (lambda pid, tag: ["bpftrace", BTSCRIPT, str(pid)],
                                   file_ready("Attaching"),
                                   "`bpftrace tools/bench/offcpu.bt PID` (sched_switch, ustack)")
    if have_perf:
        c["perf sched record"] = (
            lambda pid, tag: ["perf", "sched", "record", "-o",
                              os.path.join(logdir, f"perf-sched-{tag}.data")],
            sleep_ready(2), "`perf sched record -o FILE` (system-wide, until SIGINT)")
        c["perf record sched_switch -g"] = (
            lambda pid, tag: ["perf", "record", "-e", "sched:sched_switch", "-g", "-p", str(pid),
                              "-o", os.path.join(logdir, f"perf-rec-{tag}.data")],
            sleep_ready(2), "`perf record -e sched:sched_switch -g -p PID -o FILE`")
    wanted = os.environ.get("BENCH_CONFIGS")
    if wanted:
        keep = [w.strip() for w in wanted.split(",")]
        c = {k: v for k, v in c.items() if k in keep or k == "untraced"}
    return c


# Counters under `lost` that are dropped events (the rest count unwinding and
# symbolization shortfalls of events that did arrive).
LOST_KEYS = ("ringbuf_full", "threads_map_full", "bad_ring_buffer_record")


def bw_lost(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None, None
    return d.get("events"), d.get("lost", {})


def one_run(name, cfg, logdir, tag, conns, seconds):
    """Server + optional tracer + wrk; one measurement."""
    build, ready, _ = cfg
    res = {"config": name, "tag": tag, "conns": conns}
    res["quiet_pct"] = wait_quiet(QUIET_WAIT)
    server = Server(logdir, tag)
    tracer = None
    try:
        if build:
            argv = pin(LOAD_CPU) + build(server.pid, tag)
            res["tracer_argv"] = argv
            tracer = Proc(argv, name, stdout=os.path.join(logdir, f"tracer-{tag}.out"),
                          stderr=os.path.join(logdir, f"tracer-{tag}.err"))
            t0 = time.time()
            if not ready(tracer):
                res["error"] = f"{name} did not start (see tracer-{tag}.err)"
                return res
            res["attach_s"] = round(time.time() - t0, 2)
        wrk(conns, WARMUP, latency=False)
        res["foreign_blockwatch"] = foreign_blockwatch({tracer.pid} if tracer else set())
        res["loadavg"] = loadavg()
        cs0 = ctx_switches(server.pid)
        tk0 = proc_ticks(tracer.pid) if tracer else None
        sv0, busy0, svns0 = proc_ticks(server.pid), busy_ticks(), cpu_ns(server.pid)
        usage = {}
        t0 = time.time()
        argv, text = wrk(conns, seconds, usage=usage)
        dt = time.time() - t0
        busy1, sv1, svns1 = busy_ticks(), proc_ticks(server.pid), cpu_ns(server.pid)
        cs1 = ctx_switches(server.pid)
        ours = (sv1 - sv0) + usage.get("cpu_ticks", 0)
        if tracer:
            tk = proc_ticks(tracer.pid)
            ours += (tk - tk0) if tk is not None and tk0 is not None else 0
        res["foreign_cpu_pct"] = 100.0 * (busy1 - busy0 - ours) / CLK_TCK / dt
        m = re.search(r"(\d+) requests in", text)
        if m and int(m.group(1)):
            nreq = int(m.group(1))
            res["requests"] = nreq
            # CPU per request: what the service pays, BPF programs run in its
            # threads included; unlike req/s it barely moves when somebody else's
            # process takes CPU time from the server
            res["server_cpu_us_per_req"] = (svns1 - svns0) / 1e3 / nreq
            res["server_cpu_pct"] = 100.0 * (svns1 - svns0) / 1e9 / dt
            res["wrk_cpu_us_per_req"] = usage.get("cpu_ticks", 0) / CLK_TCK * 1e6 / nreq
        res["wrk_argv"] = argv
        res.update(parse_wrk(text))
        with open(os.path.join(logdir, f"wrk-{tag}.txt"), "w") as f:
            f.write(text)
        if cs0 is not None and cs1 is not None:
            res["server_csw_per_s"] = (cs1 - cs0) / dt
        if tracer:
            tk1 = proc_ticks(tracer.pid)
            if tk0 is not None and tk1 is not None:
                res["tracer_cpu_pct"] = 100.0 * (tk1 - tk0) / CLK_TCK / dt
            res["tracer_vmhwm_kib"] = proc_status(tracer.pid, "VmHWM")
            res["tracer_vmrss_kib"] = proc_status(tracer.pid, "VmRSS")
            if not tracer.alive():
                res["error"] = f"{name} exited during the run (see tracer-{tag}.err)"
    finally:
        if tracer:
            st = tracer.stop()
            res["tracer_exit"] = st
            res["tracer_maxrss_kib"] = tracer.maxrss_kib
            res["tracer_total_cpu_s"] = tracer.cpu_s
            # Peer tools' output files can be large; keep only blockwatch's.
            for fn in os.listdir(logdir):
                if fn.endswith(f"-{tag}.data"):
                    res["output_bytes"] = os.path.getsize(os.path.join(logdir, fn))
                    os.unlink(os.path.join(logdir, fn))
            if build and "bw" in name:
                out = res.get("tracer_argv", [])
                if "-o" in out:
                    res["events"], res["lost"] = bw_lost(out[out.index("-o") + 1])
        server.stop()
    return res


def alternate(configs_, logdir, conns, seconds, rounds, label):
    """A B C .. A B C .., the order rotated each round so no config always runs first."""
    names = list(configs_)
    runs = []
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            tag = f"{label}-r{r}-{re.sub(r'[^a-z0-9]+', '_', name.lower())}"
            for attempt in range(RETRIES + 1):
                res = one_run(name, configs_[name], logdir, tag, conns, seconds)
                res["attempt"] = attempt
                if res.get("foreign_cpu_pct", 0) <= FOREIGN_PCT or "error" in res:
                    break
                if time.time() - T_START > RETRY_BUDGET_S:
                    log(f"  [{label} round {r + 1}/{rounds}] {name}: other processes used "
                        f"{res['foreign_cpu_pct']:.0f}% of a CPU; retry budget spent, kept (flagged)")
                    break
                log(f"  [{label} round {r + 1}/{rounds}] {name}: other processes used "
                    f"{res['foreign_cpu_pct']:.0f}% of a CPU during the run; "
                    + ("running it again" if attempt < RETRIES else "keeping it (flagged)"))
            res["round"] = r
            runs.append(res)
            extra = ""
            if "tracer_cpu_pct" in res:
                extra = f" tracer {res['tracer_cpu_pct']:.1f}% cpu"
            log(f"  [{label} round {r + 1}/{rounds}] {name:28s} "
                f"{res.get('rps', 0):9.0f} req/s  p99 {res.get('p99_us', 0) / 1000:6.2f} ms  "
                f"{res.get('server_csw_per_s', 0):7.0f} csw/s  "
                f"{res.get('server_cpu_us_per_req', 0):5.2f} us cpu/req{extra}"
                f"  foreign {res.get('foreign_cpu_pct', 0):.0f}%"
                + (f"  ERROR {res['error']}" if "error" in res else ""))
    return runs


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(runs):
    by = {}
    for r in runs:
        by.setdefault(r["config"], []).append(r)
    base = by.get("untraced", [])
    base_rps = med([r.get("rps") for r in base])
    base_p99 = med([r.get("p99_us") for r in base])
    base_cpu = med([r.get("server_cpu_us_per_req") for r in base])
    rows = []
    for name, rs in by.items():
        ok = [r for r in rs if "error" not in r and "rps" in r]
        row = {
            "config": name,
            "runs": len(ok),
            "errors": [r["error"] for r in rs if "error" in r],
            "rps": med([r.get("rps") for r in ok]),
            "rps_all": [round(r.get("rps", 0)) for r in ok],
            "p50_us": med([r.get("p50_us") for r in ok]),
            "p99_us": med([r.get("p99_us") for r in ok]),
            "p99_all": [r.get("p99_us") for r in ok],
            "csw_per_s": med([r.get("server_csw_per_s") for r in ok]),
            "cpu_us_per_req": med([r.get("server_cpu_us_per_req") for r in ok]),
            "cpu_us_all": [round(r.get("server_cpu_us_per_req") or 0, 2) for r in ok],
            "foreign_all": [round(r.get("foreign_cpu_pct") or 0) for r in ok],
            "wrk_cpu_us_per_req": med([r.get("wrk_cpu_us_per_req") for r in ok]),
            "server_cpu_pct": med([r.get("server_cpu_pct") for r in ok]),
            "tracer_cpu_pct": med([r.get("tracer_cpu_pct") for r in ok]),
            "tracer_cpu_pct_max": max([r.get("tracer_cpu_pct") or 0 for r in ok], default=None),
            "tracer_vmhwm_kib": max([r.get("tracer_vmhwm_kib") or 0 for r in ok], default=None),
            "tracer_maxrss_kib": max([r.get("tracer_maxrss_kib") or 0 for r in ok], default=None),
            "lost": {},
            "foreign_blockwatch_max": max([r.get("foreign_blockwatch") or 0 for r in ok], default=0),
            "foreign_cpu_pct": med([r.get("foreign_cpu_pct") for r in ok]),
            "noisy_runs": sum(1 for r in ok if (r.get("foreign_cpu_pct") or 0) > FOREIGN_PCT),
        }
        for r in ok:
            for k, v in (r.get("lost") or {}).items():
                row["lost"][k] = row["lost"].get(k, 0) + v
        if base_rps and row["rps"]:
            row["rps_ratio"] = row["rps"] / base_rps
        if base_cpu and row["cpu_us_per_req"]:
            row["cpu_ratio"] = row["cpu_us_per_req"] / base_cpu
        if base_p99 and row["p99_us"]:
            row["p99_ratio"] = row["p99_us"] / base_p99
        row.update(paired_ratios(runs, name))
        rows.append(row)
    return rows


def paired_ratios(runs, name):
    """Each run against the untraced run of the same round (they ran back to back), then
    the median of those ratios: this VM drifts between speed regimes over minutes, which
    moves both members of a pair together but the separate medians apart."""
    rounds = {}
    for r in runs:
        if "error" not in r and r.get("rps") and r.get("server_cpu_us_per_req"):
            rounds.setdefault(r.get("round"), {})[r["config"]] = r
    rps, cpu, p99 = [], [], []
    for m in rounds.values():
        if name in m and "untraced" in m:
            a, b = m[name], m["untraced"]
            rps.append(a["rps"] / b["rps"])
            cpu.append(a["server_cpu_us_per_req"] / b["server_cpu_us_per_req"])
            if a.get("p99_us") and b.get("p99_us"):
                p99.append(a["p99_us"] / b["p99_us"])
    return {"paired_rps_ratio": med(rps), "paired_cpu_ratio": med(cpu),
            "paired_p99_ratio": med(p99), "pairs": len(rps)}


# ---------------------------------------------------------------- BPF run-time stats

def bpf_prog_stats(ids):
    r = sh(["bpftool", "prog", "show", "-j"])
    out = {}
    try:
        for p in json.loads(r.stdout):
            if p["id"] in ids:
                out[p["id"]] = (p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))
    except ValueError:
        pass
    return out


class BpfStats:
    """kernel.bpf_stats_enabled=1 for the duration; restores the old value."""

    def __enter__(self):
        with open("/proc/sys/kernel/bpf_stats_enabled") as f:
            self.old = f.read().strip()
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("1")
        return self

    def __exit__(self, *a):
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(self.old)


def stats_delta(before, after, seconds):
    rows = []
    for pid_, (name, cnt1, ns1) in sorted(after.items(), key=lambda kv: kv[1][0]):
        _, cnt0, ns0 = before.get(pid_, (name, 0, 0))
        runs, ns = cnt1 - cnt0, ns1 - ns0
        rows.append({"prog": name, "runs": runs, "runs_per_s": runs / seconds,
                     "ns_per_run": ns / runs if runs else None,
                     "cpu_pct": 100.0 * ns / 1e9 / seconds})
    return rows


def bpfstats_phase(logdir, cfgs):
    """Per-program run time while blockwatch traces the service under load, and in the storm."""
    out = {}
    cases = [("bw trace -p", CONNS), ("bw trace -p", LAT_CONNS), ("bw trace (system-wide)", CONNS)]
    if QUICK:
        cases = cases[:1] + cases[2:]
    if BW_ALT:
        cases += [("bw trace -p [alt]", CONNS), ("bw trace -p [alt]", LAT_CONNS)]
    cases = [(n, c, SERVER) for n, c in cases]
    if os.path.exists(SERVER149):
        cases.append(("bw trace -p", LAT_CONNS, SERVER149))
    with BpfStats():
        for name, conns, binary in cases:
            if name not in cfgs:
                continue
            build, ready, _ = cfgs[name]
            v149 = binary == SERVER149
            tag = (f"stats-{'all' if 'system' in name else 'alt' if 'alt' in name else 'p'}-c{conns}"
                   + ("-149" if v149 else ""))
            SETUP.update(server=binary)
            server = Server(logdir, tag)
            tracer = Proc(["taskset", "-c", LOAD_CPU] + build(server.pid, tag), name,
                          stderr=os.path.join(logdir, f"tracer-{tag}.err"))
            try:
                if not ready(tracer):
                    log(f"  bpf stats: {name} did not start")
                    continue
                _, ids = bpf_fds(tracer.pid)
                wrk(conns, WARMUP, latency=False)
                cs0 = ctx_switches(server.pid)
                b = bpf_prog_stats(ids)
                t0 = time.time()
                _, text = wrk(conns, DURATION)
                dt = time.time() - t0
                a = bpf_prog_stats(ids)
                cs1 = ctx_switches(server.pid)
                key = f"{name}, wrk -c{conns}" + (", Tokio 1.49" if v149 else "")
                out[key] = {"rows": stats_delta(b, a, dt), "wrk": parse_wrk(text),
                            "server_csw_per_s": (cs1 - cs0) / dt, "seconds": dt}
                log(f"  bpf stats [{key}]: " + ", ".join(
                    f"{r['prog']} {r['ns_per_run'] or 0:.0f} ns x {r['runs_per_s']:.0f}/s"
                    for r in out[key]["rows"]))
            finally:
                tracer.stop()
                server.stop()
                SETUP.update(server=SERVER)
    return out


# ---------------------------------------------------------------- context-switch storm

def storm_run(logdir, tag, storm_args, seconds, bw_args=None, stats=False, bw=None):
    res = {"storm_args": storm_args, "bw_args": bw_args}
    out_path = os.path.join(logdir, f"storm-{tag}.out")
    storm = Proc([STORM, "-s", "-d", str(seconds)] + storm_args, "switch-storm", stdout=out_path)
    tracer = None
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(out_path) as f:
                if "ready" in f.read():
                    break
            time.sleep(0.02)
        if bw_args is not None:
            json_path = os.path.join(logdir, f"bw-{tag}.json")
            argv = ["taskset", "-c", LOAD_CPU, bw or BW, "trace", "-p", str(storm.pid), "-q", "-f",
                    "json", "-o", json_path, "--threads", "^storm-"] + bw_args
            res["tracer_argv"] = argv
            tracer = Proc(argv, "blockwatch", stderr=os.path.join(logdir, f"tracer-{tag}.err"))
            if not bw_ready(tracer):
                res["error"] = "blockwatch did not start"
                return res
        ids = bpf_fds(tracer.pid)[1] if tracer else set()
        b = bpf_prog_stats(ids) if stats else None
        tk0 = proc_ticks(tracer.pid) if tracer else None
        t0 = time.time()
        os.kill(storm.pid, signal.SIGUSR1)
        storm.stop(sig=0, timeout=seconds + 30)  # waits for it to finish on its own
        dt = time.time() - t0
        if stats:
            res["bpf"] = stats_delta(b, bpf_prog_stats(ids), dt)
        if tracer:
            tk1 = proc_ticks(tracer.pid)
            res["tracer_cpu_pct"] = 100.0 * (tk1 - tk0) / CLK_TCK / dt
        with open(out_path) as f:
            m = re.search(r"switches_per_s=(\d+)", f.read())
        res["switches_per_s"] = int(m.group(1)) if m else None
    finally:
        if storm.alive():
            storm.stop(sig=signal.SIGKILL)
        if tracer:
            time.sleep(0.3)
            tracer.stop()
            res["tracer_maxrss_kib"] = tracer.maxrss_kib
            res["events"], res["lost"] = bw_lost(json_path)
    return res


def storm_phase(logdir):
    """Switch rate with and without `trace -p`, A B A B; loss at the default threshold."""
    seconds = 3 if QUICK else 5
    rounds = 2 if QUICK else 3
    shapes = [("2 pairs, each pair on one CPU", ["-p", "2", "-c"]),
              ("2 pairs, unpinned", ["-p", "2"])]
    out = []
    for label, args in shapes:
        names = ["untraced", "bw trace -p"] + (["bw trace -p [alt]"] if BW_ALT else [])
        runs = {n: [] for n in names}
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                tag = f"storm-{len(out)}-{r}-{name.split()[-1].strip('[]-')}"
                res = storm_run(logdir, tag, args, seconds, [] if "bw" in name else None,
                                bw=BW_ALT if "alt" in name else None)
                runs[name].append(res)
                log(f"  [storm {label}] {name:12s} {res.get('switches_per_s') or 0:>9} switches/s"
                    + (f"  lost {sum((res.get('lost') or {}).values())}"
                       f"  cpu {res.get('tracer_cpu_pct', 0):.1f}%" if "bw" in name else ""))
    # (the log line above sums every `lost` counter; the table counts dropped events only)
        out.append({"shape": label, "args": args, "seconds": seconds, "runs": runs})
    # one traced run with BPF run-time stats on
    with BpfStats():
        res = storm_run(logdir, "storm-stats", shapes[0][1], seconds, [], stats=True)
        alt = storm_run(logdir, "storm-stats-alt", shapes[0][1], seconds, [], stats=True,
                        bw=BW_ALT) if BW_ALT else None
    for label, r_ in (("", res), (" [alt]", alt)):
        if r_:
            log(f"  [storm bpf stats{label}] " + ", ".join(
                f"{r['prog']} {r['ns_per_run'] or 0:.0f} ns x {r['runs_per_s']:.0f}/s"
                for r in r_.get("bpf", [])))
    return {"shapes": out, "stats_run": res, "stats_run_alt": alt}


def syscall_once(logdir, tag, seconds, bw=None, traced=True):
    """ns per getppid() of one pinned thread; traced: blockwatch traces that thread,
    else (bystander) blockwatch traces an idle bench-http-server instead."""
    if bw is None:
        res = storm_run(logdir, tag, ["-m", "syscall", "-p", "1", "-c"], seconds)
    elif traced:
        res = storm_run(logdir, tag, ["-m", "syscall", "-p", "1", "-c"], seconds, [], bw=bw)
    else:
        server = Server(logdir, tag)
        tracer = Proc(["taskset", "-c", LOAD_CPU, bw, "trace", "-p", str(server.pid), "-q"],
                      "blockwatch", stderr=os.path.join(logdir, f"tracer-{tag}.err"))
        try:
            if not bw_ready(tracer):
                return {"error": "blockwatch did not start"}
            res = storm_run(logdir, tag, ["-m", "syscall", "-p", "1", "-c"], seconds)
        finally:
            tracer.stop()
            server.stop()
    with open(os.path.join(logdir, f"storm-{tag}.out")) as f:
        m = re.search(r"ns_per_syscall=([\d.]+)", f.read())
    res["ns_per_syscall"] = float(m.group(1)) if m else None
    return res


def syscall_phase(logdir):
    """Per-syscall cost: the sys_enter/sys_exit programs run on every syscall of every
    process, traced or not."""
    seconds = 2
    rounds = 3 if QUICK else 5
    cases = [("untraced", None, True), ("bw trace -p, the looping thread traced", BW, True),
             ("bw trace -p of another process (bystander)", BW, False)]
    if BW_ALT:
        cases += [("[alt] the looping thread traced", BW_ALT, True),
                  ("[alt] bystander", BW_ALT, False)]
    runs = {c[0]: [] for c in cases}
    for r in range(rounds):
        for i in range(len(cases)):
            name, bw, traced = cases[(i + r) % len(cases)]
            res = syscall_once(logdir, f"sys-{r}-{(i + r) % len(cases)}", seconds, bw, traced)
            runs[name].append(res.get("ns_per_syscall"))
    out = []
    base = med(runs["untraced"])
    for name, vals in runs.items():
        m = med(vals)
        out.append({"case": name, "ns_per_syscall": m, "all": vals,
                    "extra_ns": (m - base) if m and base else None})
        log(f"  [syscall] {name:45s} {fmt(m, '.1f')} ns/syscall  (+{fmt(m and base and m - base, '.1f')})")
    return out


def events_phase(logdir):
    """Blocked-event throughput: threshold 0 makes every syscall of a storm thread an
    event with a 16 KiB stack copy; -w spins between hand-offs to set the rate."""
    seconds = 3 if QUICK else 4
    spins = [200000, 50000, 20000, 10000, 5000, 0] if not QUICK else [50000, 10000, 0]
    out = []
    for spin in spins:
        args = ["-p", "1", "-c", "-w", str(spin)]
        res = storm_run(logdir, f"events-w{spin}", args, seconds, ["-t", "0us"])
        res["spin_ns"] = spin
        res["seconds"] = seconds
        ev = res.get("events") or 0
        lost = (res.get("lost") or {}).get("ringbuf_full", 0)
        res["events_per_s"] = ev / seconds
        res["attempted_per_s"] = (ev + lost) / seconds
        out.append(res)
        log(f"  [events -w {spin}] {res.get('switches_per_s') or 0} switches/s, "
            f"{res['attempted_per_s']:.0f} events/s offered, {res['events_per_s']:.0f}/s handled, "
            f"ringbuf_full {lost}, cpu {res.get('tracer_cpu_pct', 0):.0f}%, "
            f"rss {(res.get('tracer_maxrss_kib') or 0) / 1024:.0f} MiB")
    return out


# ---------------------------------------------------------------- symbolization latency

SLEEP_MS = 5


def symbolize_phase(logdir):
    """Time from a blocked handler's response to blockwatch's live line for it: the
    first one pays for loading the binary's symbols and CFI, the rest hit caches."""
    n = 5 if QUICK else 20
    server = Server(logdir, "symbolize")
    master, slave = pty.openpty()
    argv = ["taskset", "-c", LOAD_CPU, BW, "trace", "-p", str(server.pid)]
    p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(slave)
    proc = Proc.__new__(Proc)
    proc.name, proc.p, proc.pid, proc.status = "blockwatch", p, p.pid, None
    lat = []
    buf = b""
    transcript = []
    res = {"argv": argv, "requests": n}
    try:
        t0 = time.time()
        if not bw_ready(proc):
            return {"error": "blockwatch did not start"}
        res["attach_s"] = time.time() - t0 - 0.5  # bw_ready waits 0.5 s for links to settle
        for i in range(n):
            t_sent = time.time()
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/block?ms={SLEEP_MS}", timeout=10).read()
            t_resp = time.time()
            deadline = t_resp + 10
            got = None
            while time.time() < deadline:
                r, _, _ = select.select([master], [], [], 0.5)
                if r:
                    chunk = os.read(master, 65536)
                    transcript.append(chunk)
                    buf += chunk
                    if b"block_in_handler" in buf:
                        got = time.time()
                        buf = b""
                        break
            if got is None:
                res.setdefault("missed", 0)
                res["missed"] += 1
                continue
            # the sleep ends SLEEP_MS after the request left (plus loopback and parsing
            # time, a few tens of us): the live line's delay after that is what unwinding,
            # symbolization and output cost
            lat.append({"after_sleep_ms": (got - t_sent) * 1e3 - SLEEP_MS,
                        "after_response_ms": (got - t_resp) * 1e3})
            time.sleep(0.1)
    finally:
        # keep draining the pty while it prints its summary, so it never blocks on it
        if proc.alive():
            os.kill(proc.pid, signal.SIGINT)
        deadline = time.time() + STOP_TIMEOUT
        while proc.p.poll() is None and time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        proc.stop()
        os.close(master)
        server.stop()
        with open(os.path.join(logdir, "symbolize-live.txt"), "wb") as f:
            f.write(b"".join(transcript))
    if lat:
        res["first_ms"] = lat[0]["after_sleep_ms"]
        cached = [x["after_sleep_ms"] for x in lat[1:]]
        res["cached_median_ms"] = med(cached)
        res["cached_max_ms"] = max(cached) if cached else None
        res["all"] = lat
    tool = os.path.join(BUILD, "tools", "symbolize-bench")
    if os.access(tool, os.X_OK):
        runs = [[tool, "--elf", SERVER, "1000"]]
        snap = os.path.join(BUILD, "fixtures", "snap", "rust")
        if os.path.isdir(snap):
            runs.append([tool, snap])
        res["symbolize_bench"] = []
        for argv in runs:
            r = sh(argv, timeout=120)
            res["symbolize_bench"].append({"argv": argv, "output": (r.stdout + r.stderr).strip()})
    log(f"  [symbolize] first {res.get('first_ms', 0):.1f} ms, cached median "
        f"{res.get('cached_median_ms') or 0:.2f} ms (max {res.get('cached_max_ms') or 0:.2f})")
    return res


# ---------------------------------------------------------------- report

def fmt(v, spec=".0f", none="-"):
    return none if v is None else format(v, spec)


def pct_change(ratio):
    return "-" if ratio is None else f"{(ratio - 1) * 100:+.1f}%"


def machine_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        with open("/etc/debian_version") as f:
            deb = f.read().strip()
    except OSError:
        deb = "?"
    lock = os.path.join(ROOT, "tools", "bench", "http-server", "Cargo.lock")
    crates = {}
    try:
        with open(lock) as f:
            text = f.read()
        for c in ("hyper", "tokio"):
            m = re.search(rf'name = "{c}"\nversion = "([^"]+)"', text)
            crates[c] = m.group(1) if m else "?"
    except OSError:
        pass
    return {
        "cpu": model, "ncpu": os.cpu_count(), "kernel": platform.release(), "debian": deb,
        "blockwatch": first_line([BW, "--version"]),
        "wrk": first_line(["wrk", "-v"]).split("[")[0].strip(),
        "bpftrace": first_line(["bpftrace", "--version"]),
        "perf": first_line(["perf", "--version"]),
        "bpftool": first_line(["bpftool", "version"]),
        "rustc": first_line(["rustc", "--version"]),
        "crates": crates,
    }


def render(results):
    m = results["machine"]
    L = []
    L.append(f"Generated by `make bench` ({'BENCH_QUICK=1, ' if QUICK else ''}"
             f"{ROUNDS} rounds x {DURATION:g} s) on {results['date']}.")
    L.append("")
    L.append(f"- Machine: {m['cpu']}, {m['ncpu']} CPUs; kernel {m['kernel']}; Debian {m['debian']}")
    L.append(f"- {m['blockwatch']}; {m['wrk']}; {m['bpftrace']}; {m['perf']}; {m['bpftool']}")
    L.append(f"- Service: bench-http-server (hyper {m['crates'].get('hyper', '?')}, tokio "
             f"{m['crates'].get('tokio', '?')}, {m['rustc']}, release + debug info), 2 workers")
    L.append(f"- Load average at start: {results['loadavg_start']:.2f}; other blockwatch "
             f"processes seen during runs (not ours, e.g. a concurrent `make test`): "
             f"max {results.get('foreign_max', 0)}")
    if results.get("notes"):
        for n in results["notes"]:
            L.append(f"- Note: {n}")
    L.append("")

    def http_table(title, rows, cmd):
        L.append(f"#### {title}")
        L.append("")
        L.append(f"Load: `{cmd}`; medians of the runs; ratio to the untraced median.")
        L.append("")
        L.append("| configuration | runs | req/s | req/s vs untraced | paired req/s ratio | p50 | p99 "
                 "| p99 vs untraced | paired p99 ratio | server CPU/request | vs untraced "
                 "| paired CPU/request ratio | server ctx switches/s "
                 "| tracer CPU (% of 1 CPU) | tracer peak RSS |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            rss = r.get("tracer_maxrss_kib") or r.get("tracer_vmhwm_kib") or None
            L.append(
                f"| {r['config']} | {r['runs']} | {fmt(r['rps'])} | {pct_change(r.get('rps_ratio'))} "
                f"| {fmt(r.get('paired_rps_ratio'), '.3f')} "
                f"| {fmt(r['p50_us'] and r['p50_us'] / 1000, '.2f')} ms "
                f"| {fmt(r['p99_us'] and r['p99_us'] / 1000, '.2f')} ms "
                f"| {pct_change(r.get('p99_ratio'))} | {fmt(r.get('paired_p99_ratio'), '.3f')} "
                f"| {fmt(r['cpu_us_per_req'], '.2f')} us "
                f"| {pct_change(r.get('cpu_ratio'))} | {fmt(r.get('paired_cpu_ratio'), '.3f')} "
                f"| {fmt(r['csw_per_s'])} "
                f"| {fmt(r['tracer_cpu_pct'], '.2f')} | "
                f"{fmt(rss and rss / 1024, '.1f')} MiB |".replace("| - MiB |", "| - |"))
        L.append("")
        L.append("Per-run req/s, server CPU us/request and CPU used by processes not ours (% of "
                 "one CPU; runs over 10% were rerun once while the retry budget lasted), in run "
                 "order, and lost-event counters:")
        L.append("")
        for r in rows:
            lost = {k: v for k, v in r["lost"].items() if v}
            extra = f"; lost/unresolved: {lost}" if lost else (
                "; lost: 0" if r["config"].startswith("bw") else "")
            err = f"; errors: {r['errors']}" if r["errors"] else ""
            L.append(f"- {r['config']}: {r['rps_all']}; {r['cpu_us_all']}; other processes' CPU "
                     f"% {r['foreign_all']}{extra}{err}")
        L.append("")

    if "http" in results:
        http_table(f"HTTP service, saturated (wrk -c{CONNS})", results["http"]["summary"],
                   f"taskset -c {LOAD_CPU} wrk -t1 -c{CONNS} -d{DURATION:g}s --latency "
                   f"http://127.0.0.1:{PORT}/")
        L.append("Tracer commands (each prefixed with `taskset -c 1`):")
        L.append("")
        for name, desc in results["http"]["commands"].items():
            L.append(f"- {name}: {desc}")
        for n in results["http"].get("skipped", []):
            L.append(f"- skipped: {n}")
        L.append("")
    for phase in ("latency", "latency-unpinned", "http-1.49", "latency-1.49"):
        if phase not in results:
            continue
        r = results[phase]
        tokio = "Tokio 1.49 (../shared/vendor)" if "1.49" in phase else "Tokio 1.24 (Debian)"
        kind = ("latency-bound: workers park between requests, many more context switches"
                if r["conns"] == LAT_CONNS else "saturated")
        where = "pinned as above" if r["pinned"] else "nothing pinned (no taskset anywhere)"
        http_table(f"HTTP service on {tokio}, {kind} (wrk -c{r['conns']}; {where})", r["summary"],
                   ("" if not r["pinned"] else f"taskset -c {LOAD_CPU} ")
                   + f"wrk -t1 -c{r['conns']} -d{DURATION:g}s --latency http://127.0.0.1:{PORT}/")
    if "bpfstats" in results:
        L.append("#### BPF run time per program")
        L.append("")
        L.append("`sysctl kernel.bpf_stats_enabled=1`, then `bpftool prog show -j` before and after "
                 "the wrk window (programs of our blockwatch process only, found through its "
                 "bpf_link fds). run_time_ns covers the program body, not the tracepoint/trampoline "
                 "or uprobe trap around it.")
        L.append("")
        L.append("| case | program | runs/s | ns/run | CPU (% of 1 CPU) |")
        L.append("|---|---|---|---|---|")
        for key, v in results["bpfstats"].items():
            tot = 0
            for r in v["rows"]:
                tot += r["cpu_pct"]
                L.append(f"| {key} | {r['prog']} | {fmt(r['runs_per_s'])} | "
                         f"{fmt(r['ns_per_run'], '.0f')} | {r['cpu_pct']:.2f} |")
            L.append(f"| {key} | **total** ({fmt(v['wrk'].get('rps'))} req/s, "
                     f"{fmt(v['server_csw_per_s'])} server csw/s) | | | **{tot:.2f}** |")
        L.append("")
    if "storm" in results:
        st = results["storm"]
        L.append("#### Context-switch storm (tools/bench/switch-storm.c)")
        L.append("")
        L.append("Futex ping-pong; `switch-storm -s -d SECS ARGS`, traced with `blockwatch trace -p "
                 "PID -q -f json -o FILE --threads '^storm-'` (default 1 ms threshold). "
                 "Switches/s are the storm threads' own (getrusage), medians; lost = "
                 "blockwatch's `lost.ringbuf_full` + `threads_map_full` + `bad_ring_buffer_record` "
                 "over all traced runs.")
        L.append("")
        L.append("| shape | tracer | switches/s | vs untraced | lost (all runs) | "
                 "blockwatch CPU | blockwatch RSS |")
        L.append("|---|---|---|---|---|---|---|")
        for s in st["shapes"]:
            u = med([r.get("switches_per_s") for r in s["runs"]["untraced"]])
            for name, rs in s["runs"].items():
                t = med([r.get("switches_per_s") for r in rs])
                if name == "untraced":
                    L.append(f"| {s['shape']} (`{' '.join(s['args'])}`) | untraced | {fmt(u)} "
                             "| | | | |")
                    continue
                lost = sum(sum(v for k, v in (r.get("lost") or {}).items() if k in LOST_KEYS)
                           for r in rs)
                cpu = med([r.get("tracer_cpu_pct") for r in rs])
                rss = max([r.get("tracer_maxrss_kib") or 0 for r in rs])
                L.append(f"| | {name} | {fmt(t)} | {pct_change(t / u if u and t else None)} | "
                         f"{lost} | {fmt(cpu, '.1f')}% | {rss / 1024:.1f} MiB |")
        L.append("")
        for key, label in (("stats_run", ""), ("stats_run_alt", " [alt]")):
            sr = st.get(key) or {}
            if not sr.get("bpf"):
                continue
            L.append(f"BPF run time in the storm{label} (`{' '.join(sr['storm_args'])}`, "
                     f"{fmt(sr.get('switches_per_s'))} switches/s traced):")
            L.append("")
            L.append("| program | runs/s | ns/run | CPU (% of 1 CPU) |")
            L.append("|---|---|---|---|")
            for r in sr["bpf"]:
                L.append(f"| {r['prog']} | {fmt(r['runs_per_s'])} | {fmt(r['ns_per_run'])} | "
                         f"{r['cpu_pct']:.1f} |")
            L.append("")
    if "syscall" in results:
        L.append("#### Per-syscall cost")
        L.append("")
        L.append("`switch-storm -s -d 2 -m syscall -p 1 -c`: one thread on CPU 0 calls getppid() in a "
                 "loop; medians. Traced: `blockwatch trace -p PID -q -f json -o FILE --threads "
                 "'^storm-'` on that process. Bystander: blockwatch traces an idle "
                 "bench-http-server while the loop runs in a process it does not trace: the cost "
                 "every other program on the machine pays.")
        L.append("")
        L.append("| case | ns per syscall | added | runs |")
        L.append("|---|---|---|---|")
        for r in results["syscall"]:
            L.append(f"| {r['case']} | {fmt(r['ns_per_syscall'], '.1f')} | "
                     f"{'' if r['case'] == 'untraced' else '+' + fmt(r['extra_ns'], '.1f') + ' ns'} | "
                     f"{', '.join(fmt(v, '.0f') for v in r['all'])} |")
        L.append("")
    if "events" in results:
        L.append("#### Blocked-event throughput (every syscall an event)")
        L.append("")
        L.append("`switch-storm -s -d SECS -p 1 -c -w SPIN_NS` traced with `blockwatch trace -p PID "
                 "-q -f json -o FILE --threads '^storm-' -t 0us`: threshold 0 turns every syscall "
                 "exit of a storm thread into a blocked event with registers and a 16 KiB stack "
                 "copy, which user space unwinds and symbolizes. Offered = handled + ringbuf_full.")
        L.append("")
        L.append("| spin between hand-offs | switches/s | events/s offered | events/s handled | "
                 "ringbuf_full | blockwatch CPU | blockwatch RSS |")
        L.append("|---|---|---|---|---|---|---|")
        for r in results["events"]:
            L.append(f"| {r['spin_ns'] / 1000:g} us | {fmt(r.get('switches_per_s'))} | "
                     f"{r['attempted_per_s']:.0f} | {r['events_per_s']:.0f} | "
                     f"{(r.get('lost') or {}).get('ringbuf_full', '-')} | "
                     f"{fmt(r.get('tracer_cpu_pct'), '.0f')}% | "
                     f"{(r.get('tracer_maxrss_kib') or 0) / 1024:.1f} MiB |")
        L.append("")
    if "symbolize" in results:
        s = results["symbolize"]
        L.append("#### Report latency: unwinding + symbolization, first and cached")
        L.append("")
        L.append("`blockwatch trace -p PID` (live lines on a pty) while `GET /block?ms=5` makes a "
                 "worker call std::thread::sleep(5 ms), one request at a time; latency = live line "
                 "read minus (request sent + 5 ms), i.e. from the end of the blocked interval to "
                 "the symbolized line (upper bound: includes ring-buffer wake-up, HTTP parsing "
                 "and the pty). Attach = `blockwatch trace -p` start until all its BPF links "
                 "exist (process scan, ELF/CFI loading done before tracing starts).")
        L.append("")
        L.append("| requests | attach | first event | cached: median | cached: max | missed |")
        L.append("|---|---|---|---|---|---|")
        L.append(f"| {s.get('requests')} | {fmt(s.get('attach_s'), '.2f')} s | "
                 f"{fmt(s.get('first_ms'), '.1f')} ms | "
                 f"{fmt(s.get('cached_median_ms'), '.2f')} ms | {fmt(s.get('cached_max_ms'), '.2f')} ms "
                 f"| {s.get('missed', 0)} |")
        L.append("")
        for sb in s.get("symbolize_bench", []):
            L.append(f"`{' '.join(os.path.relpath(a, ROOT) if a.startswith(ROOT) else a for a in sb['argv'])}` "
                     "(tools/symbolize-bench.c, in-process, no tracing):")
            L.append("")
            L.append("    " + sb["output"].replace("\n", "\n    ").replace(ROOT + "/", ""))
            L.append("")
    return "\n".join(L)


def update_doc(md):
    try:
        with open(DOC) as f:
            text = f.read()
    except OSError:
        log(f"  {DOC} missing; not updated")
        return
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in text or end not in text:
        log(f"  {DOC} has no bench markers; not updated")
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(DOC, "w") as f:
        f.write(head + begin + "\n" + md + "\n" + end + tail)
    log(f"  updated {DOC}")


def preflight():
    problems = []
    if os.geteuid() != 0:
        problems.append("needs root (BPF)")
    for path in (BW, SERVER, STORM):
        if not os.access(path, os.X_OK):
            problems.append(f"{path} missing (run `make bench`)")
    for tool in ("wrk", "bpftool", "taskset"):
        if not shutil.which(tool):
            problems.append(f"{tool} not installed (tools/install-deps.sh)")
    if (os.cpu_count() or 1) < 2:
        problems.append("needs 2 CPUs (server on CPU 0, load and tracer on CPU 1)")
    return problems


def main():
    problems = preflight()
    if problems:
        for p in problems:
            print(f"bench: {p}", file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    logdir = os.path.join(OUT, "logs")
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    phases = os.environ.get("BENCH_PHASES",
                            "http,latency,latency-unpinned,http-1.49,latency-1.49,"
                            "bpfstats,storm,syscall,events,symbolize")
    phases = [p.strip() for p in phases.split(",")]
    if QUICK:
        # the latency-bound point stays: it is the one that costs most
        phases = [p for p in phases if p not in ("latency-unpinned", "http-1.49")]
    t_start = time.time()
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "quick": QUICK, "rounds": ROUNDS,
               "duration_s": DURATION, "machine": machine_info(), "loadavg_start": loadavg(),
               "notes": []}
    log(f"bench: {'quick, ' if QUICK else ''}{ROUNDS} rounds x {DURATION:g}s; logs in {logdir}")
    cfgs = configs(logdir)
    top_ok, top_msg = top_available()
    skipped = []
    if not top_ok:
        skipped.append(f"`blockwatch top --iterations`: `{BW} top --help` says: "
                       f"{top_msg[0] if top_msg else '?'}")
    if shutil.which("perf"):
        r = sh(["perf", "record", "--off-cpu", "-o", "/dev/null", "--", "true"])
        if "BUILD_BPF_SKEL" in r.stderr or r.returncode:
            skipped.append("`perf record --off-cpu`: this perf was built without BUILD_BPF_SKEL "
                           "(option ignored); `perf record -e sched:sched_switch -g` runs instead")
    try:
        if "http" in phases:
            log(f"http: saturated load, wrk -c{CONNS}, configurations: {', '.join(cfgs)}")
            runs = alternate(cfgs, logdir, CONNS, DURATION, ROUNDS, "http")
            results["http"] = {"runs": runs, "summary": summarize(runs), "skipped": skipped,
                               "commands": {k: v[2] for k, v in cfgs.items()}}
        lat_cfgs = {k: v for k, v in cfgs.items()
                    if k in ("untraced", "bw trace -p", "bw trace -p [alt]", "bw top",
                             "bw record -p", "bw trace -p [park probes kept]",
                             "bw trace -p [sys_exit + park probes]")}
        for phase, server, pinned, conns in (("latency", SERVER, True, LAT_CONNS),
                                             ("latency-unpinned", SERVER, False, LAT_CONNS),
                                             ("http-1.49", SERVER149, True, CONNS),
                                             ("latency-1.49", SERVER149, True, LAT_CONNS)):
            if phase not in phases:
                continue
            if not os.path.exists(server):
                results["notes"].append(f"{phase}: {server} not built; phase skipped")
                continue
            SETUP.update(server=server, pin=pinned)
            sub = lat_cfgs if conns == LAT_CONNS else cfgs
            if phase == "latency":
                # the latency-bound point is where tracers cost most: the peers run here too
                sub = {k: v for k, v in cfgs.items() if k in lat_cfgs or not k.startswith("bw")}
            log(f"{phase}: wrk -c{conns}, configurations: {', '.join(sub)}")
            secs = max(2, round(DURATION / 2)) if conns == LAT_CONNS else DURATION
            runs = alternate(sub, logdir, conns, secs, ROUNDS, phase)
            results[phase] = {"runs": runs, "summary": summarize(runs), "conns": conns,
                              "pinned": pinned, "server": os.path.basename(server)}
            SETUP.update(server=SERVER, pin=True)
        if "bpfstats" in phases:
            log("bpfstats: per-program BPF run time")
            results["bpfstats"] = bpfstats_phase(logdir, cfgs)
        if "storm" in phases:
            log("storm: context-switch storm")
            results["storm"] = storm_phase(logdir)
        if "syscall" in phases:
            log("syscall: per-syscall cost (getppid loop on CPU 0)")
            results["syscall"] = syscall_phase(logdir)
        if "events" in phases:
            log("events: blocked-event throughput")
            results["events"] = events_phase(logdir)
        if "symbolize" in phases:
            log("symbolize: report latency")
            results["symbolize"] = symbolize_phase(logdir)
    finally:
        foreign = 0
        for key in ("http", "latency", "latency-unpinned", "http-1.49", "latency-1.49"):
            for r in results.get(key, {}).get("runs", []):
                foreign = max(foreign, r.get("foreign_blockwatch") or 0)
        results["foreign_max"] = foreign
        results["elapsed_s"] = round(time.time() - t_start)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
        md = render(results)
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write(md + "\n")
        with open(os.path.join(OUT, "bench.log"), "w") as f:
            f.write("\n".join(LOG_LINES) + "\n")
        print()
        print(md)
        log(f"bench: done in {results['elapsed_s']} s; {os.path.join(OUT, 'results.md')}")
        if os.environ.get("BENCH_UPDATE_DOC") == "1":
            update_doc(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
