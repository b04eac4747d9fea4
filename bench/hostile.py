"""The worst a hostile diagram can take: the issue's payloads and one per class of bound, run (a) in the web
process's sandbox, as a case's scripts run, and (b) as "Check for problems" runs them, in the trial worker.

Usage: .venv/bin/python bench/hostile.py   Prints a table (seconds until stopped, peak memory growth, what
stopped it); asserts nothing. Each payload runs in a fresh process of its own, so one's memory is not
counted in another's. The web process's peak is its resident size at most minus at the start; the worker's
is its peak resident size minus that of an idle worker.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = "a = [0]\nb = [0]\nfor i in range(40):\n    a = [a, a]\n    b = [b, b]\n"
PAYLOADS = {
    "issue: pow(3, m, m), m = 2**31999 + 1": "m = 2 ** 31999 + 1\nx = pow(3, m, m)",
    "issue: list.extend(a, a) x 11": "a = [1] * 1000\n" + "list.extend(a, a)\n" * 11,
    "'a' * 10**10": "x = 'a' * 10**10",
    "[*a, *a, *a] of 100,000 items each": "a = list(range(100000))\nx = [*a, *a, *a]",
    "a == b, lists sharing halves (2**40 pairs)": SHARED + "x = a == b",
    "str(2**60000)": "x = str(2 ** 60000)",
    "while True: n = n + 1": "n = 0\nwhile True:\n    n = n + 1",
    "100 KB strings appended in a loop":
        "x = []\nfor i in range(100000):\n    x.append('a' * 99000 + str(i))",
    "nested comprehension of 1000-item lists": "x = [[0] * 1000 for i in range(1000) for j in range(1000)]",
    "40 lines of 100,000-item lists": "".join(f"x{i} = [{i}] * 100000\n" for i in range(40)),
}
NOW = datetime(2026, 1, 7, 10, tzinfo=timezone.utc)


def _resident_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def in_web_process(source: str) -> dict:
    from processes.engine import WorkflowEngine
    box = WorkflowEngine().sandbox
    box.execute("x = 1", {})  # warm
    start_kb, started = _resident_kb(), time.perf_counter()
    try:
        box.execute(source, {})
        outcome = "ran to the end"
    except Exception as exc:  # what stopped it is the point of the bench
        outcome = str(exc)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "mb": max(peak_kb - start_kb, 0) / 1024, "outcome": outcome}


def in_worker(source: str) -> dict:
    from processes.engine.trials import Piece, TrialRunner
    from processes.policy.calendar import WorkingCalendar
    runner = TrialRunner()
    runner.run([Piece("exec", "x = 1")], {}, WorkingCalendar(), NOW)  # start it: not counted
    started = time.perf_counter()
    failures = runner.run([Piece("exec", source)], {}, WorkingCalendar(), NOW) if source else []
    seconds = time.perf_counter() - started
    runner.close()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "peak_kb": peak_kb, "outcome": failures[-1].message if failures else "ran"}


def _fresh(where: str, label: str) -> dict:
    """Run one payload in a process of its own and read back what it measured."""
    out = subprocess.run([sys.executable, __file__, where, label], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure() -> list[tuple[str, dict, dict]]:
    idle_kb = _fresh("worker", "")["peak_kb"]
    rows = []
    for label in PAYLOADS:
        web, worker = _fresh("web", label), _fresh("worker", label)
        worker["mb"] = max(worker["peak_kb"] - idle_kb, 0) / 1024
        rows.append((label, web, worker))
    return rows


def main() -> None:
    if len(sys.argv) == 3:  # one payload, in this process: see _fresh
        where, label = sys.argv[1], sys.argv[2]
        source = PAYLOADS.get(label, "")
        print(json.dumps(in_web_process(source) if where == "web" else in_worker(source)))
        return
    rows = measure()
    print("| payload | web process s | web process MB | worker s | worker MB | stopped by (web process) |")
    print("|---|---|---|---|---|---|")
    for label, web, worker in rows:
        print(f"| {label} | {web['seconds']:.3f} | {web['mb']:.0f} | {worker['seconds']:.3f} | "
              f"{worker['mb']:.0f} | {web['outcome'][:90]} |")


if __name__ == "__main__":
    main()
