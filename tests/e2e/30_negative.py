#!/usr/bin/env python3
# tokio-matrix
"""Negative controls 9-12: healthy code. blockwatch must report no callsite at all;
spawn_blocking work may only show up as blocking-pool time; an idle runtime's workers
are parked, not blocked."""
import os
import sys

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

SCENARIOS = ["spawn-blocking", "tokio-apis", "idle", "cpu"]
IDLE_PARKED = 0.95


def extra_checks(tap, scenario, run):
    if not run.report or not run.truth:
        return
    threads = bwtest.workload_threads(run.report, run.truth["pid"])
    workers = [t for t in threads if t.get("role") == "worker"]
    if scenario == "spawn-blocking":
        pool = [t for t in threads if t.get("role") == "blocking"]
        tap.check("spawn-blocking: blocking-pool threads recognised and their blocking counted there",
                  sum(t.get("blocked_ns") or 0 for t in pool) > 0, "\n".join(map(str, threads)))
    if scenario == "idle":
        parked = sum(t.get("parked_ns") or 0 for t in workers)
        blocked = sum(t.get("blocked_ns") or 0 for t in workers)
        share = parked / (parked + blocked) if parked + blocked else 0
        tap.check(f"idle: workers are >{IDLE_PARKED:.0%} parked (not blocked)", share > IDLE_PARKED,
                  f"parked {bwtest.ms(parked)}, blocked {bwtest.ms(blocked)} ({share:.1%})")


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    for scenario in SCENARIOS:
        run = bwtest.scenario_test(tap, scenario, wl_args=["--seconds", "3"] if scenario == "idle" else [],
                                   group="negative")
        extra_checks(tap, scenario, run)
    tap.done()


main()
