#!/usr/bin/env python3
"""A real, stripped Tokio program we did not write: Debian's sccache. Run its server,
compile a few C files through it while `blockwatch trace -p` watches, and check that
blockwatch exits cleanly, writes a valid report and recognises the Tokio workers.
(No ground truth here: how much sccache blocks is its own business.)"""
import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

TRACE_SECS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    tap = bwtest.Tap()
    sccache = shutil.which("sccache")
    if not sccache:
        tap.skip("sccache", "sccache not installed (apt-get install sccache)")
        tap.done()
    if not bwtest.preflight(tap):
        tap.done()
    run = bwtest.Run("sccache")
    env = dict(os.environ, SCCACHE_DIR=os.path.join(run.dir, "cache"), SCCACHE_SERVER_PORT=str(free_port()),
               SCCACHE_IDLE_TIMEOUT="0", SCCACHE_LOG="")
    # Foreground server (no daemon), so its pid is ours to trace and to reap.
    server = subprocess.Popen([sccache], env=dict(env, SCCACHE_START_SERVER="1", SCCACHE_NO_DAEMON="1"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tracer = None
    try:
        up = bwtest.wait_until(lambda: len(os.listdir(f"/proc/{server.pid}/task")) > 2, 10)
        if not tap.check("sccache: server started", up and server.poll() is None):
            tap.done()
        tracer = subprocess.Popen([bwtest.BLOCKWATCH, "trace", "-p", str(server.pid), "--duration", str(TRACE_SECS),
                                   "--format", "json", "--output", run.report_path],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)  # let it attach
        compiled = True
        for i in range(3):
            src = os.path.join(run.dir, f"unit{i}.c")
            with open(src, "w") as f:
                f.write(f"int answer{i}(int x) {{ return x * {i + 2}; }}\n")
            for _ in range(2):  # a cache miss, then a hit
                p = subprocess.run([sccache, "cc", "-O2", "-c", src, "-o", src + ".o"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
                compiled &= p.returncode == 0
        tap.check("sccache: compiles through the server", compiled)
        try:
            out, err = tracer.communicate(timeout=TRACE_SECS + 60)
            run.rc, run.stderr = tracer.returncode, err
        except subprocess.TimeoutExpired:
            tracer.kill()
            run.rc = "timeout"
        run.load()
        tap.check("sccache: blockwatch exits 0", run.rc == 0, f"exit {run.rc}\n" + bwtest.tail(run.stderr))
        if not tap.check("sccache: JSON report is valid", bwtest.valid_report(run.report),
                         run.report_error or bwtest.schema_problems(run.report)):
            tap.done()
        bwtest.check_time_budget(tap, "sccache", run.report, server.pid)
        threads = bwtest.workload_threads(run.report, server.pid)
        tap.check("sccache: tokio worker threads recognised", any(t.get("role") == "worker" for t in threads),
                  "\n".join(map(str, threads)) or f"no threads for pid {server.pid}")
        procs = [p for p in run.report["processes"] if p.get("pid") == server.pid]
        tap.check("sccache: process recognised as a tokio runtime", any(p.get("runtime") == "tokio" for p in procs),
                  str(run.report["processes"]))
        tap.note("sccache callsites (informational):\n" +
                 ("\n".join(map(bwtest.short, run.report["callsites"])) or "none"))
    finally:
        if tracer and tracer.poll() is None:
            tracer.kill()
            tracer.wait()
        subprocess.run([sccache, "--stop-server"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        run.cleanup()
    tap.done()


main()
