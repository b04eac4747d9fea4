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


def measure_worker(runs: int = 30) -> dict[str, tuple[float, float]]:
    """The trial runs of the complaint process alone: {how: (median ms, p95 ms)}, in the warm worker (what
    the editor gets), in this process (what it cost before the worker), and a new worker's first check."""
    from processes.diagrams.problems import properties, read_diagram
    from processes.diagrams.script_checks import _form_sample, _refusal, code_of
    from processes.engine import BPMN
    from processes.engine.trial_runs import run_pieces
    from processes.engine.trials import Piece, TrialRunner

    engine, forms = WorkflowEngine(), load_forms(ROOT / "forms")
    xml = (ROOT / "bpmn" / "complaint.bpmn").read_bytes()
    diagram = read_diagram(engine, xml, forms, load_templates(), sample_case_data(TIMESCALES))
    [process] = diagram.processes()
    data = dict(diagram.sample)
    for task in process.iter(f"{BPMN}userTask"):
        data.update(_form_sample(forms.get(properties(task).get("form"), {})))
    pieces = [Piece(c.mode, c.source, c.timer) for c in code_of(process) if _refusal(c) is None]
    now = engine.clock()
    ways = {"in the warm worker": lambda runner: runner.run(pieces, dict(data), engine.calendar, now),
            "in this process (before)": lambda runner: run_pieces(pieces, dict(data), engine.calendar, now,
                                                                  lambda i: None, 0)}
    results, runner = {}, TrialRunner()
    try:
        started = time.perf_counter()
        runner.run(pieces, dict(data), engine.calendar, now)
        results["a new worker's first check"] = ((time.perf_counter() - started) * 1000,) * 2
        for label, way in ways.items():
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                way(runner)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
            results[label] = (statistics.median(samples), p95)
    finally:
        runner.close()
    results["pieces of code"] = (len(pieces), len(pieces))
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
    print()
    print(f"| trial runs of complaint.bpmn | median ms | p95 ms |  ({runs} runs each)")
    print("|---|---|---|")
    for label, (median, p95) in measure_worker(runs).items():
        print(f"| {label} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
