"""The points of a complaint (the Code's "complaint definition"): the officer records them at the
acknowledgement of a stage, and the response of the stage gives each its outcome and reasons.

The rule is here only: which task records or answers a stage's points (by its form), what the officer may
enter, how the rows change, and how the overall outcome must follow from the points' outcomes. The task page
shows the fields `point_step` describes; `complete_task` calls `read_points` with what was posted and applies
the change before the workflow runs on, so the message the run sends (the acknowledgement, the response)
states the points."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from models import POINT_OUTCOMES, Case, ComplaintPoint, ReadyTask
from models.case import STAGES

MAX_POINTS = 5
NEW_AT_REVIEW = 3  # boxes for points the customer's stage 2 request adds to those carried from stage 1
POINT_LENGTH = 500
REASONS_LENGTH = 4000
# The forms at which the officer records the points of a stage, and at which each is given its outcome:
# (form, stage) pairs; an answering form names the field of its overall outcome, which must agree.
RECORDED_AT = {("acknowledgement", "stage1"), ("acknowledgement", "stage2")}
ANSWERED_AT = {("stage1_response", "stage1"): "stage1_outcome",
               ("stage2_response", "stage2"): "stage2_outcome"}
# Stage 2 answers the points the customer remains dissatisfied with: its record starts from stage 1's.
CARRIED_FROM = {"stage2": "stage1"}


@dataclass
class PointStep:
    """What a task does with the case's points: record them, answer them, or nothing."""
    kind: str | None = None  # "record", "answer" or None
    stage: str | None = None
    points: list[ComplaintPoint] = field(default_factory=list)  # the stage's points, in order
    earlier: list[ComplaintPoint] | None = None  # a review's record: the points of the stage it reviews
    outcome_field: str | None = None  # an answer's: the form field of the overall outcome


def text_of(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def stage_points(case: Case, stage: str | None) -> list[ComplaintPoint]:
    return sorted((p for p in case.points if p.stage == stage), key=lambda p: p.number)


def point_outcome_items(chosen: str | None) -> list[dict[str, Any]]:
    return [{"value": key, "text": label, "checked": key == chosen} for key, label in POINT_OUTCOMES.items()]


def point_step(case: Case, task: ReadyTask) -> PointStep:
    if case.comment_type != "complaint" or not task.stage:
        return PointStep()
    key = (task.form_name, task.stage)
    if key in RECORDED_AT:
        earlier = stage_points(case, CARRIED_FROM[task.stage]) if task.stage in CARRIED_FROM else None
        return PointStep("record", task.stage, stage_points(case, task.stage), earlier)
    if key in ANSWERED_AT and (points := stage_points(case, task.stage)):
        return PointStep("answer", task.stage, points, outcome_field=ANSWERED_AT[key])
    return PointStep()


def read_points(case: Case, task: ReadyTask, formdata: Mapping[str, Any]
                ) -> tuple[Callable[[], str | None] | None, dict[str, str], dict[str, str]]:
    """(the change to make once the whole form is valid, which returns the history line's summary; the
    errors to show beside the fields; the values to show again)."""
    step = point_step(case, task)
    if step.kind == "record" and step.earlier is not None:
        return _review_record(case, step, formdata)
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
        _replace(case, step, texts)
        return f"Points of the complaint recorded: {len(texts)}"
    return change, {}, values


def _review_record(case: Case, step: PointStep, formdata):
    """A review's points: each earlier point kept (as it was or reworded) or untaken, then the new ones."""
    values, errors, kept = {}, {}, []
    for point in step.earlier:
        keep, name = f"carry-{point.number}", f"carry-{point.number}-text"
        values.update({keep: "yes" if formdata.get(keep) == "yes" else "", name: text_of(formdata.get(name))})
        if not values[keep]:
            continue
        if not values[name]:
            errors[name] = f"Enter stage 1 point {point.number} as the review will answer it, or untick it"
        elif len(values[name]) > POINT_LENGTH:
            errors[name] = f"Stage 1 point {point.number} must be {POINT_LENGTH} characters or fewer"
        kept.append(values[name])
    added = []
    for n in range(1, NEW_AT_REVIEW + 1):
        values[f"new-point-{n}"] = text = text_of(formdata.get(f"new-point-{n}"))
        if len(text) > POINT_LENGTH:
            errors[f"new-point-{n}"] = f"New point {n} must be {POINT_LENGTH} characters or fewer"
        elif text:
            added.append(text)
    if not kept and not added:
        first = f"carry-{step.earlier[0].number}" if step.earlier else "new-point-1"
        errors[first] = "Keep at least one stage 1 point the customer still disputes, or enter a new point"
    if errors:
        return None, errors, values

    def change() -> str:
        _replace(case, step, kept + added)
        return f"Points for the stage 2 review recorded: {len(kept)} from stage 1, {len(added)} new"
    return change, {}, values


def _replace(case: Case, step: PointStep, texts: list[str]) -> None:
    """The stage's points become `texts`, numbered from 1."""
    existing = step.points  # recorded again (the task repeated): rows keep their ids, extra ones go
    for number, text in enumerate(texts, start=1):
        if number <= len(existing):
            existing[number - 1].text = text
        else:
            case.points.append(ComplaintPoint(stage=step.stage, number=number, text=text))
    for extra in existing[len(texts):]:
        case.points.remove(extra)


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
    chosen = text_of(formdata.get(step.outcome_field))
    if not errors and chosen in POINT_OUTCOMES:
        problem = outcome_problem(chosen, [values[f"point-{p.number}-outcome"] for p in step.points])
        if problem:
            errors[step.outcome_field] = problem
    if errors:
        return None, errors, values

    def change() -> str:
        for point in step.points:
            point.outcome = values[f"point-{point.number}-outcome"]
            point.reasons = values[f"point-{point.number}-reasons"]
        return f"Outcome and reasons given for each point: {len(step.points)}"
    return change, {}, values


def overall_outcome(outcomes: list[str]) -> str:
    """The outcome a response must give, from its points' outcomes (in order)."""
    if all(o == "upheld" for o in outcomes):
        return "upheld"
    if all(o == "not_upheld" for o in outcomes):
        return "not_upheld"
    return "partly_upheld"


def outcome_problem(chosen: str, outcomes: list[str]) -> str | None:
    """Why `chosen` cannot be the overall outcome of points with these outcomes, or None if it can."""
    expected = overall_outcome(outcomes)
    if chosen == expected:
        return None
    if expected == "partly_upheld":  # the first point that differs from the outcome chosen says why
        number, outcome = next((n, o) for n, o in enumerate(outcomes, start=1) if o != chosen)
        because = f"point {number} is {POINT_OUTCOMES[outcome].lower()}"
    elif len(outcomes) == 1:
        because = f"point 1 is {POINT_OUTCOMES[expected].lower()}"
    else:
        because = "every point is upheld" if expected == "upheld" else "no point is upheld or partly upheld"
    return f"The outcome must be {POINT_OUTCOMES[expected].lower()} because {because}"


def point_rows(case: Case) -> list[dict[str, Any]]:
    """The case summary's rows of the points, one a stage, with each point's outcome and reasons."""
    rows = []
    for stage in sorted({p.stage for p in case.points}):
        lines = []
        for p in stage_points(case, stage):
            answer = f" ({POINT_OUTCOMES[p.outcome]}: {p.reasons or ''})" if p.outcome else ""
            lines.append(f"{p.number}. {p.text or '[removed]'}{answer}")
        rows.append({"key": {"text": f"Points of complaint at {STAGES.get(stage, stage).lower()}"},
                     "value": {"text": "\n".join(lines), "classes": "cc-comment-text"}})
    return rows
