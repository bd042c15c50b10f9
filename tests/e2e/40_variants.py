#!/usr/bin/env python3
# tokio-matrix
"""The same workloads built differently: line tables only and split debug info must give
the same answers as full debug info; a stripped binary must still yield the blocking with
the right category and syscall (names and lines may be missing: that is degraded mode)."""
import os
import sys

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402


def stripped(tap):
    run = bwtest.trace("stripped-sleep", "sleep", "bw-workload-stripped")
    try:
        if not bwtest.check_run(tap, run):
            return
        (e,) = run.truth["expected"]
        syscalls = bwtest.CATEGORY_SYSCALLS[e["category"]]
        callsites = run.report["callsites"]
        hits = [c for c in callsites if c.get("category") == e["category"] and c.get("syscall") in syscalls]
        if not tap.check(f"stripped-sleep: blocking found as {e['category']} in {'/'.join(syscalls)}", bool(hits),
                         "\n".join(map(bwtest.short, callsites)) or "no callsites"):
            return
        got = sum(c["count"] for c in hits)
        lo, hi = bwtest.count_range(e)
        tap.check("stripped-sleep: count within 10% of truth", lo <= got <= hi,
                  f"reported {got}, truth {e['count']}: want {lo}..{hi}")
        total = sum(c["total_ns"] for c in hits)
        tlo, thi = bwtest.time_range(e, run.truth["count_min_ns"])
        tap.check("stripped-sleep: total blocked time within 15% of truth", tlo <= total <= thi,
                  f"reported {bwtest.ms(total)}, truth {bwtest.ms(e['total_ns'])}")
        # Without symbols, parked workers (futex, epoll_wait) must still not look blocked.
        stray = [c for c in callsites if c not in hits]
        tap.check("stripped-sleep: no other callsites", not stray, "\n".join(map(bwtest.short, stray)))
        procs = [p for p in run.report["processes"] if p.get("pid") == run.truth["pid"]]
        tap.check("stripped-sleep: degraded mode is reported",
                  bool(run.report.get("degraded")) or any(p.get("park_detection") != "uprobes" for p in procs),
                  f"degraded={run.report.get('degraded')} processes={procs}")
        bwtest.check_threads(tap, "stripped-sleep", run.report, run.truth)
    finally:
        run.cleanup()


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    for scenario in ("sleep", "drop", "mutex"):
        bwtest.scenario_test(tap, scenario, name=f"lines-{scenario}", variant="bw-workload-lines", group="variants")
    bwtest.scenario_test(tap, "sleep", name="split-sleep", variant="split/bw-workload", group="variants")
    stripped(tap)
    tap.done()


main()
