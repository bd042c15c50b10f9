#!/usr/bin/env python3
"""A Tokio runtime inside a shared object (a cdylib) run by a C host that links none:
blockwatch must find the runtime's probes in the .so after the host execs, recognise
the workers and report the blocking at the library's line. Truth: the host prints it."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    host = bwtest.workload("so-host")
    if not tap.check("so-host built", os.access(host, os.X_OK), f"{host} missing: run `make workloads`"):
        tap.done()
    with tempfile.TemporaryDirectory() as d:
        report_path = os.path.join(d, "report.json")
        p = subprocess.run([bwtest.BLOCKWATCH, "trace", "-q", "-f", "json", "-o", report_path, "--", host],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=bwtest.TIMEOUT)
        tap.check("so-host: blockwatch exits 0", p.returncode == 0, p.stderr)
        try:
            truth = json.loads(p.stdout.strip().splitlines()[-1])
            report = json.load(open(report_path))
        except (ValueError, IndexError, OSError) as e:
            tap.check("so-host: truth and report readable", False, f"{e}\nstdout: {p.stdout}")
            tap.done()
        proc = [x for x in report["processes"] if x["comm"].startswith("so-host")]
        tap.check("so-host: the runtime is recognised in the shared object",
                  proc and proc[0]["runtime"] == "tokio" and proc[0]["park_detection"] == "uprobes", str(proc))
        hits = [c for c in report["callsites"] if bwtest.at(c, truth["file"], truth["line"])]
        listed = "\n".join(bwtest.short(c) for c in report["callsites"]) or "(none)"
        where = f"{os.path.basename(truth['file'])}:{truth['line']}"
        if tap.check(f"so-host: blocking reported at {where}", hits, listed):
            c = hits[0]
            lo, hi = int(truth["count"] * 0.9), int(truth["count"] * 1.1) + 1
            tap.check(f"so-host: count {c['count']} within 10% of {truth['count']}", lo <= c["count"] <= hi)
            tap.check("so-host: category sleep", c["category"] == "sleep")
        tap.check("so-host: nothing else reported", len(report["callsites"]) == len(hits), listed)
    tap.done()


main()
