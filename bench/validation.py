"""How long checking a diagram before deploy takes (what the editor's "Check for problems" and Deploy run).

Usage: .venv/bin/python bench/validation.py [--runs 30]
Prints a table: median and p95 milliseconds per shipped diagram. Nothing here asserts a time.
`measure()` is what bench/all.py calls.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from processes.engine import WorkflowEngine
from processes.diagrams.forms import load_forms
from processes.messaging.messages import load_templates
from processes.diagrams.validation import sample_case_data, validate_process

# The council profile as current_timescales() gives it (the database is not needed to measure this).
TIMESCALES = {"stage1_ack": 5, "stage1_response": 10, "stage1_extension": 10, "stage2_ack": 5,
              "stage2_response": 10, "stage2_extension": 10, "escalation_window": 20, "reminder_before": 2,
              "query_response": 10, "suggestion_response": 10, "compliment_ack": 5, "compliment_response": 10,
              "stage1_response_from": "receipt", "stage2_response_from": "receipt"}


def measure(runs: int = 30) -> dict[str, tuple[float, float, int]]:
    """{diagram file: (median ms, p95 ms, problems found)} over `runs` checks of each shipped diagram."""
    engine, forms, templates = WorkflowEngine(), load_forms(ROOT / "forms"), load_templates()
    results = {}
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        xml, samples = path.read_bytes(), []
        for _ in range(runs):
            started = time.perf_counter()
            problems = validate_process(engine, xml, forms, sample_case_data(TIMESCALES, path.stem),
                                        templates)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        results[path.name] = (statistics.median(samples), p95, len(problems))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    results = measure(runs)
    print(f"| diagram | elements | problems | median ms | p95 ms |  ({runs} runs each)")
    print("|---|---|---|---|---|")
    for name, (median, p95, problems) in results.items():
        elements = (ROOT / "bpmn" / name).read_bytes().count(b' id=')
        print(f"| {name} | {elements} | {problems} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
