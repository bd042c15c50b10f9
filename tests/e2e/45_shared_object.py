#!/usr/bin/env python3
"""A Tokio runtime inside a shared object (a cdylib) run by a C host that has none:
blockwatch must find the runtime's probes in the .so, recognise the workers and report
the blocking at the library's line. Twice: a host that links the library (mapped
before main), and one that dlopens it long after starting, the way Python loads an
extension module (found by rescanning a process that has no runtime yet).
Truth: the host prints it."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402


def traced(tap, name, cmd):
    host = cmd[0]
    if not tap.check(f"{name} built", os.access(host, os.X_OK), f"{host} missing: run `make workloads`"):
        return
    with tempfile.TemporaryDirectory() as d:
        report_path = os.path.join(d, "report.json")
        p = subprocess.run([bwtest.BLOCKWATCH, "trace", "-q", "-f", "json", "-o", report_path, "--", *cmd],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=bwtest.TIMEOUT)
        tap.check(f"{name}: blockwatch exits 0", p.returncode == 0, p.stderr)
        try:
            truth = json.loads(p.stdout.strip().splitlines()[-1])
            report = json.load(open(report_path))
        except (ValueError, IndexError, OSError) as e:
            tap.check(f"{name}: truth and report readable", False, f"{e}\nstdout: {p.stdout}")
            return
        proc = [x for x in report["processes"] if x["comm"].startswith(os.path.basename(host)[:15])]
        tap.check(f"{name}: the runtime is recognised in the shared object",
                  proc and proc[0]["runtime"] == "tokio" and proc[0]["park_detection"] == "uprobes", str(proc))
        tap.check(f"{name}: no 'not running a recognised runtime' note is left",
                  not any("not running a recognised" in n for n in report["degraded"]), str(report["degraded"]))
        hits = [c for c in report["callsites"] if bwtest.at(c, truth["file"], truth["line"])]
        listed = "\n".join(bwtest.short(c) for c in report["callsites"]) or "(none)"
        where = f"{os.path.basename(truth['file'])}:{truth['line']}"
        if tap.check(f"{name}: blocking reported at {where}", hits, listed):
            c = hits[0]
            lo, hi = int(truth["count"] * 0.9), int(truth["count"] * 1.1) + 1
            tap.check(f"{name}: count {c['count']} within 10% of {truth['count']}", lo <= c["count"] <= hi)
            tap.check(f"{name}: category sleep", c["category"] == "sleep")
        tap.check(f"{name}: nothing else reported", len(report["callsites"]) == len(hits), listed)


def main():
    tap = bwtest.Tap()
    if not bwtest.preflight(tap):
        tap.done()
    lib = os.path.join(os.path.dirname(bwtest.workload("so-host")), "libbw_service_lib.so")
    traced(tap, "so-host", [bwtest.workload("so-host")])
    traced(tap, "so-dlopen-host", [bwtest.workload("so-dlopen-host"), lib])
    tap.done()


main()
