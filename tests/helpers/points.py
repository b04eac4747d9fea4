"""The points of a complaint a test gives when it is about something else: a person completing the stage 1
acknowledgement must record at least one point, and the response must answer each (processes.cases.points).
A test that is about the points gives them itself; these fill only what it left out."""
from __future__ import annotations

import re
from typing import Any, Mapping

from processes.cases.points import point_step

POINT = "The bin was not collected on the day it was due"
OUTCOME, REASONS = "upheld", "The crew missed the street."
_ANSWER = re.compile(r"point-(\d+)-outcome")


def on_the_page(names: list[str], answers: Mapping[str, Any]) -> dict[str, Any]:
    """What to add to `answers` for the point fields a task page rendered (Form.names)."""
    if any(name.startswith("point-") for name in answers):
        return {}
    added: dict[str, Any] = {"point-1": POINT} if "point-1" in names else {}
    for name in names:
        if match := _ANSWER.fullmatch(name):
            added.update({name: OUTCOME, f"point-{match[1]}-reasons": REASONS})
    return added


def for_the_task(case, task, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The same, for a test completing the task through the operation: the fields the page would show."""
    step = point_step(case, task)
    if step.kind == "record":
        return on_the_page(["point-1"], answers)
    if step.kind == "answer":
        return on_the_page([f"point-{p.number}-outcome" for p in step.points], answers)
    return {}
