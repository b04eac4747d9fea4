"""Records retention: closed cases are anonymised after the retention period unless on legal hold.

What survives is what the statistics need (type, channel, service area, dates, stage, outcome, the
history's shape); what goes is everything that identifies or quotes a person.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Attachment, Case, CaseEvent, Incident, Notification, OutboxMessage, User
from models.reporting import ImprovementAction
from processes.access import require
from processes.search.cases import forget_words, index_case
from processes.records import filestore
from processes.policy.calendar import add_years
from processes.records.audit import audit
from processes.records.personal import (PERSONAL_FIELDS, POINT_FIELDS, REMEDY_ACTION_FIELDS,
                                        REPRESENTATIVE_FIELDS, TYPED, personal_values, without_personal)

REMOVED = "[removed under the retention policy]"


def expired_case_ids(session: Session, now: datetime, years: int, limit: int = 500) -> list[int]:
    cutoff = add_years(now, -years)
    query = (select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff,
                                   Case.legal_hold.is_(False),
                                   Case.anonymised_at.is_(None)).order_by(Case.closed_at).limit(limit))
    return list(session.scalars(query))


def anonymise_case(session: Session, case: Case, now: datetime, attachments_dir: Path | None = None,
                   purge_words: bool = True) -> None:
    """Erase what identifies or quotes the customer wherever the case's rows hold it: the case, the workflow's
    data, its history lines' details, the messages sent (their addresses and bodies), its attachments (rows,
    and in `attachments_dir` the files no other case uses), its search entry and any text that names them.
    The audit trail never holds it (processes.records.history), so its chain is left whole. A batch purges
    the search's words once, at its end (`purge_words` False for each case)."""
    found = personal_values(case)
    for point in case.points:  # what each point was goes; how many there were and their outcomes stay
        for field in POINT_FIELDS:
            setattr(point, field, None)
    for action in case.remedy_actions:  # what was promised and done goes; when, and whether, stay
        for field in REMEDY_ACTION_FIELDS:
            setattr(action, field, None)
    for field in PERSONAL_FIELDS:
        setattr(case, field, None)
    for representative in case.representatives:  # who they were goes; that there was one (an MP) stays
        for field in REPRESENTATIVE_FIELDS:
            setattr(representative, field, None)
    case.comment, case.workflow_state = REMOVED, ""  # the workflow's data holds every form's answers
    case.status_token = case.access_code = None
    case.anonymised_at = now
    for event in case.events:
        _forget_typed(event, found)
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)):
        _forget_message(message, found)
    _scrub_texts(session, case, found)
    _delete_attachments(session, case, attachments_dir)
    index_case(session, case)  # anonymised: only its reference finds it now
    if purge_words:
        forget_words(session)
    audit(session, "system", "anonymised", "Personal data removed under the retention policy", case.reference)
    session.flush()


def _delete_attachments(session: Session, case: Case, directory: Path | None) -> None:
    """The case's attachments go, rows and bytes (a file another case also holds stays for that case)."""
    hashes = {attachment.sha256 for attachment in case.attachments}
    case.attachments.clear()
    session.flush()
    for sha256 in sorted(hashes) if directory is not None else ():
        if not session.scalar(select(func.count()).select_from(Attachment).filter_by(sha256=sha256)):
            filestore.delete(directory, sha256)


def _forget_typed(event: CaseEvent, found: dict[str, str]) -> None:
    """What people typed leaves the line's details; its summary never quoted it, but is checked all the same.
    (Lines written before summaries stopped quoting were rewritten by the upgrade to 8e3f6a2c4b19.)"""
    event.summary = without_personal(event.summary, found)
    if event.details and TYPED in event.details:
        event.details = {k: v for k, v in event.details.items() if k != TYPED}


def _forget_message(message: OutboxMessage, found: dict[str, str]) -> None:
    """Customers' and staff's alike: a body holds what its template put in it, officers' words among them."""
    message.to_name = message.to_address = None
    message.body = REMOVED
    message.subject = without_personal(message.subject, found)
    message.last_error = message.last_error and without_personal(message.last_error, found)


def _scrub_texts(session: Session, case: Case, found: dict[str, str]) -> None:
    """Texts about the case that people or the procedure wrote, should any name the customer."""
    for note in session.scalars(select(Notification).where(Notification.case_id == case.id)):
        note.message = without_personal(note.message, found)
    for incident in session.scalars(select(Incident).where(Incident.case_id == case.id)):
        incident.error = without_personal(incident.error, found)
    for action in session.scalars(select(ImprovementAction).where(ImprovementAction.case_id == case.id)):
        action.description = without_personal(action.description, found)
        action.evidence = action.evidence and without_personal(action.evidence, found)


def anonymise_expired(session: Session, now: datetime | None = None, years: int = 6,
                      attachments_dir: Path | None = None) -> int:
    """Run by the timer worker once a day (and by `flask retention run`), given the attachments' folder."""
    now = now or datetime.now(timezone.utc)
    ids = expired_case_ids(session, now, years)
    for case in session.scalars(select(Case).where(Case.id.in_(ids))):
        anonymise_case(session, case, now, attachments_dir, purge_words=False)
    if ids:
        forget_words(session)
    return len(ids)


def set_legal_hold(session: Session, actor: User, case: Case, hold: bool) -> None:
    require(actor, "place_legal_hold",
            "Only the Customer Relations Officer or an administrator can place a legal hold")
    case.legal_hold = hold
    audit(session, actor, "legal hold", "Legal hold placed" if hold else "Legal hold lifted", case.reference)
    session.add(CaseEvent(case_id=case.id, actor_id=actor.id, kind="legal_hold",
                          summary=f"{actor.name} {'placed' if hold else 'lifted'} a legal hold"))
    session.flush()
