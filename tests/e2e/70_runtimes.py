#!/usr/bin/env python3
"""Runtimes other than Tokio: async-std and smol (Debian's 1.12 and 1.3), and a
hand-written executor described on the command line (--runtime custom --worker-threads
--park-symbol) or by a profile file (--runtime-profile), with the same classic mistakes
and negative controls as the Tokio workloads (tests/workloads/runtimes/, docs/workloads.md). Each scenario is traced with `blockwatch trace -- bw-RUNTIME ...` and
scored against the ground truth the program measured itself (bwtest.compare), under the
group "runtime-RUNTIME", so zz_summary.py prints precision and recall per runtime.
Not part of the Tokio matrix: the tallies are saved under its first version only."""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep tests/e2e/lib free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bwtest  # noqa: E402

RUNTIMES = ["async-std", "smol", "custom"]
POSITIVE = ["sleep", "mutex", "file-io", "stuck"]
NEGATIVE = ["idle", "unblock"]
IDLE_PARKED = 0.95
# The custom executor (runtimes/custom.rs) as its user would describe it: its threads'
# names and the function its idle threads wait in. Half the runs say it on the command
# line, half in a profile file, which also names the runtime.
# Its own code is a module of the program (what blocks there, handing work to its helper
# threads, is the runtime's doing, never a user callsite).
CUSTOM_ARGS = ["--runtime", "custom", "--worker-threads", "^exec-[0-9]+$",
               "--park-symbol", "custom::Queue::wait_for_work", "--own-code", "bw_runtimes::runtimes::custom"]
CUSTOM_PROFILE = """# the in-house executor of bw-custom
name = in-house
worker-threads = ^exec-[0-9]+$
park-symbol = bw_runtimes::runtimes::custom::Queue::wait_for_work
own-code = bw_runtimes::runtimes::custom
"""


def program(runtime):
    return os.path.join(bwtest.BUILD, "workloads-runtimes", f"bw-{runtime}")


def tracing(runtime, scenario, profile_path):
    """blockwatch's options for a run, and the runtime name its report must give."""
    if runtime != "custom":
        return [], runtime
    if scenario in ("file-io", "idle"):
        return ["--runtime-profile", profile_path], "in-house"
    return CUSTOM_ARGS, "custom"


def check_process(tap, name, runtime, report, truth):
    """The process is named by its runtime and its executor threads are the workers."""
    pid = truth.get("pid")
    procs = [p for p in report.get("processes") or [] if p.get("pid") == pid]
    tap.check(f"{name}: process recognised as runtime {runtime}",
              any(p.get("runtime") == runtime for p in procs), f"processes: {procs}")
    threads = bwtest.workload_threads(report, pid)
    workers = [t for t in threads if t.get("role") == "worker"]
    bwtest.check_time_budget(tap, name, report, pid)
    # every executor thread, and no other thread (the "async-io" reactor thread and the
    # blocking pool's are not executors); main is a runtime thread while inside block_on,
    # as with Tokio, so it may be listed too
    want = 4
    executors = [t for t in workers if t.get("tid") != pid]
    tap.check(f"{name}: exactly the {want} executor threads are workers", len(executors) == want,
              "\n".join(map(str, threads)))
    return threads, workers


def check_scenario(tap, runtime, scenario, threads, workers, run):
    """What each scenario adds: real contention, a worker stuck while it lasts, idle
    threads parked, pool threads apart."""
    name, truth = f"{runtime}-{scenario}", run.truth
    if scenario == "mutex":
        lock = [e for e in truth["expected"] if e["category"] == "lock"]
        tap.check(f"{name}: the workload really contended (lock waits in the truth)",
                  bool(lock) and lock[0]["count"] > 0, str(truth["expected"]))
    if scenario == "stuck":
        (e,) = truth["expected"]
        stuck = [ln for ln in run.stdout.splitlines() if " STUCK " in ln and f"({bwtest.base(e['file'])}:{e['line']})" in ln]
        tap.check(f"{name}: the worker is reported STUCK at its line while it sleeps", len(stuck) == 1,
                  bwtest.tail(run.stdout))
    if scenario == "idle":
        parked = sum(t.get("parked_ns") or 0 for t in workers)
        blocked = sum(t.get("blocked_ns") or 0 for t in workers)
        share = parked / (parked + blocked) if parked + blocked else 0
        tap.check(f"{name}: executor threads are >{IDLE_PARKED:.0%} parked (not blocked)",
                  share > IDLE_PARKED, f"parked {bwtest.ms(parked)}, blocked {bwtest.ms(blocked)} ({share:.1%})")
    if scenario == "unblock":
        # the blocking crate's pool is known; the custom executor's helper threads are
        # just not workers (its user named only the workers)
        role = "other" if runtime == "custom" else "blocking"
        pool = [t for t in threads if t.get("role") == role and t.get("tid") != truth.get("pid")]
        tap.check(f"{name}: pool threads have role {role} and their blocking is counted there",
                  sum(t.get("blocked_ns") or 0 for t in pool) > 0, "\n".join(map(str, threads)))


def run_one(tap, runtime, scenario, profile_path):
    name = f"{runtime}-{scenario}"
    group = f"runtime-{runtime}"
    wl_args = ["--runtime", runtime] + (["--seconds", "3"] if scenario == "idle" else [])
    trace_args, shown_as = tracing(runtime, scenario, profile_path)
    run = bwtest.trace(name, scenario, variant=program(runtime), trace_args=trace_args, wl_args=wl_args)
    try:
        if not bwtest.check_run(tap, run):
            bwtest.save_failed_tally(name, run, group)
            return
        bwtest.save_tally(bwtest.compare(tap, name, run.report, run.truth, group))
        threads, workers = check_process(tap, name, shown_as, run.report, run.truth)
        check_scenario(tap, runtime, scenario, threads, workers, run)
    finally:
        run.cleanup()


def attach(tap, runtime, profile_path):
    """`trace -p` on a process running long before (scenario steady): its threads exist
    already and are classified from their stacks (or, custom, their names), and its
    blocking is reported at the right line. Counts are not scored: the window is not
    the run (20_attach.py does that for Tokio)."""
    name = f"{runtime}-attach"
    run = bwtest.Run(name)
    wl = subprocess.Popen([program(runtime), "--runtime", runtime, "--scenario", "steady", "--seconds", "30",
                           "--truth", run.truth_path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if not tap.check(f"{name}: workload running", bwtest.wait_line(wl.stdout.fileno(), "running", 30)):
            return
        ready_r, ready_w = bwtest.ready_pipe()
        trace_args, shown_as = tracing(runtime, "attach", profile_path)
        bw = subprocess.Popen([bwtest.BLOCKWATCH, "trace", "-p", str(wl.pid), "--ready-fd", str(ready_w),
                               "--format", "json", "--output", run.report_path, *trace_args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, pass_fds=(ready_w,))
        os.close(ready_w)
        ready = bwtest.wait_line(ready_r, "ready", 60)
        os.close(ready_r)
        time.sleep(2)
        bw.send_signal(signal.SIGINT)
        try:
            run.stderr = bw.communicate(timeout=60)[1]
            run.rc = bw.returncode
        except subprocess.TimeoutExpired:
            bw.kill()
            run.rc = "timeout"
        run.load()
        if not (tap.check(f"{name}: blockwatch attached and exited 0", ready and run.rc == 0,
                          f"exit status {run.rc}\n" + bwtest.tail(run.stderr))
                and tap.check(f"{name}: JSON report is valid", bwtest.valid_report(run.report),
                              run.report_error or bwtest.schema_problems(run.report))):
            return
        callsites = run.report.get("callsites") or []
        mine = [c for c in callsites if c.get("category") == "sleep"
                and bwtest.api_ok(c.get("blocking_api"), "std::thread::sleep")
                and (c.get("file") or "").endswith("scenarios/sleep.rs")]
        tap.check(f"{name}: the task's sleeps are reported at their line (sleep, std::thread::sleep)",
                  len(mine) == 1 and (mine[0].get("count") or 0) >= 20,
                  "\n".join(bwtest.short(c) for c in callsites) or "no callsites")
        tap.check(f"{name}: nothing else reported", len(callsites) == len(mine),
                  "\n".join(bwtest.short(c) for c in callsites))
        check_process(tap, name, shown_as, run.report, {"pid": wl.pid})
    finally:
        wl.terminate()
        wl.wait()
        run.cleanup()


def polls(tap, runtime):
    """--polls where the executor has a poll function (async-task's RawTask::run): the
    30 ms polls are named by the task's code, not by the thread running the executor."""
    name = f"{runtime}-long-poll"
    run = bwtest.trace(name, "long-poll", variant=program(runtime), trace_args=["--polls=20ms"],
                       wl_args=["--runtime", runtime])
    try:
        if not bwtest.check_run(tap, run):
            return
        (want,), short = run.truth["long_polls"], run.truth["short_poll"]
        got = run.report.get("long_polls") or []
        listed = "\n".join(f"{bwtest.base(p['file'])}:{p['line']} {p['function']} x{p['count']}" for p in got)
        at_line = [p for p in got if bwtest.at(p, want["file"], want["line"])]
        count = sum(p["count"] for p in at_line)
        cpu = sum(p["total_ns"] for p in at_line)
        tap.check(f"{name}: the long polls are reported at their line, count within 10%",
                  abs(count - want["count"]) <= want["count"] * 0.1 + 1, listed or "(none)")
        tap.check(f"{name}: their on-CPU time within 15% ({bwtest.ms(cpu)} of {bwtest.ms(want['total_ns'])})",
                  abs(cpu - want["total_ns"]) <= want["total_ns"] * 0.15)
        others = [p for p in got if p not in at_line and not bwtest.at(p, short["file"], short["line"])]
        shorts = sum(p["count"] for p in got if bwtest.at(p, short["file"], short["line"]))
        tap.check(f"{name}: short polls (one slow first poll at most) and nothing else not reported",
                  shorts <= 1 and not others, listed)
        tap.check(f"{name}: computing is not off-CPU blocking", not run.report["callsites"],
                  "\n".join(bwtest.short(c) for c in run.report["callsites"]))
    finally:
        run.cleanup()


def recorded(tap, runtime, profile_path):
    """The findings survive a recording: `record`, then `report --format json`, scored
    against the truth like a live trace (scenario mutex), and the runtime's name kept."""
    name = f"{runtime}-recorded-mutex"
    run = bwtest.Run(name)
    rec = os.path.join(run.dir, "mutex.bwrec")
    trace_args, shown_as = tracing(runtime, "file-io", profile_path)  # custom: the profile file
    try:
        p = subprocess.run([bwtest.BLOCKWATCH, "record", "-o", rec, *trace_args, "--", program(runtime),
                            "--runtime", runtime, "--scenario", "mutex", "--truth", run.truth_path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=bwtest.TIMEOUT)
        r = subprocess.run([bwtest.BLOCKWATCH, "report", rec, "--format", "json", "--output", run.report_path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60)
        run.rc, run.stderr = p.returncode or r.returncode, p.stderr + r.stderr
        run.load()
        if not bwtest.check_run(tap, run):
            bwtest.save_failed_tally(name, run, f"runtime-{runtime}")
            return
        bwtest.save_tally(bwtest.compare(tap, name, run.report, run.truth, f"runtime-{runtime}"))
        check_process(tap, name, shown_as, run.report, run.truth)
    finally:
        run.cleanup()


def main():
    tap = bwtest.Tap()
    # bwtest.preflight wants the Tokio workloads, which these runs do not use
    if os.geteuid() != 0:
        tap.skip("e2e runtimes", "needs root (real BPF)")
        tap.done()
    if not tap.require("blockwatch built", os.access(bwtest.BLOCKWATCH, os.X_OK), "run `make`"):
        tap.done()
    with tempfile.NamedTemporaryFile("w", prefix="bw-e2e-profile-", suffix=".conf") as profile:
        profile.write(CUSTOM_PROFILE)
        profile.flush()
        for runtime in RUNTIMES:
            if not tap.check(f"{runtime}: workload built ({program(runtime)})", os.access(program(runtime), os.X_OK),
                             "run make runtime-workloads"):
                continue
            for scenario in POSITIVE + NEGATIVE:
                run_one(tap, runtime, scenario, profile.name)
            attach(tap, runtime, profile.name)
            recorded(tap, runtime, profile.name)
            if runtime != "custom":  # its user named no poll function
                polls(tap, runtime)
    tap.done()


main()
