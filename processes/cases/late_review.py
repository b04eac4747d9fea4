"""The CRO accepting a stage 2 request that came after the escalation window closed: "a late stage 2 request
is not refused without a good reason; the CRO decides and records why". Stage 2 starts as if the request had
come in time: the workflow goes back to the step whose boundary event catches the request (SpiffWorkflow's
reset_from_task_id) and the request is delivered there, so the stage 2 deadlines count from today."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from models import Case, User
from processes.access import require
from processes.cases.promises import REVIEW_MESSAGE
from processes.cases.reopening import check_reason
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict
from processes.policy.settings import load_calendar
from processes.records.history import record_event
from processes.records.personal import TYPED

# How a complaint closed after its stage 1 response: the customer said they were satisfied, or did not ask.
AFTER_STAGE1 = ("Closed after stage 1", "Closed: no request for stage 2")
# The complaint diagram's variable for when the escalation window closes: opened again for the request.
WINDOW_END = "escalation_window_end"


def can_accept_late_review(case: Case) -> bool:
    return case.comment_type == "complaint" and case.status == "closed" and case.outcome in AFTER_STAGE1 \
        and not case.anonymised_at


def _refusal(case: Case) -> str | None:
    if case.comment_type != "complaint":
        return "Only a complaint has a stage 2"
    if case.status == "open":
        return ("This complaint is still open: record the customer's stage 2 request with what they asked "
                "instead")
    if case.anonymised_at:
        return "This complaint was anonymised under the retention policy"
    if case.outcome == "Resolved at first contact":
        return ("This complaint was resolved at first contact, so it has no stage 1 response to review: "
                "reopen it to handle it at stage 1")
    if case.outcome not in AFTER_STAGE1:
        return f"A stage 2 review cannot start on a complaint that closed as “{case.outcome}”"
    return None


def _customer_reasons(case: Case) -> str:
    """The reasons the customer gave with their latest request, if they asked through the status page."""
    asked = [e for e in case.events if e.kind == "review_requested"]
    return ((asked[-1].details or {}).get(TYPED) or {}).get("reasons", "") if asked else ""


def accept_late_review(session: Session, actor: User, case: Case, reason: str,
                       engine: WorkflowEngine | None = None) -> Case:
    """Start stage 2 of a closed complaint on a late request, with the CRO's reason for accepting it."""
    require(actor, "act_on_cases", "Only the Customer Relations Officer can accept a late stage 2 request")
    if (refused := _refusal(case)) is not None:
        raise Conflict(refused)
    reason = check_reason(reason, "late_reason", "for accepting the late request")
    calendar, closed_as = load_calendar(session), case.outcome
    # The window is open again only until the request, delivered in the same run, ends it.
    window = {WINDOW_END: (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()}
    run = run_engine(lambda: (engine or engine_of(session)).reset_and_send(
        case.workflow_state, REVIEW_MESSAGE, {"reasons": _customer_reasons(case)}, window, calendar,
        diagram_of(case)))
    case.status, case.closed_at, case.outcome = "open", None, None
    record_event(session, case, actor, "late_review_accepted",
                 f"{actor.name} accepted a stage 2 request made after the escalation window closed (the "
                 f"complaint had closed: {closed_as})", {"closed_as": closed_as, TYPED: {"reason": reason}})
    apply_run(session, case, run, actor, calendar, because=f"{actor.name} accepted a late stage 2 request")
    session.flush()
    return case
