#!/usr/bin/env python3
# tokio-matrix
"""Scenario 8: attach to a running, busy process (`trace -p PID`, stopped by SIGINT 2 s
after it is ready; three times in a row) whose blocking task was spawned long before,
beside computing tasks and spawn_blocking work that must not be reported. Its threads already exist and
must still be classified; the count must match the blocking the workload did while
blockwatch was attached.

Readiness by signal, not by sleep: the workload prints "running" after its first sleep
(runtime, workers and the blocking task all exist), blockwatch writes "ready" to
--ready-fd once its probes are attached. The workload records when each of its 10 ms
sleeps ended (CLOCK_MONOTONIC, as time.monotonic_ns here), so the expected count comes
from those two signals, the SIGINT and the workload's own clock, never from
blockwatch's report:
  at least: sleeps that ended in [ready + SETTLE, sigint]
  at most:  sleeps that ended in [ready - EDGE, sigint + EDGE]"""
import os
import subprocess
import sys
import signal
import time

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

TRACE_SECS = 2
ATTACHES = 3
# A sleep that began before the probes were attached has no seen switch-out and may go
# unreported: sleeps take 10 ms, plus up to ~40 ms of run-queue wait on a loaded 2-CPU box.
SETTLE_NS = 50_000_000
# Thread accounting starts a moment before "ready" is written (the last attach steps),
# and the loop sees SIGINT within its 100 ms poll and drains the ring buffer before it
# detaches: 300 ms each side covers that on a loaded 2-CPU machine (12 sleeps at 40/s).
EDGE_NS = 300_000_000


def ends_in(ends, lo, hi):
    return sum(1 for e in ends if lo <= e <= hi)


def attach_once(tap, wl, k):
    """One `trace -p` session of TRACE_SECS; returns what evaluate() needs."""
    name = f"attach-{k}"
    run = bwtest.Run(name)
    ready_r, ready_w = bwtest.ready_pipe()
    cmd = [bwtest.BLOCKWATCH, "trace", "-p", str(wl.pid), "--ready-fd", str(ready_w), "--format", "json",
           "--output", run.report_path]
    bw_start = time.monotonic_ns()
    bw = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=(ready_w,))
    os.close(ready_w)
    ready = bwtest.wait_line(ready_r, "ready", 60)
    os.close(ready_r)
    ready_t = time.monotonic_ns()
    time.sleep(TRACE_SECS)  # the traced window itself, not a wait for readiness
    sigint_t = time.monotonic_ns()
    bw.send_signal(signal.SIGINT)
    try:
        _, err = bw.communicate(timeout=60)
        run.rc, run.stderr = bw.returncode, err
    except subprocess.TimeoutExpired:
        bw.kill()
        bw.communicate()
        run.rc = "timeout"
    bw_end = time.monotonic_ns()
    tap.check(f"{name}: blockwatch says when its probes are attached (--ready-fd)", ready)
    tap.check(f"{name}: SIGINT ends the trace promptly ({(bw_end - sigint_t) / 1e9:.1f}s < 10s)",
              bw_end - sigint_t < 10e9)
    tap.check(f"{name}: workload still running when blockwatch finished", wl.poll() is None)
    return dict(run=run, name=name, bw_start=bw_start, ready_t=ready_t, sigint_t=sigint_t, bw_end=bw_end)


def evaluate(tap, a, truth_path):
    """Scores one attach against the truth the workload wrote when it ended."""
    run, name = a["run"], a["name"]
    run.truth_path = truth_path
    run.load()
    if not bwtest.check_run(tap, run):
        bwtest.save_failed_tally(name, run, "attach")
        return
    (e,) = run.truth["expected"]
    ends = run.truth["event_ends_monotonic_ns"]
    lo = ends_in(ends, a["ready_t"] + SETTLE_NS, a["sigint_t"])
    hi = ends_in(ends, a["ready_t"] - EDGE_NS, a["sigint_t"] + EDGE_NS)
    window = dict(e, count_bounds=[lo, hi])
    tally, entries, kinds = bwtest.score(name, "attach", run.report["callsites"], [window],
                                          lost=bwtest.lost_intervals(run.report))
    bwtest.save_tally(tally)
    where = f"{os.path.basename(e['file'])}:{e['line']}"
    hits = [run.report["callsites"][i] for i in entries[0]["hits"]]
    if tap.check(f"{name}: {where} reported", bool(hits),
                 "\n".join(map(bwtest.short, run.report["callsites"])) or "no callsites"):
        tap.check(f"{name}: {where} category is {e['category']}",
                  all(c.get("category") == e["category"] for c in hits), "\n".join(map(bwtest.short, hits)))
        tap.check(f"{name}: {where} blocking API is {e['blocking_api']}",
                  all(bwtest.api_ok(c.get("blocking_api"), e["blocking_api"]) for c in hits),
                  "\n".join(map(bwtest.short, hits)))
        got = sum(c["count"] for c in hits)
        lo, hi = bwtest.count_range(window, bwtest.lost_intervals(run.report))
        tap.check(f"{name}: count {got} is what the workload blocked while attached ({lo}..{hi})",
                  lo <= got <= hi,
                  f"ready {(a['ready_t'] - a['bw_start']) / 1e9:.2f}s after start, exited "
                  f"{(a['bw_end'] - a['sigint_t']) / 1e9:.2f}s after SIGINT; overall rate {run.truth['rate_per_s']}/s")
    # the spawn_blocking sleeps (pool threads that started long before) are never stalls
    stray = [c for i, c in enumerate(run.report["callsites"]) if kinds[i] == "wrong" and c not in hits]
    tap.check(f"{name}: no unexpected callsites (spawn_blocking sleeps are not worker stalls)", not stray,
              "\n".join(map(bwtest.short, stray)))
    bwtest.check_threads(tap, name, run.report, dict(run.truth, expected=[]))
    threads = bwtest.workload_threads(run.report, run.truth["pid"])
    workers = [t for t in threads if t.get("role") == "worker"]
    want = int(run.truth["workers"])
    tap.check(f"{name}: exactly the runtime's {want} busy workers are workers, found while already running "
              f"(not the blocking pool's threads)", len(workers) == want,
              "\n".join(f"{t['tid']} {t['comm']} {t['role']} running {bwtest.ms(t.get('running_ns'))} "
                        f"blocked {bwtest.ms(t.get('blocked_ns'))} parked {bwtest.ms(t.get('parked_ns'))}"
                        for t in threads))


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    truth = bwtest.Run("attach-truth")
    # Runs until SIGTERM (capped at 60 s), so a slow attach cannot outlive it.
    wl = subprocess.Popen(bwtest.workload_cmd(truth, "attach", args=["--seconds", "60"]),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    attaches = []
    try:
        if not tap.check("attach: the workload says it is running",
                         bwtest.wait_line(wl.stdout.fileno(), "running", 30), "no 'running' line in 30 s"):
            bwtest.save_failed_tally("attach", truth, "attach")
            tap.done()
        # Attach again and again to the same running service: each attach finds threads
        # that are mid-task, parked or in the blocking pool, never from their start.
        for k in range(ATTACHES):
            attaches.append(attach_once(tap, wl, k + 1))
        wl.terminate()  # it writes its truth and exits
        wl.wait(timeout=30)
        for a in attaches:
            evaluate(tap, a, truth.truth_path)
    finally:
        if wl.poll() is None:
            wl.kill()
            wl.wait()
        for a in attaches:
            a["run"].cleanup()
        truth.cleanup()
    tap.done()


main()
