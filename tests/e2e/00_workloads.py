#!/usr/bin/env python3
# tokio-matrix
"""The workloads themselves, without blockwatch: each scenario runs, writes a sane ground
truth, and blocks the way it was designed to. Separates workload bugs from tracer bugs.
These are preconditions of the e2e tests, not tests of blockwatch: they print "# "
notes when they hold (tests/run.sh does not count them) and fail when they do not.
Also starts a fresh e2e run: clears the precision/recall tallies zz_summary.py reads."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

# Open-ended scenarios run shorter here; the traced tests use their own lengths.
ARGS = {"attach": ["--seconds", "1"], "idle": ["--seconds", "1"], "demo": ["--seconds", "2"]}


def scenarios():
    out = subprocess.run([bwtest.workload(), "--list"], stdout=subprocess.PIPE, text=True, check=True).stdout
    return [(line.split()[0], "[negative]" in line) for line in out.splitlines() if line.strip()]


def sane(tap, name, negative, truth):
    tap.require(f"workload {name}: truth names the scenario", truth["scenario"] == name and truth["negative"] == negative)
    tap.require(f"workload {name}: runs 0.2-5 s", 0.2e9 <= truth["runtime_ns"] <= 5e9, f"runtime {bwtest.ms(truth['runtime_ns'])}")
    if negative:
        tap.require(f"workload {name}: negative control expects nothing", truth["expected"] == [], str(truth["expected"]))
        return
    if "long_polls" in truth:  # on-CPU: no off-CPU blocking, long polls instead
        tap.require(f"workload {name}: no off-CPU blocking sites", truth["expected"] == [], str(truth["expected"]))
        for e in truth["long_polls"]:
            avg = e["total_ns"] / max(e["count"], 1)
            tap.require(f"workload {name}: {os.path.basename(e['file'])}:{e['line']} computes 20-60 ms per poll, 10+ times",
                      e["count"] >= 10 and 20e6 <= avg <= 60e6, f"{e['count']} polls, average {bwtest.ms(avg)}")
        return
    if "lock_holds" in truth:  # async locks held across .await: no off-CPU blocking
        tap.require(f"workload {name}: no off-CPU blocking sites", truth["expected"] == [], str(truth["expected"]))
        for e in truth["lock_holds"]:
            avg = e["total_ns"] / max(e["count"], 1)
            tap.require(f"workload {name}: {os.path.basename(e['file'])}:{e['line']} holds its lock 15 ms or more",
                      e["count"] >= 1 and avg >= 15e6, f"{e['count']} holds, average {bwtest.ms(avg)}")
        return
    if name == "net":  # as root, the DNS case must be set up: a failed setup is a failure
        tap.require("workload net: its private DNS server and resolv.conf are set up", truth.get("dns") is True,
                    f"dns={truth.get('dns')!r}: the mount namespace or the UDP server on 127.0.0.153:53 failed")
    required = [e for e in truth["expected"] if not e["soft"]]
    tap.require(f"workload {name}: has blocking sites", bool(required), str(truth["expected"]))
    for e in required:
        where = f"{os.path.basename(e['file'])}:{e['line']}"
        # Designed to block (>1.5 ms) on nearly every call, 5-20 ms each (a loaded
        # machine stretches that: only absurd averages fail).
        tap.require(f"workload {name}: {where} blocks on most calls", e["count"] >= 10 and e["count"] >= 0.8 * e["calls"],
                  f"{e['count']} of {e['calls']} calls blocked, {e['count_slack']} ambiguous")
        avg = e["total_ns"] / max(e["count"], 1)
        tap.require(f"workload {name}: {where} blocks 2-200 ms per call", 2e6 <= avg <= 200e6, f"average {bwtest.ms(avg)}")
        tap.require(f"workload {name}: {where} has a known category and API",
                  e["category"] in bwtest.CATEGORIES and e["blocking_api"] in bwtest.KNOWN_APIS, f"{e['category']} {e['blocking_api']}")


def main():
    tap = bwtest.Tap()
    shutil.rmtree(bwtest.RESULTS, ignore_errors=True)
    if not bwtest.preflight(tap, need_tracer=False):
        tap.done()
    for variant in ("bw-workload-lines", "bw-workload-stripped", "split/bw-workload"):
        p = subprocess.run([bwtest.workload(variant), "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        tap.require(f"workload variant {variant} runs", p.returncode == 0, p.stderr.decode(errors="replace"))
    for name, negative in scenarios():
        with tempfile.TemporaryDirectory() as d:
            truth_path = os.path.join(d, "truth.json")
            p = subprocess.run([bwtest.workload(), "--scenario", name, "--truth", truth_path, *ARGS.get(name, [])],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
            if not tap.require(f"workload {name}: exits 0", p.returncode == 0, p.stderr):
                continue
            with open(truth_path) as f:
                sane(tap, name, negative, json.load(f))
    tap.done()


main()
