"""The points of a complaint a test gives when it is about something else: a person completing the stage 1
acknowledgement must record at least one point, the stage 2 acknowledgement keeps those the customer still
disputes, and each response must answer every point, agreeing with its overall outcome
(processes.cases.points). A test that is about the points gives them itself; these fill only what it left
out, as a person would: the stage 2 page keeps the stage 1 points as it renders them, and each point is
given the overall outcome the test chose."""
from __future__ import annotations

import re
from typing import Any, Mapping

from models import POINT_OUTCOMES
from processes.cases.points import point_step

POINT = "The bin was not collected on the day it was due"
OUTCOME, REASONS = "upheld", "The crew missed the street."
_ANSWER = re.compile(r"point-(\d+)-outcome")
_GIVEN = ("point-", "carry-", "new-point-")


def on_the_page(names: list[str], answers: Mapping[str, Any]) -> dict[str, Any]:
    """What to add to `answers` for the point fields a task page rendered (Form.names)."""
    if any(name.startswith(_GIVEN) for name in answers):
        return {}
    added: dict[str, Any] = {}
    if "point-1" in names or ("new-point-1" in names and "carry-1" not in names):
        added[next(n for n in ("point-1", "new-point-1") if n in names)] = POINT
    overall = next((v for k, v in answers.items() if k.endswith("_outcome") and v in POINT_OUTCOMES), OUTCOME)
    for name in names:
        if match := _ANSWER.fullmatch(name):
            added.update({name: overall, f"point-{match[1]}-reasons": REASONS})
    return added


def for_the_task(case, task, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The same, for a test completing the task through the operation: the fields the page would send."""
    step = point_step(case, task)
    if step.kind == "record" and step.earlier is not None:
        if not step.earlier or any(name.startswith(_GIVEN) for name in answers):
            return on_the_page(["new-point-1"], answers)
        return {f: v for p in step.earlier for f, v in ((f"carry-{p.number}", "yes"),
                                                          (f"carry-{p.number}-text", p.text))}
    if step.kind == "record":
        return on_the_page(["point-1"], answers)
    if step.kind == "answer":
        return on_the_page([f"point-{p.number}-outcome" for p in step.points], answers)
    return {}
