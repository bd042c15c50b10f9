#!/usr/bin/env python3
"""Scenario 8: attach to a running process (`trace -p PID --duration 3`) whose blocking
task was spawned long before. Its threads already exist and must still be classified;
the count must match the blocking the workload did inside the traced window.

The workload records when each of its sleeps ended (CLOCK_MONOTONIC, as time.monotonic_ns
here). The exact window blockwatch traced is not known, only that it lasted duration_ns
and lies between blockwatch's start and exit; so the count must match SOME such window
(within 15%). With a steady rate every window holds the same count; on a loaded machine
the rate wobbles and the check loosens accordingly instead of failing spuriously."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

TRACE_SECS = 3
RATE_TOL = 0.15  # the window's edges are fuzzy: attach and detach take a moment


def window_counts(ends, start, end, span):
    """Fewest and most events in a window of length span inside [start, end]."""
    if end - start <= span:
        n = sum(1 for e in ends if start <= e <= end)
        return n, n
    # Counts only change where a window edge crosses an event: try those positions.
    starts = {start, end - span} | {e for e in ends if start <= e <= end - span} | \
             {e - span for e in ends if start + span <= e <= end}
    counts = [sum(1 for e in ends if t <= e <= t + span) for t in starts]
    return min(counts), max(counts)


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    run = bwtest.Run("attach")
    # Runs until SIGTERM (capped at 60 s), so a slow attach cannot outlive it.
    wl = subprocess.Popen(bwtest.workload_cmd(run, "attach", args=["--seconds", "60"]),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)  # the runtime, its workers and the blocking task all predate blockwatch
        cmd = [bwtest.BLOCKWATCH, "trace", "-p", str(wl.pid), "--duration", str(TRACE_SECS),
               "--format", "json", "--output", run.report_path]
        bw_start = time.monotonic_ns()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=TRACE_SECS + 60)
            run.rc, run.stderr = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            run.rc = "timeout"
        bw_end = time.monotonic_ns()
        tap.check("attach: workload still running when blockwatch finished", wl.poll() is None)
        wl.terminate()  # it writes its truth and exits
        wl.wait(timeout=30)
        run.load()
        if not bwtest.check_run(tap, run):
            bwtest.save_failed_tally("attach", run)
            tap.done()
        (e,) = run.truth["expected"]
        where = f"{os.path.basename(e['file'])}:{e['line']}"
        hits = [c for c in run.report["callsites"] if bwtest.at(c, e["file"], e["line"])]
        tally = {"name": "attach", "required": 1, "found": 0, "reported": len(run.report["callsites"]),
                 "correct": sum(1 for c in hits if c.get("category") == e["category"])}
        if tap.check(f"attach: {where} reported", bool(hits),
                     "\n".join(map(bwtest.short, run.report["callsites"])) or "no callsites"):
            tally["found"] = int(tap.check(f"attach: {where} category is {e['category']}",
                                           all(c.get("category") == e["category"] for c in hits),
                                           "\n".join(map(bwtest.short, hits))))
            got = sum(c["count"] for c in hits)
            span = run.report["duration_ns"]
            lo, hi = window_counts(run.truth["event_ends_monotonic_ns"], bw_start, bw_end, span)
            # The longest per-thread accounting shows how much of the window was observed.
            seen = max((sum(t.get(k) or 0 for k in bwtest.STATES) for t in run.report["threads"]), default=0)
            tap.check("attach: count matches the workload's blocking within the window",
                      lo * (1 - RATE_TOL) - 1 <= got <= hi * (1 + RATE_TOL) + 1,
                      f"reported {got}; the workload blocked {lo}..{hi} times in any {span / 1e9:.2f}s window "
                      f"while blockwatch ran ({(bw_end - bw_start) / 1e9:.2f}s); threads accounted for at most "
                      f"{seen / 1e9:.2f}s; overall rate {run.truth['rate_per_s']}/s")
        stray = [c for c in run.report["callsites"] if c not in hits]
        tap.check("attach: no unexpected callsites", not stray, "\n".join(map(bwtest.short, stray)))
        bwtest.save_tally(tally)
        bwtest.check_threads(tap, "attach", run.report, dict(run.truth, expected=[]))
    finally:
        if wl.poll() is None:
            wl.kill()
            wl.wait()
        run.cleanup()
    tap.done()


main()
