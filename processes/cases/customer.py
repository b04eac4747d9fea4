"""What customers do themselves: look up their case, ask for a stage 2 review, withdraw."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Notification, User
from processes.access import CUSTOMER_REQUESTS_GO_TO
from processes.cases.promises import REVIEW_MESSAGE
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict, InvalidInput
from processes.policy.calendar import add_years
from processes.policy.settings import load_calendar
from processes.records.audit import audit
from processes.records.history import record_event
from processes.records.personal import TYPED
from processes.throttle import GuessCaps, TooManyTries, time_to_try

# How a customer's request reached a member of staff who records it (keys as stored, labels as shown).
TAKEN_BY = {"phone": "phone", "letter": "letter"}


@dataclass(frozen=True)
class Taken:
    """A request the customer made by phone or letter, recorded by a member of staff."""

    officer: User
    how: str  # a key of TAKEN_BY
    received_on: date

    def words(self) -> str:
        return f" by {TAKEN_BY[self.how]} on {self.received_on.day} {self.received_on:%B %Y}, " \
               f"recorded by {self.officer.name}"


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


def case_by_reference(session: Session, reference: str, code: str, retention_years: int, address: str,
                      caps: GuessCaps) -> Case | None:
    """The same answer (None) for an unknown reference and a wrong code: no hint either way. Guessing is
    capped per reference and per client address (TooManyTries, the right code too, while a cap is used up:
    the link in the customer's email keeps working); each wrong code is audited, without the code, until a
    cap stops the guesser, and then one line says so."""
    now, reference = datetime.now(timezone.utc), reference.strip().upper()[:40]
    if (retry := caps.per_address.retry_at(address)) is not None:
        raise TooManyTries(f"There have been too many wrong codes from your network. Try again after "
                           f"{time_to_try(retry, now)}, or use the link in the email we sent you", retry)
    if not caps.per_reference.take(reference):  # counted before the check, so parallel guesses cannot pass it
        retry = caps.per_reference.retry_at(reference) or now
        raise TooManyTries(f"The code for this reference was entered wrongly too many times. Try again after "
                           f"{time_to_try(retry, now)}, or use the link in the email we sent you", retry)
    case = session.scalar(select(Case).where(Case.reference == reference))
    expected = case.access_code if case and case.access_code else "not-a-code"
    # As bytes: compare_digest refuses a str with non-ASCII characters ('١٢٣') rather than saying no.
    if case is None or not hmac.compare_digest(expected.encode(), code.strip().encode()):
        _wrong_code(session, reference, case, address, caps, now)
        return None
    caps.per_reference.forget(reference)
    return _live(case, retention_years, now)


def _wrong_code(session: Session, reference: str, case: Case | None, address: str, caps: GuessCaps,
                now: datetime) -> None:
    """Audit a wrong code (the reference and the address, never the code guessed); and once a cap is used up,
    one line more, after which its refusals are not audited one by one."""
    on_case = case.reference if case is not None else None
    audit(session, "customer (status page)", "status code wrong",
          f"A wrong code for reference {reference[:20]} from {address[:60]}", on_case)
    if (retry := caps.per_reference.retry_at(reference)) is not None:
        audit(session, "customer (status page)", "status code guessing stopped",
              f"Too many wrong codes for reference {reference[:20]}: refused until {retry:%Y-%m-%d %H:%M} "
              "UTC",
              on_case)
    if caps.per_address.failed(address):
        audit(session, "customer (status page)", "status code guessing stopped",
              f"Too many wrong codes from {address[:60]}: refused until "
              f"{caps.per_address.retry_at(address) or now:%Y-%m-%d %H:%M} UTC")


def request_review(session: Session, case: Case, reasons: str, engine: WorkflowEngine | None = None, *,
                   taken: Taken | None = None) -> bool:
    """The customer remains dissatisfied. Within the escalation window stage 2 starts at once (True);
    otherwise the request goes to the Customer Relations Officer to decide (False). `taken`: they asked by
    phone or letter, and a member of staff records it."""
    if case.comment_type != "complaint":
        raise Conflict("Only a complaint can be reviewed at stage 2")
    if len(reasons) > 5000:
        raise InvalidInput({"reasons": "Your reasons must be 5,000 characters or fewer"})
    summary = "The customer asked for a stage 2 review" + (taken.words() if taken else "")
    actor = taken.officer if taken else None
    said = {TYPED: {"reasons": reasons.strip()}} if reasons.strip() else None  # their words: not audited
    if case.awaits(REVIEW_MESSAGE):
        calendar = load_calendar(session)
        run = run_engine(lambda: (engine or engine_of(session)).send_message(
            case.workflow_state, REVIEW_MESSAGE, {"reasons": reasons.strip()}, calendar, diagram_of(case)))
        record_event(session, case, actor, "review_requested", summary, said)
        apply_run(session, case, run, actor, calendar, because="the customer asked for a stage 2 review")
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
    record_event(session, case, actor, "review_requested", summary + " (outside the escalation window)", said)
    session.add(Notification(case_id=case.id, role=CUSTOMER_REQUESTS_GO_TO,
                             message="The customer asked for a stage 2 review outside the escalation window: "
                                     "decide"))
    session.flush()
    return False


def withdraw_case(session: Session, case: Case, engine: WorkflowEngine | None = None, *,
                  taken: Taken | None = None) -> None:
    """The customer withdraws: the case closes with that outcome and the CRO is told. `taken`: by phone or
    letter, recorded by a member of staff."""
    if case.status != "open":
        raise Conflict("This comment is already closed")
    run = (engine or engine_of(session)).cancel(case.workflow_state, diagram_of(case))
    actor = taken.officer if taken else None
    record_event(session, case, actor, "withdrawn",
                 "The customer withdrew their comment" + (taken.words() if taken else ""))
    apply_run(session, case, run, actor, because="the customer withdrew their comment")
    session.add(Notification(case_id=case.id, role=CUSTOMER_REQUESTS_GO_TO,
                             message="The customer withdrew their comment"))
    session.flush()
