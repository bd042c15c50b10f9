#!/usr/bin/env python3
# tokio-matrix
"""Scenarios 1-7 and 16-18 under `blockwatch trace -- bw-workload`: every blocking call the
truth lists is reported at its exact file:line with the right category and blocking API,
with count and total time matching; nothing else is reported."""
import os
import sys

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

SCENARIOS = ["sleep", "file-io", "drop", "drop-flush", "mutex", "net", "process", "current-thread", "renamed",
             "channel", "block-on", "mixed-runtimes"]


def extra_checks(tap, scenario, run):
    if not run.report or not run.truth:
        return
    threads = bwtest.workload_threads(run.report, run.truth["pid"])
    if scenario == "current-thread":
        # block_on runs every task on the main thread: that thread is the worker.
        main = [t for t in threads if t.get("tid") == run.truth["pid"]]
        tap.check("current-thread: the block_on (main) thread is a worker",
                  any(t.get("role") == "worker" for t in main), f"main thread: {main}")
    if scenario == "net":
        # the DNS case drops out of the truth when its namespace setup fails: that is a failure
        tap.check("net: the DNS case ran (private resolv.conf and DNS server set up)", run.truth.get("dns") is True,
                  f"truth dns={run.truth.get('dns')!r}")
    if scenario == "mixed-runtimes":
        # the current_thread runtime's own OS thread runs its tasks in block_on: a worker
        name = run.truth["current_thread_name"]
        side = [t for t in threads if t.get("comm") == name]
        tap.check(f"mixed-runtimes: the current_thread runtime's thread {name} is a worker",
                  any(t.get("role") == "worker" for t in side), "\n".join(map(str, threads)))
    if scenario == "renamed":
        name = run.truth["thread_name"]
        named = [t for t in threads if t.get("comm") == name]
        tap.check(f"renamed: threads named {name} are recognised as workers",
                  any(t.get("role") == "worker" for t in named), "\n".join(map(str, threads)))


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    for scenario in SCENARIOS:
        run = bwtest.scenario_test(tap, scenario)
        extra_checks(tap, scenario, run)
    tap.done()


main()
