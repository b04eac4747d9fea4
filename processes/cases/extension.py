"""The CRO agreeing more time for a stage: the deadline moves and its timers are re-armed."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Case, User
from models.case import STAGES
from processes.access import require
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict, InvalidInput
from processes.policy.settings import load_calendar
from processes.records.history import record_event
from processes.records.personal import TYPED
from processes.reporting import facts

EXTENSION_MESSAGE = "extension_agreed"


def agree_extension(session: Session, actor: User, case: Case, working_days: int | None, reason: str,
                    engine: WorkflowEngine | None = None) -> Case:
    """The CRO agrees more time for the current stage: the deadline moves and the timers are re-armed."""
    require(actor, "agree_extension", "Only the Customer Relations Officer can agree an extension")
    if not case.awaits(EXTENSION_MESSAGE):
        raise Conflict("This case is not at a step that can be extended")
    stage = next((t.stage for t in case.ready_tasks if t.stage), None)
    left = extension_days_left(session, case, stage)
    errors = {}
    if working_days is None or not 1 <= working_days <= left:
        errors["working_days"] = (f"Enter a number of working days from 1 to {left}" if left else
                                  f"No more extension is allowed at {STAGES.get(stage, 'this stage')}")
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for the extension: the customer will be told it"
    elif len(reason) > 2000:
        errors["reason"] = "The reason must be 2,000 characters or fewer"
    if errors:
        raise InvalidInput(errors, {"working_days": working_days, "reason": reason})
    payload = {"working_days": working_days, "reason": reason.strip()}
    calendar = load_calendar(session)
    run = run_engine(lambda: (engine or engine_of(session)).send_message(
        case.workflow_state, EXTENSION_MESSAGE, payload, calendar, diagram_of(case)))
    days = f"{working_days} more working day{'s' if working_days != 1 else ''}"
    record_event(session, case, actor, "extension",
                 f"{actor.name} agreed {days} at {STAGES.get(stage, stage)}",
                 {"stage": stage, "working_days": working_days, TYPED: {"reason": reason.strip()}})
    facts.record_extension(session, case, stage, working_days)  # reporting
    apply_run(session, case, run, actor, calendar, because=f"{actor.name} agreed {days}")
    session.flush()
    return case


def extension_days_left(session: Session, case: Case, stage: str | None) -> int:
    """Working days of extension still allowed at a stage, by the timescales the case started with."""
    limit = (case.timescales or {}).get(f"{stage}_extension", 0) or 0
    used = sum((e.details or {}).get("working_days", 0) for e in case.events
               if e.kind == "extension" and (e.details or {}).get("stage") == stage)
    return max(0, limit - used)
