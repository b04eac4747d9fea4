"""What customers do themselves: look up their case, ask for a stage 2 review, withdraw."""
from __future__ import annotations

import hmac
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Notification
from processes.access import CUSTOMER_REQUESTS_GO_TO
from processes.cases.promises import REVIEW_MESSAGE
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict, InvalidInput
from processes.policy.calendar import add_years
from processes.policy.settings import load_calendar
from processes.records.history import record_event
from processes.records.personal import TYPED

# Closed complaints a customer may still ask to have reviewed (the CRO decides).
REVIEWABLE_CLOSED = ("Closed after stage 1", "Closed: no request for stage 2", "Resolved at first contact")


def _live(case: Case | None, retention_years: int, now: datetime) -> Case | None:
    """A case's status page lives as long as the case is kept."""
    if case is None or case.status_token is None:
        return None
    if case.closed_at and add_years(case.closed_at, retention_years) < now:
        return None
    return case


def case_by_token(session: Session, token: str, retention_years: int) -> Case | None:
    case = session.scalar(select(Case).where(Case.status_token == token)) if token else None
    return _live(case, retention_years, datetime.now(timezone.utc))


def case_by_reference(session: Session, reference: str, code: str, retention_years: int) -> Case | None:
    """The same answer (None) for an unknown reference and a wrong code: no hint either way."""
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    expected = case.access_code if case and case.access_code else "not-a-code"
    # As bytes: compare_digest refuses a str with non-ASCII characters ('١٢٣') rather than saying no.
    if not hmac.compare_digest(expected.encode(), code.strip().encode()) or case is None:
        return None
    return _live(case, retention_years, datetime.now(timezone.utc))


def request_review(session: Session, case: Case, reasons: str, engine: WorkflowEngine | None = None) -> bool:
    """The customer remains dissatisfied. Within the escalation window stage 2 starts at once (True);
    otherwise the request goes to the Customer Relations Officer to decide (False)."""
    if case.comment_type != "complaint":
        raise Conflict("Only a complaint can be reviewed at stage 2")
    if len(reasons) > 5000:
        raise InvalidInput({"reasons": "Your reasons must be 5,000 characters or fewer"})
    summary = "The customer asked for a stage 2 review"
    said = {TYPED: {"reasons": reasons.strip()}} if reasons.strip() else None  # their words: not audited
    if case.awaits(REVIEW_MESSAGE):
        calendar = load_calendar(session)
        run = run_engine(lambda: (engine or engine_of(session)).send_message(
            case.workflow_state, REVIEW_MESSAGE, {"reasons": reasons.strip()}, calendar, diagram_of(case)))
        record_event(session, case, None, "review_requested", summary, said)
        apply_run(session, case, run, None, calendar, because="the customer asked for a stage 2 review")
        session.flush()
        return True
    if case.status == "open" and (case.stage == "stage2"
                                  or any(t.stage == "stage2" for t in case.ready_tasks)):
        raise Conflict("A stage 2 review of this complaint is already under way")
    if case.status == "open":
        raise Conflict("We have not finished our stage 1 response yet. Once you have it, you can ask for a "
                       "review")
    if case.status == "closed" and case.outcome not in REVIEWABLE_CLOSED:
        raise Conflict("This complaint has had our final response. If you are still unhappy, you can ask the "
                       "Local Government and Social Care Ombudsman to look at it")
    record_event(session, case, None, "review_requested", summary + " (outside the escalation window)", said)
    session.add(Notification(case_id=case.id, role=CUSTOMER_REQUESTS_GO_TO,
                             message="The customer asked for a stage 2 review outside the escalation window: "
                                     "decide"))
    session.flush()
    return False


def withdraw_case(session: Session, case: Case, engine: WorkflowEngine | None = None) -> None:
    """The customer withdraws: the case closes with that outcome and the CRO is told."""
    if case.status != "open":
        raise Conflict("This comment is already closed")
    run = (engine or engine_of(session)).cancel(case.workflow_state, diagram_of(case))
    record_event(session, case, None, "withdrawn", "The customer withdrew their comment")
    apply_run(session, case, run, None, because="the customer withdrew their comment")
    session.add(Notification(case_id=case.id, role=CUSTOMER_REQUESTS_GO_TO,
                             message="The customer withdrew their comment"))
    session.flush()
