#!/usr/bin/env python3
"""The Prometheus side of tests/integration/serve_prometheus.sh, one phase
per run: prints TAP lines, exits 1 when one failed.

    serve_prometheus.py up VALUE NAME   up{job="blockwatch"} becomes VALUE
    serve_prometheus.py run1|run2|run3  checks after that workload run

Environment: URL (Prometheus), T (the test's folder: runN.json truths,
runN.clock start times), NAME (the service), DISCOVERY (seconds at a
process's start that may go unseen).
"""
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import prom  # noqa: E402

URL, T, NAME = os.environ["URL"], os.environ["T"], os.environ["NAME"]
DISCOVERY = float(os.environ["DISCOVERY"])
tap = prom.Tap()


def load_run(n):
    truth = json.load(open(f"{T}/run{n}.json"))
    mono0, wall0 = open(f"{T}/run{n}.clock").read().split()
    return truth, int(mono0), float(wall0)


def between(truth, mono0, lo_s, hi_s):
    """Sleeps of the run that ended lo_s..hi_s seconds after its start."""
    lo, hi = mono0 + int(lo_s * 1e9), mono0 + int(hi_s * 1e9)
    return sum(1 for e in truth["event_ends_monotonic_ns"] if lo <= e <= hi)


def series(truth):
    return f'{{service="{NAME}",line="{truth["expected"][0]["line"]}"}}'


def check_count(n, got, truth, mono0, label):
    """got is the run's count: at most the truth, at least what it did after
    its first DISCOVERY seconds."""
    e = truth["expected"][0]
    most = e["count"] + e["count_slack"]
    least = between(truth, mono0, DISCOVERY, 1e6)
    tap.check(f"run {n}: {label} = {got}: the truth's {e['count']}, less its first {DISCOVERY:g}s at most",
              got is not None and least <= got <= most, f"expected {least}..{most}")


def check_window(n, truth, mono0, wall0, lo_s, hi_s):
    c = "blockwatch_blocked_seconds_count" + series(truth)
    w = hi_s - lo_s
    got = prom.value(URL, f"increase({c}[{w:g}s])", wall0 + hi_s)
    want = between(truth, mono0, lo_s, hi_s)
    tap.check(f"run {n}: increase(count[{w:g}s]) inside the run = {got}, truth {want} (10%)",
              prom.near(got, want))
    return want


def wait_settled(expr):
    """The exporter's count caught up with the run's end: the same value
    over more than a scrape interval (at most 5 s)."""
    last, since, end = None, time.time(), time.time() + 5
    while time.time() < end:
        got = prom.value(URL, expr)
        if got != last:
            last, since = got, time.time()
        elif got is not None and time.time() - since > 1.5:
            return
        time.sleep(0.3)


def run1():
    truth, mono0, wall0 = load_run(1)
    e = truth["expected"][0]
    sel = series(truth)
    c = "blockwatch_blocked_seconds_count" + sel
    wait_settled(c)
    check_count(1, prom.value(URL, c), truth, mono0, f"blocked_seconds_count{{line={e['line']}}}")
    at = wall0 + 14
    n = check_window(1, truth, mono0, wall0, 4, 14)
    mean_s = e["total_ns"] / e["count"] / 1e9
    got = prom.value(URL, f"increase(blockwatch_blocked_seconds_sum{sel}[10s])", at)
    tap.check(f"run 1: increase(sum[10s]) inside the run = {got} s, truth {mean_s * n:.4f} s (10%)",
              prom.near(got, mean_s * n))
    got = prom.value(URL, f'sum(increase(blockwatch_worker_seconds_total{{service="{NAME}",state="blocked"}}[10s]))', at)
    tap.check(f"run 1: increase(worker blocked seconds[10s]) = {got} s, truth {mean_s * n:.4f} s (10%)",
              prom.near(got, mean_s * n))
    # from log2 buckets a quantile is known to within its bucket: the truth's calls are in it
    got = prom.value(URL, f'histogram_quantile(0.99, sum by (le, line) (rate(blockwatch_blocked_seconds_bucket{{service="{NAME}"}}[30s])))', at)
    bucket = lambda s: math.floor(math.log2(s * 1e9 - 1))  # noqa: E731
    tap.check(f"run 1: p99 {got} s is in the log2 bucket of the truth's calls ({mean_s:.4f} s)",
              got is not None and bucket(got) == bucket(mean_s))
    bad = [f"{r['name']}: {r.get('lastError')}" for g in prom.api(URL, "rules")["groups"]
           for r in g["rules"] if r.get("health") != "ok"]
    tap.check("every rule evaluates without error in Prometheus", not bad, str(bad))
    states = [a["state"] for a in prom.api(URL, "alerts")["alerts"]
              if a["labels"].get("alertname") == "BlockwatchBlockedShareHigh" and a["labels"].get("service") == NAME]
    tap.check("BlockwatchBlockedShareHigh is pending or firing after the run",
              "pending" in states or "firing" in states, str(states))
    doc = json.load(open("tools/grafana/blockwatch-dashboard.json"))
    queries, problems = prom.dashboard_queries(doc), []
    for title, expr in queries:
        try:
            if not prom.query(URL, expr):
                problems.append(f"{title}: no data for {expr}")
        except ValueError as err:
            problems.append(f"{title}: {err}")
    tap.check(f"every Grafana dashboard query ({len(queries)}) parses and returns data",
              queries and not problems, " | ".join(problems))
    got = prom.wait_value(URL, f'blockwatch_processes{{service="{NAME}"}}', "0", 10)
    tap.check(f"run 1 gone: blockwatch_processes drops to 0 ({got})", got == "0")


def run2():
    truth, mono0, wall0 = load_run(2)
    c = "blockwatch_blocked_seconds_count" + series(truth)
    before = prom.value(URL, c, wall0 - 0.5)
    wait_settled(c)
    got = prom.value(URL, c)
    check_count(2, None if got is None or before is None else got - before, truth, mono0,
                f"the count going on from run 1's {before}")
    check_window(2, truth, mono0, wall0, 4, 9)
    got = prom.value(URL, f"resets({c}[5m])")
    tap.check(f"run 2: no counter reset across the target restart ({got})", got == 0)


def run3():
    truth, mono0, wall0 = load_run(3)
    c = "blockwatch_blocked_seconds_count" + series(truth)
    wait_settled(c)
    check_count(3, prom.value(URL, c), truth, mono0, "the new exporter's count, from zero")
    check_window(3, truth, mono0, wall0, 4, 9)
    got = prom.value(URL, f"resets({c}[5m])")
    tap.check(f"run 3: Prometheus saw exactly one counter reset ({got})", got == 1)


def main(argv):
    if argv[1] == "up":
        got = prom.wait_value(URL, 'up{job="blockwatch"}', argv[2], 30)
        tap.check(f"{argv[3]} (up == {argv[2]})", got == argv[2], f"up is {got}")
    else:
        {"run1": run1, "run2": run2, "run3": run3}[argv[1]]()
    return 1 if tap.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
