#!/usr/bin/python3
"""An OTLP/HTTP receiver stub for tests/integration/serve_otlp.sh: accepts
POST /v1/metrics, checks the Content-Type, parses the body as an
ExportMetricsServiceRequest with the OTLP proto definitions
(tests/integration/otlp-proto, compiled by protoc into GEN_DIR; unknown
fields are an error), and appends one JSON line per request to OUT:
{"ok": true, "metrics": {...summary...}} or {"ok": false, "error": "..."}.

    otlp_receiver.py GEN_DIR PORT OUT     (prints "listening" when ready)
Debian's python3-protobuf: run with /usr/bin/python3.
"""
import http.server
import json
import sys

sys.path.insert(0, sys.argv[1])
from google.protobuf import json_format  # noqa: E402
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2  # noqa: E402

OUT = sys.argv[3]


def summary(req):
    """name -> list of data points as plain dicts (attributes flattened)."""
    out = {}
    for rm in req.resource_metrics:
        res = {a.key: a.value.string_value for a in rm.resource.attributes}
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                pts = []
                for p in getattr(m, kind).data_points:
                    d = {"attributes": {a.key: a.value.string_value for a in p.attributes},
                         "time": p.time_unix_nano}
                    if kind == "histogram":
                        d.update(count=p.count, sum=p.sum, buckets=list(p.bucket_counts),
                                 bounds=list(p.explicit_bounds), start=p.start_time_unix_nano)
                    else:
                        d["value"] = p.as_int if p.WhichOneof("value") == "as_int" else p.as_double
                    pts.append(d)
                out[m.name] = {"kind": kind, "unit": m.unit, "points": pts,
                               "temporality": getattr(getattr(m, kind), "aggregation_temporality", None),
                               "monotonic": getattr(getattr(m, kind), "is_monotonic", None)}
        out["_resource"] = res
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            if self.path != "/v1/metrics":
                raise ValueError(f"path {self.path}")
            if self.headers.get("Content-Type") != "application/json":
                raise ValueError(f"content type {self.headers.get('Content-Type')}")
            req = json_format.Parse(body, metrics_service_pb2.ExportMetricsServiceRequest())
            rec = {"ok": True, "metrics": summary(req)}
        except Exception as e:  # any failure is the test's finding
            rec = {"ok": False, "error": f"{type(e).__name__}: {e}", "body": body[:300].decode("utf-8", "replace")}
        with open(OUT, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(200 if rec["ok"] else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
print("listening", flush=True)
srv.serve_forever()
