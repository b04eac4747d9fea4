"""What the sandbox's bounds cost per evaluation, and how fast each hostile script is stopped.

Usage: .venv/bin/python bench/sandbox.py   Prints a table; asserts nothing. `measure()` is what bench/all.py
calls.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from processes.engine import sandbox_limits
from processes.engine import WorkflowEngine
from processes.engine.sandbox import SandboxError

ENGINE = WorkflowEngine()
BOX = ENGINE.sandbox
DATA = {"received_at": "2026-02-02T09:00:00+00:00",
        "timescales": {"query_response": 10, "reminder_before": 2}, "outcome": "upheld"}
SHIPPED = 'response_due = add_working_days(received_at, timescales["query_response"])\n' \
          'reminder_at = working_days_before(response_due, timescales["reminder_before"])'


def per_call(fn, repeat: int = 2000) -> float:
    """Median microseconds per call over `repeat` calls, in ten batches."""
    batches = []
    for _ in range(10):
        start = time.perf_counter()
        for _ in range(repeat // 10):
            fn()
        batches.append((time.perf_counter() - start) / (repeat // 10) * 1e6)
    return statistics.median(batches)


def unbounded(fn):
    """The same call with the time and memory bounds switched off (size guards stay)."""
    saved = sandbox_limits.Bounds.__enter__, sandbox_limits.Bounds.__exit__
    sandbox_limits.Bounds.__enter__ = lambda self: self
    sandbox_limits.Bounds.__exit__ = lambda self, *a: False
    try:
        return fn()
    finally:
        sandbox_limits.Bounds.__enter__, sandbox_limits.Bounds.__exit__ = saved


def measure(repeat: int = 2000) -> dict[str, list[tuple]]:
    """{"evaluations": [(label, µs without bounds, µs bounded)], "hostile": [(label, seconds until stopped)]}.

    `repeat` calls per evaluation (a tenth of it for the 1,000-line loop)."""
    evaluations = []
    for label, call in (
        ("gateway condition `outcome == 'upheld'`", lambda: BOX.evaluate("outcome == 'upheld'", DATA)),
        ("shipped deadline script (2 calendar calls)", lambda: BOX.execute(SHIPPED, dict(DATA))),
        ("loop of 1,000 lines", lambda: BOX.execute("n = 0\nfor i in range(1000):\n    n = n + i", {})),
    ):
        calls = repeat if "loop" not in label else repeat // 10
        bounded = per_call(call, calls)
        free = unbounded(lambda: per_call(call, calls))
        evaluations.append((label, free, bounded))
    hostile = []
    for label, script in (("while True: pass", "while True:\n    pass"),
                          ("x = 'a' * 10**10", "x = 'a' * 10**10"),
                          ("100 KB strings appended in a loop", "x = []\nfor i in range(100000):\n"
                                                                 "    x.append('a' * 99000 + str(i))")):
        start = time.perf_counter()
        try:
            BOX.execute(script, {})
        except SandboxError:
            pass
        hostile.append((label, time.perf_counter() - start))
    return {"evaluations": evaluations, "hostile": hostile}


def main() -> None:
    results = measure()
    print(f"{'evaluation':48} {'no bounds µs':>13} {'bounded µs':>11}")
    for label, free, bounded in results["evaluations"]:
        print(f"{label:48} {free:>13.1f} {bounded:>11.1f}")
    print()
    print(f"{'hostile script':48} {'stopped after s':>16}")
    for label, seconds in results["hostile"]:
        print(f"{label:48} {seconds:>16.3f}")


if __name__ == "__main__":
    main()
