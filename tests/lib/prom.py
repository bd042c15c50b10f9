#!/usr/bin/env python3
"""Asking a test Prometheus things, for tests/integration/serve_*: queries,
waiting for a value, the queries of a Grafana dashboard (its variables as
"all values"), TAP lines.

    prom.py ready URL SECONDS    waits for /-/ready (exit 1 with a reason)
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def api(base, path, **params):
    url = f"{base}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
    except urllib.error.HTTPError as e:
        doc = json.load(e)
    if doc.get("status") != "success":
        raise ValueError(f"{path} {params}: {doc.get('errorType')}: {doc.get('error')}")
    return doc["data"]


def query(base, expr, at=None):
    params = {"query": expr}
    if at is not None:
        params["time"] = f"{float(at):.3f}"
    return api(base, "query", **params)["result"]


# Grafana's built-in variables, and every template variable as "all values".
GRAFANA_VARS = {"$__rate_interval": "30s", "$__interval": "5s", "$__range": "5m"}


def grafana_expr(expr, variables):
    for k, v in GRAFANA_VARS.items():
        expr = expr.replace(k, v)
    for name in variables:
        expr = expr.replace("${" + name + "}", ".*").replace("$" + name, ".*")
    return expr


def dashboard_queries(doc):
    variables = [v["name"] for v in doc.get("templating", {}).get("list", [])]
    out = []
    for p in doc.get("panels", []):
        for t in p.get("targets", []):
            out.append((p.get("title"), grafana_expr(t["expr"], variables)))
    for v in doc.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else None
        if q and q.startswith("label_values("):
            # label_values(SELECTOR, label): the selector must match something
            inner = q[len("label_values("):q.rindex(",")]
            out.append((f"variable {v['name']}", grafana_expr(inner, variables)))
    return out


def wait_value(base, expr, want, seconds=20):
    """Polls until expr's first value is want (a string); returns the last value."""
    end = time.time() + seconds
    while True:
        try:
            res = query(base, expr)
            got = res[0]["value"][1] if res else "none"
        except (ValueError, OSError) as e:
            got = f"error: {e}"
        if got == want or time.time() >= end:
            return got
        time.sleep(0.25)


def value(base, expr, at=None):
    res = query(base, expr, at)
    return float(res[0]["value"][1]) if res else None


class Tap:
    """TAP lines as tests/run.sh counts them; failed() for the exit status."""

    def __init__(self):
        self.failures = 0

    def check(self, name, ok, detail=None):
        print(f"{'ok' if ok else 'not ok'} - {name}", flush=True)
        if not ok:
            self.failures += 1
            if detail:
                print(f"# {detail}", flush=True)
        return ok


def near(got, want, pct=10):
    return got is not None and want > 0 and abs(got - want) <= want * pct / 100


def main(argv):
    """prom.py ready URL SECONDS: waits for Prometheus' /-/ready."""
    base, end = argv[2].rstrip("/"), time.time() + float(argv[3])
    while time.time() < end:
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as r:
                if r.status == 200:
                    return 0
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    print(f"prometheus at {base} not ready after {argv[3]} s")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
