"""What the council has told a customer it will do, and by when: read from the case's stage rows, its ready
tasks and the timescales it started with, never from its workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import ROLE_IN_LETTERS, Case, CaseStage
from processes.policy.calendar import WorkingCalendar, as_utc

# the message a complaint waits for while the customer may ask for stage 2
REVIEW_MESSAGE = "stage2_requested"


@dataclass(frozen=True)
class Promise:
    """One thing we said we would do: acknowledge or respond at a stage, by a time or within working days."""
    action: str  # acknowledge | respond
    stage: str
    due_at: datetime | None  # None: counted from a step not yet taken, see `days`
    days: int | None = None
    counts_from: str | None = None  # what `days` counts from when there is no date yet
    holder: str | None = None  # who has the case now, as the customer reads it: "a senior officer"

    def is_past(self, now: datetime) -> bool:
        return self.due_at is not None and as_utc(self.due_at) <= now


def stage_of(case: Case, stage: str) -> CaseStage | None:
    return next((row for row in case.stages if row.stage == stage), None)


def current_stage(case: Case) -> CaseStage | None:
    """The stage a ready task is at, or else the newest stage row."""
    at = next((t.stage or "response" for t in case.ready_tasks if t.form_name), None)
    row = stage_of(case, at) if at else None
    return row or (case.stages[-1] if case.stages else None)


def holder(case: Case) -> str | None:
    """The team that has the case's current task, as a customer reads it: "a senior officer"."""
    return holder_of([(t.role, t.stage) for t in case.ready_tasks])


def holder_of(tasks: list[tuple[str | None, str | None]]) -> str | None:
    """Of (role, stage) of the ready tasks, the team with a stage's task (or else any task), in a letter's
    words."""
    role = next((r for r, stage in tasks if stage), None) or next((r for r, _ in tasks), None)
    return ROLE_IN_LETTERS.get(role or "")


def response_promise(case: Case, row: CaseStage) -> Promise:
    """The response date, or the working days it will be counted over once we have acknowledged."""
    timescales: dict[str, Any] = case.timescales or {}
    key = f"{row.stage}_response" if row.stage != "response" else f"{case.comment_type}_response"
    if timescales.get(f"{key}_from") == "acknowledgement" and row.acknowledged_at is None:
        return Promise("respond", row.stage, None, timescales.get(key), "acknowledgement", holder(case))
    return Promise("respond", row.stage, row.promised_response_at or row.response_due_at, holder=holder(case))


def next_promise(case: Case) -> Promise | None:
    """What we will do next for an open case, or None when it waits on the customer or has closed."""
    row = current_stage(case)
    if case.status != "open" or row is None or row.responded_at is not None:
        return None
    if row.acknowledged_at is None and row.ack_due_at is not None:
        return Promise("acknowledge", row.stage, row.ack_due_at, holder=holder(case))
    return response_promise(case, row)


def promises_made(case: Case) -> tuple[Promise | None, Promise | None]:
    """What a new case promises: an acknowledgement (if its process has one) and a response."""
    row = current_stage(case)
    if row is None:
        return None, None
    acknowledge = Promise("acknowledge", row.stage, row.ack_due_at) if row.ack_due_at else None
    respond = response_promise(case, row)
    return acknowledge, respond if respond.due_at or respond.days is not None else None


def review_until(case: Case, calendar: WorkingCalendar) -> datetime | None:
    """Until when the customer may ask for stage 2: the escalation window the case started with, from our
    stage 1 response (as the complaint diagram counts it), while the case waits for that request."""
    row = stage_of(case, "stage1")
    days = (case.timescales or {}).get("escalation_window")
    if not case.awaits(REVIEW_MESSAGE) or row is None or row.responded_at is None \
            or days is None:
        return None
    return calendar.deadline(row.responded_at, int(days))


def final_response(case: Case) -> CaseStage | None:
    """The stage 2 row once its final response is given."""
    row = stage_of(case, "stage2")
    return row if row is not None and row.responded_at is not None else None
