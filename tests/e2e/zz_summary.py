#!/usr/bin/env python3
"""Runs last (tests/run.sh runs tests/e2e/*.py in name order): precision and recall over
the whole suite, from the tallies the other e2e tests saved in $BUILD/e2e-results/.
  recall    = expected callsites found (right file:line and category) / expected
  precision = reported callsites that are correct / reported
Individual tests already fail on every miss; this line is the overall score."""
import glob
import json
import os
import sys

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402


def main():
    tallies = []
    for path in sorted(glob.glob(os.path.join(bwtest.RESULTS, "*.result.json"))):
        with open(path) as f:
            tallies.append(json.load(f))
    if not tallies:
        print("ok - e2e precision and recall # SKIP no e2e results (tests did not run)")
        return
    print(f"# {'run':<18} {'expected':>8} {'found':>6} {'reported':>8} {'correct':>7}")
    for t in tallies:
        req = "?" if t["required"] is None else t["required"]
        note = "  (run failed)" if t.get("failed") else ""
        print(f"# {t['name']:<18} {req:>8} {t['found']:>6} {t['reported']:>8} {t['correct']:>7}{note}")
    required = sum(t["required"] or 0 for t in tallies)
    found = sum(t["found"] for t in tallies)
    reported = sum(t["reported"] for t in tallies)
    correct = sum(t["correct"] for t in tallies)
    unknown = sum(1 for t in tallies if t["required"] is None)
    recall = found / required if required else 0.0
    precision = correct / reported if reported else (1.0 if found else 0.0)
    extra = f", {unknown} run(s) without truth not counted" if unknown else ""
    print(f"ok - e2e precision {precision:.2f} ({correct}/{reported}), recall {recall:.2f} ({found}/{required}){extra}")


main()
