"""Records retention: closed cases are anonymised after the retention period unless on legal hold.

What survives is what the statistics need (type, channel, service area, dates, stage, outcome, the
history's shape); what goes is everything that identifies or quotes a person.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Case, CaseEvent, OutboxMessage, User
from processes.access import require
from processes.policy.calendar import add_years
from processes.records.audit import audit

PERSONAL_FIELDS = ("customer_name", "customer_email", "customer_phone", "customer_address",
                   "reasonable_adjustments")
REMOVED = "[removed under the retention policy]"


def expired_case_ids(session: Session, now: datetime, years: int, limit: int = 500) -> list[int]:
    cutoff = add_years(now, -years)
    query = (select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff,
                                   Case.legal_hold.is_(False),
                                   Case.anonymised_at.is_(None)).order_by(Case.closed_at).limit(limit))
    return list(session.scalars(query))


def anonymise_case(session: Session, case: Case, now: datetime) -> None:
    for field in PERSONAL_FIELDS:
        setattr(case, field, None)
    case.comment, case.workflow_state = REMOVED, ""
    case.status_token = case.access_code = None
    case.anonymised_at = now
    for event in case.events:
        if event.details and "values" in event.details:  # what officers typed about the person
            event.details = {k: v for k, v in event.details.items() if k != "values"}
    session.execute(update(OutboxMessage).where(OutboxMessage.case_id == case.id)
                    .values(to_name=None, to_address=None, body=REMOVED))
    audit(session, "system", "anonymised", "Personal data removed under the retention policy", case.reference)
    session.flush()


def anonymise_expired(session: Session, now: datetime | None = None, years: int = 6) -> int:
    """Run by the timer worker once a day (and by `flask retention run`)."""
    now = now or datetime.now(timezone.utc)
    ids = expired_case_ids(session, now, years)
    for case in session.scalars(select(Case).where(Case.id.in_(ids))):
        anonymise_case(session, case, now)
    return len(ids)


def set_legal_hold(session: Session, actor: User, case: Case, hold: bool) -> None:
    require(actor, "place_legal_hold",
            "Only the Customer Relations Officer or an administrator can place a legal hold")
    case.legal_hold = hold
    audit(session, actor, "legal hold", "Legal hold placed" if hold else "Legal hold lifted", case.reference)
    session.add(CaseEvent(case_id=case.id, actor_id=actor.id, kind="legal_hold",
                          summary=f"{actor.name} {'placed' if hold else 'lifted'} a legal hold"))
    session.flush()
