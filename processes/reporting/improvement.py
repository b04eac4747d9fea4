"""Learning from comments: improvement actions and Ombudsman enquiries (the self-assessment: annual.py)."""
from __future__ import annotations

from datetime import date
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ImprovementAction, OmbudsmanEnquiry, User
from models.reporting import ACTION_SOURCES, ACTION_STATUSES, OMBUDSMAN_DECISIONS
from processes.access import may, require
from processes.errors import InvalidInput, NotAllowed
from processes.records.audit import audit
from processes.records.history import record_event
from processes.typed import sensible_date, whole_number

def _require_changer(actor: User) -> None:
    require(actor, "change_improvement", "Only the Customer Relations Officer can change this")


def _text(errors: dict, values: Mapping, name: str, message: str, limit: int = 4000) -> str:
    text = (values.get(name) or "").strip()
    if not text:
        errors[name] = message
    elif len(text) > limit:
        errors[name] = f"This must be {limit:,} characters or fewer"
    return text


def _date(errors: dict, values: Mapping, name: str, message: str, required: bool = True) -> date | None:
    text = (values.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = message
        return None
    day = sensible_date(text)
    if day is None:
        errors[name] = f"{message.replace('Enter', 'Enter a real date for')}, for example 2026-04-01"
    return day


def eligible_owners(session: Session) -> list[User]:
    """Action owners are service managers and the CRO: the people who see the reports."""
    return [u for u in session.scalars(select(User).order_by(User.name)) if may(u, "own_improvement_actions")]


def raise_action(session: Session, actor: User, values: Mapping[str, str], case: Case | None = None,
                 enquiry: OmbudsmanEnquiry | None = None) -> ImprovementAction:
    """Raise an action (an Ombudsman recommendation when `enquiry` is given) with an owner and a due date."""
    _require_changer(actor)
    errors: dict[str, str] = {}
    description = _text(errors, values, "description", "Enter what will be done")
    due_on = _date(errors, values, "due_on", "Enter the date it is due")
    owner_id = whole_number(values.get("owner_id"))
    owner = session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not may(owner, "own_improvement_actions"):
        errors["owner_id"] = "Select who owns this action"
    source = "ombudsman" if enquiry else values.get("source")
    if source not in ACTION_SOURCES:
        errors["source"] = "Select where this action came from"
    reference = (values.get("reference") or "").strip().upper()
    if case is None and enquiry is None and reference:
        case = session.scalar(select(Case).filter_by(reference=reference))
        if case is None:
            errors["reference"] = ("Enter the reference of one of our cases, like CC-2026-000123, "
                                   "or leave it empty")
    if errors:
        raise InvalidInput(errors, dict(values))
    case = enquiry and session.get(Case, enquiry.case_id) or case
    action = ImprovementAction(source=source, description=description, owner_id=owner.id, due_on=due_on,
                               case_id=case.id if case else None,
                               ombudsman_enquiry_id=enquiry.id if enquiry else None,
                               service_area=values.get("service_area")
                               or (case.service_area if case else None))
    session.add(action)
    session.flush()
    _note(session, actor, case,
          f"Improvement action {action.id} raised for {owner.name}, due {due_on:%-d %B %Y}")
    return action


def update_action(session: Session, actor: User, action: ImprovementAction, values: Mapping[str, str],
                  today: date) -> ImprovementAction:
    """The owner or the CRO records progress: status, and what was done (evidence of compliance)."""
    if actor.id != action.owner_id and not may(actor, "change_improvement"):
        raise NotAllowed("Only the action's owner or the Customer Relations Officer can update it")
    errors: dict[str, str] = {}
    status = values.get("status")
    if status not in ACTION_STATUSES:
        errors["status"] = "Select the action's status"
    evidence = (values.get("evidence") or "").strip()
    if status == "done" and not evidence:
        errors["evidence"] = "Enter what was done: it is the evidence that the action is complete"
    if errors:
        raise InvalidInput(errors, dict(values))
    action.status, action.evidence = status, evidence or None
    action.completed_on = today if status == "done" else None
    session.flush()
    case = session.get(Case, action.case_id) if action.case_id else None
    _note(session, actor, case, f"Improvement action {action.id} is now {ACTION_STATUSES[status].lower()}")
    return action


def _note(session: Session, actor: User, case: Case | None, summary: str) -> None:
    if case is not None:
        record_event(session, case, actor, "improvement", summary)
    else:
        audit(session, actor, "improvement", summary)


def overdue_actions(session: Session, today: date, owner: User | None = None) -> list[ImprovementAction]:
    query = select(ImprovementAction).where(ImprovementAction.status == "open",
                                            ImprovementAction.due_on < today)
    if owner is not None:
        query = query.where(ImprovementAction.owner_id == owner.id)
    return list(session.scalars(query.order_by(ImprovementAction.due_on)))


def record_ombudsman_enquiry(session: Session, actor: User, values: Mapping[str, str]) -> OmbudsmanEnquiry:
    """The Ombudsman has asked about a case: its reference with them and when the enquiry came."""
    _require_changer(actor)
    errors: dict[str, str] = {}
    reference = (values.get("reference") or "").strip().upper()
    case = session.scalar(select(Case).filter_by(reference=reference)) if reference else None
    if case is None:
        errors["reference"] = "Enter the reference of one of our cases, like CC-2026-000123"
    received_on = _date(errors, values, "received_on", "Enter the date the enquiry was received")
    lgsco = _text(errors, values, "lgsco_reference", "Enter the Ombudsman's reference", 40)
    if errors:
        raise InvalidInput(errors, dict(values))
    enquiry = OmbudsmanEnquiry(case_id=case.id, received_on=received_on, lgsco_reference=lgsco)
    session.add(enquiry)
    session.flush()
    record_event(session, case, actor, "ombudsman",
                 f"Ombudsman enquiry {lgsco} received on {received_on:%-d %B %Y}")
    return enquiry


def record_ombudsman_decision(session: Session, actor: User, enquiry: OmbudsmanEnquiry,
                              values: Mapping[str, str]) -> OmbudsmanEnquiry:
    _require_changer(actor)
    errors: dict[str, str] = {}
    decision = values.get("decision")
    if decision not in OMBUDSMAN_DECISIONS:
        errors["decision"] = "Select the Ombudsman's decision"
    decided_on = _date(errors, values, "decided_on", "Enter the date of the decision")
    if errors:
        raise InvalidInput(errors, dict(values))
    enquiry.decision, enquiry.decided_on = decision, decided_on
    session.flush()
    record_event(session, session.get(Case, enquiry.case_id), actor, "ombudsman",
                 f"Ombudsman decision on {enquiry.lgsco_reference}: {OMBUDSMAN_DECISIONS[decision]}")
    return enquiry
