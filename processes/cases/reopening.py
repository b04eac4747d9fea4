"""The CRO reopening a case closed by mistake: its workflow goes back to the last step a person was at.

Why a reset and not a new linked case: the mistake was in how this case ended, so the same case (its
reference, the customer's link, its history and its reporting rows) carries on, and the figures count it
once. SpiffWorkflow 3.2's reset_from_task_id (processes.engine.resetting) makes the newest run of that user
task ready again, removes what came after it and re-arms its boundary timers and messages."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Case, User
from processes.access import require
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict, InvalidInput
from processes.policy.settings import load_calendar
from processes.records.history import record_event
from processes.records.personal import TYPED
from processes.reporting import facts

# History lines that say a person was at a user task: done, or closed when the case ended (a withdrawal).
_AT_A_TASK = ("completed", "task_closed")


def check_reason(reason: str, field: str, what: str) -> str:
    """A required reason of at most 2,000 characters, beside the field `field`."""
    if not (reason or "").strip():
        raise InvalidInput({field: f"Enter the reason {what}"}, {field: reason})
    if len(reason) > 2000:
        raise InvalidInput({field: "The reason must be 2,000 characters or fewer"}, {field: reason})
    return reason.strip()


def last_step(case: Case) -> dict | None:
    """The history details of the last user task the case was at: its element, name, stage and form."""
    for event in reversed(case.events):
        details = event.details or {}
        if event.kind in _AT_A_TASK and details.get("element") and details.get("task"):
            return details
    return None


def reopen_case(session: Session, actor: User, case: Case, reason: str,
                engine: WorkflowEngine | None = None) -> str:
    """Reopen a closed case at its last user task, with the CRO's reason; the name of that task."""
    require(actor, "act_on_cases", "Only the Customer Relations Officer can reopen a case")
    if case.status != "closed":
        raise Conflict("This case is open: there is nothing to reopen")
    if case.anonymised_at:
        raise Conflict("This case was anonymised under the retention policy, so it cannot be reopened")
    if case.rerecorded_as:  # its comment lives on in the new case: two open cases would answer it twice
        raise Conflict(f"This case was re-recorded as {case.rerecorded_as[-1].reference}: work on that case")
    reason = check_reason(reason, "reopen_reason", "for reopening the case")
    step = last_step(case)
    if step is None:
        raise Conflict("This case closed before anyone worked on it, so there is no step to return it to")
    bpmn_id, name, stage = step["element"], step["task"], step.get("stage")
    calendar = load_calendar(session)
    run = run_engine(lambda: (engine or engine_of(session)).reset_to(case.workflow_state, bpmn_id, calendar,
                                                                     diagram_of(case)))
    if run.finished or not run.ready:
        raise Conflict(f"Back at “{name}” the case would close again at once: a time it waited for has "
                       "passed. To start stage 2 of a complaint, accept a late stage 2 request instead")
    closed_as = case.outcome or "finished"
    case.status, case.closed_at, case.outcome, case.stage = "open", None, None, stage
    record_event(session, case, actor, "reopened",
                 f"{actor.name} reopened the case at “{name}” (it had closed: {closed_as})",
                 {"element": bpmn_id, "closed_as": closed_as, TYPED: {"reason": reason}})
    facts.forget_response(session, case, step.get("form"), stage)  # reporting: answered again, counted once
    apply_run(session, case, run, actor, calendar, because=f"{actor.name} reopened the case")
    session.flush()
    return name
