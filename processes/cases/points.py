"""The points of a complaint (the Code's "complaint definition"): the officer records them at the
acknowledgement of a stage, and the response of the stage gives each its outcome and reasons.

The rule is here only: which task records or answers a stage's points (by its form), what the officer may
enter, and how the rows change. The task page shows the fields `point_step` describes; `complete_task` calls
`read_points` with what was posted and applies the change before the workflow runs on, so the message the
run sends (the acknowledgement, the response) states the points."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from models import POINT_OUTCOMES, Case, ComplaintPoint, ReadyTask

MAX_POINTS = 5
POINT_LENGTH = 500
REASONS_LENGTH = 4000
# The forms at which the officer records the points of a stage, and at which each is given its outcome:
# (form, stage) pairs. Stage 2 answers the review the customer asked for, so records none of its own yet.
RECORDED_AT = {("acknowledgement", "stage1")}
ANSWERED_AT = {("stage1_response", "stage1")}


@dataclass
class PointStep:
    """What a task does with the case's points: record them, answer them, or nothing."""
    kind: str | None = None  # "record", "answer" or None
    stage: str | None = None
    points: list[ComplaintPoint] = field(default_factory=list)  # the stage's points, in order


def text_of(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def stage_points(case: Case, stage: str | None) -> list[ComplaintPoint]:
    return sorted((p for p in case.points if p.stage == stage), key=lambda p: p.number)


def point_outcome_items(chosen: str | None) -> list[dict[str, Any]]:
    return [{"value": key, "text": label, "checked": key == chosen} for key, label in POINT_OUTCOMES.items()]


def point_step(case: Case, task: ReadyTask) -> PointStep:
    if case.comment_type != "complaint" or not task.stage:
        return PointStep()
    if (task.form_name, task.stage) in RECORDED_AT:
        return PointStep("record", task.stage, stage_points(case, task.stage))
    if (task.form_name, task.stage) in ANSWERED_AT and (points := stage_points(case, task.stage)):
        return PointStep("answer", task.stage, points)
    return PointStep()


def read_points(case: Case, task: ReadyTask, formdata: Mapping[str, Any]
                ) -> tuple[Callable[[], str | None] | None, dict[str, str], dict[str, str]]:
    """(the change to make once the whole form is valid, which returns the history line's summary; the
    errors to show beside the fields; the values to show again)."""
    step = point_step(case, task)
    if step.kind == "record":
        return _record(case, step, formdata)
    if step.kind == "answer":
        return _answer(step, formdata)
    return None, {}, {}


def _record(case: Case, step: PointStep, formdata):
    values = {f"point-{n}": text_of(formdata.get(f"point-{n}")) for n in range(1, MAX_POINTS + 1)}
    errors = {name: f"Point {name.split('-')[1]} must be {POINT_LENGTH} characters or fewer"
              for name, text in values.items() if len(text) > POINT_LENGTH}
    texts = [text for text in values.values() if text]
    if not texts:
        errors["point-1"] = "Enter at least one point of the complaint"
    if errors:
        return None, errors, values

    def change() -> str:
        existing = step.points  # recorded again (the task repeated): rows keep their ids, extra ones go
        for number, text in enumerate(texts, start=1):
            if number <= len(existing):
                existing[number - 1].text = text
            else:
                case.points.append(ComplaintPoint(stage=step.stage, number=number, text=text))
        for extra in existing[len(texts):]:
            case.points.remove(extra)
        return f"Points of the complaint recorded: {len(texts)}"
    return change, {}, values


def _answer(step: PointStep, formdata):
    values, errors = {}, {}
    for point in step.points:
        outcome_name, reasons_name = f"point-{point.number}-outcome", f"point-{point.number}-reasons"
        outcome, reasons = text_of(formdata.get(outcome_name)), text_of(formdata.get(reasons_name))
        values.update({outcome_name: outcome, reasons_name: reasons})
        if outcome not in POINT_OUTCOMES:
            errors[outcome_name] = f"Select the outcome for point {point.number}"
        if not reasons:
            errors[reasons_name] = f"Enter the reasons for the outcome of point {point.number}"
        elif len(reasons) > REASONS_LENGTH:
            errors[reasons_name] = (f"Reasons for point {point.number} must be {REASONS_LENGTH:,} characters "
                                    "or fewer")
    if errors:
        return None, errors, values

    def change() -> str:
        for point in step.points:
            point.outcome = values[f"point-{point.number}-outcome"]
            point.reasons = values[f"point-{point.number}-reasons"]
        return f"Outcome and reasons given for each point: {len(step.points)}"
    return change, {}, values



def point_rows(case: Case) -> list[dict[str, Any]]:
    """The case summary's row of the points (one line each, with the outcome and reasons once given)."""
    if not case.points:
        return []
    lines = []
    for p in sorted(case.points, key=lambda p: (p.stage, p.number)):
        answer = f" ({POINT_OUTCOMES[p.outcome]}: {p.reasons or ''})" if p.outcome else ""
        lines.append(f"{p.number}. {p.text or '[removed]'}{answer}")
    return [{"key": {"text": "Points of complaint"},
             "value": {"text": "\n".join(lines), "classes": "cc-comment-text"}}]
