#!/usr/bin/env python3
# tokio-matrix
"""A Tokio runtime inside a shared object (a cdylib) run by a C host that has none:
blockwatch must find the runtime's probes in the .so, recognise the workers and report
the blocking at the library's line. Twice: a host that links the library (mapped
before main), and one that dlopens it long after starting, the way Python loads an
extension module (found by rescanning a process that has no runtime yet). And
system-wide: a host started after attach, which dlopens the runtime later, is watched
until it does and traced from then on. Truth: the host prints it."""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402


def results(tap, name, host_stdout, report_path):
    """The host's truth (its last stdout line) and blockwatch's JSON report."""
    try:
        return json.loads(host_stdout.strip().splitlines()[-1]), json.load(open(report_path))
    except (ValueError, IndexError, OSError) as e:
        tap.check(f"{name}: truth and report readable", False, f"{e}\nstdout: {host_stdout}")
        return None, None


def host_processes(report, host):
    """The host's entries in the report, and whether its runtime was probed."""
    proc = [x for x in report["processes"] if x["comm"].startswith(os.path.basename(host)[:15])]
    return proc, bool(proc) and proc[0]["runtime"] == "tokio" and proc[0]["park_detection"] == "uprobes"


def truth_hits(report, truth):
    """Callsites at the truth's line, all callsites listed, and the line as file:line."""
    hits = [c for c in report["callsites"] if bwtest.at(c, truth["file"], truth["line"])]
    listed = "\n".join(bwtest.short(c) for c in report["callsites"]) or "(none)"
    return hits, listed, f"{os.path.basename(truth['file'])}:{truth['line']}"


def expected(truth, **extra):
    """The host's truth as the scorer's entry: every call sleeps 10 ms in std::thread::sleep."""
    return dict({"file": truth["file"], "line": truth["line"], "category": "sleep",
                 "blocking_api": "std::thread::sleep", "count": truth["count"], "count_slack": 0,
                 "soft": False, "calls": truth["count"]}, **extra)


def traced(tap, name, cmd):
    host = cmd[0]
    if not tap.require(f"{name} built", os.access(host, os.X_OK), f"{host} missing: run `make workloads`"):
        return
    with tempfile.TemporaryDirectory() as d:
        report_path = os.path.join(d, "report.json")
        p = subprocess.run([bwtest.BLOCKWATCH, "trace", "-q", "-f", "json", "-o", report_path, "--", *cmd],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=bwtest.TIMEOUT)
        tap.check(f"{name}: blockwatch exits 0", p.returncode == 0, p.stderr)
        truth, report = results(tap, name, p.stdout, report_path)
        if not report:
            bwtest.save_tally(bwtest.failed_tally(name, "shared-object"))
            return
        bwtest.save_tally(bwtest.score(name, "shared-object", report["callsites"], [expected(truth)],
                                       lost=bwtest.lost_intervals(report))[0])
        proc, probed = host_processes(report, host)
        tap.check(f"{name}: the runtime is recognised in the shared object", probed, str(proc))
        tap.check(f"{name}: no 'not running a recognised runtime' note is left",
                  not any("not running a recognised" in n for n in report["degraded"]), str(report["degraded"]))
        hits, listed, where = truth_hits(report, truth)
        if tap.check(f"{name}: blocking reported at {where}", hits, listed):
            c = hits[0]
            lo, hi = bwtest.count_range(expected(truth), bwtest.lost_intervals(report))
            tap.check(f"{name}: count {c['count']} within 10% of {truth['count']}", lo <= c["count"] <= hi)
            tap.check(f"{name}: category sleep", c["category"] == "sleep")
            tap.check(f"{name}: blocking API is std::thread::sleep", bwtest.api_ok(c["blocking_api"], "std::thread::sleep"),
                      c["blocking_api"])
        tap.check(f"{name}: nothing else reported", len(report["callsites"]) == len(hits), listed)


def system_wide(tap, host, lib):
    """The host starts after a system-wide trace attached and loads the runtime 400 ms
    later; blockwatch looks at processes without a runtime five times a second and then
    starts tracing it, so the start of a ~2 s run may be missed (up to a few hundred ms
    on a loaded machine), not more."""
    name = "system-wide so-dlopen-host"
    if not tap.require(f"{name} built", os.access(host, os.X_OK), f"{host} missing: run `make workloads`"):
        return
    with tempfile.TemporaryDirectory() as d:
        report_path = os.path.join(d, "report.json")
        ready_r, ready_w = bwtest.ready_pipe()
        bw = subprocess.Popen([bwtest.BLOCKWATCH, "trace", "-q", "-f", "json", "-o", report_path,
                               "--ready-fd", str(ready_w)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, pass_fds=(ready_w,))
        os.close(ready_w)
        tap.check(f"{name}: blockwatch says when its probes are attached (--ready-fd)",
                  bwtest.wait_line(ready_r, "ready", 60))
        os.close(ready_r)
        # Stray processes without a runtime that block all the time (a shell loop of
        # sleeps, a Python loop of sleeps): watched, never traced, no callsite of theirs.
        strays = [subprocess.Popen(["bash", "-c", "while :; do sleep 0.01; done"]),
                  subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(0.01)"])]
        env = dict(os.environ, BW_SERVICE_ROUNDS="100")
        try:
            p = subprocess.run([host, lib], env=env, stdout=subprocess.PIPE, text=True, timeout=bwtest.TIMEOUT)
        finally:
            for x in strays:
                x.kill()
                x.wait()
        bw.send_signal(signal.SIGINT)
        try:
            _, err = bw.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            bw.kill()
            _, err = bw.communicate()
        tap.check(f"{name}: blockwatch exits 0 on Ctrl-C", bw.returncode == 0, err)
        truth, report = results(tap, name, p.stdout, report_path)
        if not report:
            bwtest.save_tally(bwtest.failed_tally("system-wide", "system-wide"))
            return
        proc, probed = host_processes(report, host)
        tap.check(f"{name}: the process is traced once it loaded the runtime", probed, str(proc))
        pids = {x["pid"] for x in proc}
        # Scored over the host's callsites: those with a frame in the host or its library.
        # System-wide, other Tokio programs running on this machine are not ours to judge
        # (they are listed); any stray callsite of the host's threads has such a frame.
        ours = (os.path.realpath(host), os.path.realpath(lib))
        mine = [c for c in report["callsites"]
                if any(os.path.realpath(f.get("module") or "") in ours for f in c.get("stack") or [])]
        stray_modules = {os.path.realpath(x) for x in ("/bin/bash", "/bin/sleep", sys.executable)}
        stray = [c for c in report["callsites"]
                 if any(os.path.realpath(f.get("module") or "") in stray_modules for f in c.get("stack") or [])]
        tap.check(f"{name}: stray processes without a runtime (bash, sleep, python loops) have no callsite",
                  not stray, "\n".join(map(bwtest.short, stray)))
        others = [c for c in report["callsites"] if c not in mine]
        if others:
            tap.note(f"{name}: callsites of other processes (not scored):\n" + "\n".join(map(bwtest.short, others)))
        entry = expected(truth, count_bounds=[int(truth["count"] * 0.6), int(truth["count"] * 1.1)])
        bwtest.save_tally(bwtest.score("system-wide", "system-wide", mine, [entry], lost=bwtest.lost_intervals(report))[0])
        hits, listed, where = truth_hits(report, truth)
        if tap.check(f"{name}: blocking reported at {where}", hits, listed):
            n = sum(c["count"] for c in hits)
            tap.check(f"{name}: count {n} between 60% and 110% of {truth['count']}",
                      truth["count"] * 0.6 <= n <= truth["count"] * 1.1)
            tap.check(f"{name}: category sleep, API std::thread::sleep",
                      all(c["category"] == "sleep" and bwtest.api_ok(c["blocking_api"], "std::thread::sleep")
                          for c in hits), listed)
        workers = [t for t in report["threads"] if t["pid"] in pids and t["role"] == "worker"]
        tap.check(f"{name}: its 2 workers recognised", len(workers) == 2, str(workers))


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    lib = os.path.join(os.path.dirname(bwtest.workload("so-host")), "libbw_service_lib.so")
    traced(tap, "so-host", [bwtest.workload("so-host")])
    traced(tap, "so-dlopen-host", [bwtest.workload("so-dlopen-host"), lib])
    system_wide(tap, bwtest.workload("so-dlopen-host"), lib)
    tap.done()


main()
