#!/usr/bin/env python3
"""Runs last (tests/run.sh runs tests/e2e/*.py in name order): precision and recall per
group and over the whole suite, from the tallies the other e2e tests saved in
$BUILD/e2e-results/ (bwtest.score is the one scorer that made them):
  recall    = required truth entries found (file:line, category, API and count right)
              / required entries
  precision = correct callsites / (correct + wrong); duplicates (a second callsite at a
              found place) and soft entries (a real disk's fsync) are listed apart
Per Tokio version of the matrix (tests/run.sh runs the workload tests once per version)
and overall. Fails below 1.00, when a run failed, and when a group that has ground truth
left no tally for a version (its test did not get that far)."""
import glob
import json
import os
import sys

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

# Every group of runs with ground truth; each test file saves its runs under one of these.
GROUPS = ["positive", "negative", "attach", "variants", "shared-object", "system-wide", "recorded", "classic"]
# Every version of the matrix must have scored every group (tests/run.sh TOKIO_VERSIONS).
VERSIONS = ["1.24", "1.49"]
# Groups of a test outside the matrix (their workloads use no Tokio): saved and required
# under one version only, the default bwtest.TOKIO. One per runtime (70_runtimes.py), so
# precision and recall are printed per runtime.
ONCE = {"runtime-async-std": "1.24", "runtime-smol": "1.24", "runtime-custom": "1.24"}


def ratio(num, den):
    return num / den if den else 1.0  # nothing to find / nothing reported: nothing wrong


def line(label, ts):
    req = sum(t["required"] or 0 for t in ts)
    found = sum(t["found"] for t in ts)
    correct = sum(t["correct"] for t in ts)
    wrong = sum(t["wrong"] for t in ts)
    recall, precision = ratio(found, req), ratio(correct, correct + wrong)
    dup = sum(t["duplicate"] for t in ts)
    soft = sum(t["soft"] for t in ts)
    text = (f"{label}: precision {precision:.2f} ({correct}/{correct + wrong}), recall {recall:.2f} "
            f"({found}/{req}); {dup} duplicate(s), {soft} soft, not counted")
    return text, precision, recall


def main():
    tallies = []
    for path in sorted(glob.glob(os.path.join(bwtest.RESULTS, "*.result.json"))):
        with open(path) as f:
            tallies.append(json.load(f))
    print(f"# {'run':<22} {'tokio':<5} {'group':<13} {'required':>8} {'found':>5} {'reported':>8} {'correct':>7} "
          f"{'dup':>3} {'soft':>4} {'wrong':>5}")
    for t in tallies:
        req = "?" if t["required"] is None else t["required"]
        note = "  (run failed)" if t.get("failed") else ""
        if t.get("lost"):
            note += f"  ({t['lost']} intervals lost: count bounds lowered by that many)"
        print(f"# {t['name']:<22} {t.get('tokio', '?'):<5} {t.get('group', '?'):<13} {req:>8} {t['found']:>5} {t['reported']:>8} "
              f"{t['correct']:>7} {t['duplicate']:>3} {t['soft']:>4} {t['wrong']:>5}{note}")
        for m in t.get("missed") or []:
            print(f"#     missed {m}")
        for w in t.get("wrong_at") or []:
            print(f"#     wrong  {w}")
    problems = []
    for v in VERSIONS:
        mine = [t for t in tallies if t.get("tokio") == v]
        for g in GROUPS + [g for g, once in ONCE.items() if once == v]:
            ts = [t for t in mine if t.get("group") == g]
            if not ts:
                problems.append(f"tokio {v}: no results for group {g} (its test did not run or stopped early)")
                continue
            text, p, r = line(f"tokio {v} group {g}", ts)
            print("# " + text)
            if p < 1 or r < 1:
                problems.append(text)
        if mine:
            text, p, r = line(f"tokio {v}", mine)
            print(("ok - " if p >= 1 and r >= 1 else "not ok - ") + text)
            if p < 1 or r < 1:
                problems.append(text)
    for t in tallies:
        if t.get("failed") or t["required"] is None:
            problems.append(f"run {t['name']} failed: no usable report" +
                            ("" if t["required"] is not None else " and no truth"))
        if t.get("group") not in GROUPS and t.get("group") not in ONCE:
            problems.append(f"run {t['name']} has unknown group {t.get('group')!r}")
        if t.get("tokio") not in VERSIONS:
            problems.append(f"run {t['name']} has unknown Tokio version {t.get('tokio')!r}")
    text, p, r = line("e2e overall", tallies)
    ok = bool(tallies) and not problems and p >= 1 and r >= 1
    print(("ok - " if ok else "not ok - ") + text)
    for pr in problems:
        print("#   " + pr)
    sys.exit(0 if ok else 1)


main()
