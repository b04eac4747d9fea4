"""Triage at first contact: what the first contact form's answers need beyond the form itself.

A signposted complaint names a reason from the form's own list (the options of `signpost_reason`, with
where to go as each option's hint), so the list is versioned with the process like the form; a duplicate
names the case it repeats, which must exist, be one the officer may see and not be this case."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LINK_KINDS, Case, CaseLink, ReadyTask, User
from processes.access import can_view_case
from processes.records.history import record_event
from processes.reporting.annual import reasons_not_taken

FORM = "first_contact"
NOT_FOUND = "There is no case {reference} that you can see: check the reference"
ITSELF = "That is this case's own reference: enter the reference of the case it repeats"
DUPLICATE_OF = "Duplicate of {reference}"


def read_triage(session: Session, actor: User, case: Case, task: ReadyTask, values: Mapping[str, Any],
                ) -> tuple[dict[str, Any], dict[str, str], Callable[[], None] | None]:
    """(values the workflow and its letters also need, errors by field, what to record once the run has
    closed the case). Forms of older versions, and other outcomes, need nothing."""
    outcome = values.get("first_contact_outcome")
    if task.form_name != FORM:
        return {}, {}, None
    if outcome == "signpost" and values.get("signpost_reason"):
        definition = case.process_version.forms[FORM]
        key = values["signpost_reason"]
        chosen = next((r for r in reasons_not_taken(definition) if r["key"] == key), None)
        if chosen is not None:  # an older form's free text has no list to look in
            return {"signpost_reason_text": chosen["text"], "signpost_where": chosen["where"]}, {}, None
    if outcome == "duplicate" and values.get("duplicate_of"):
        return _duplicate(session, actor, case, values["duplicate_of"])
    return {}, {}, None


def _duplicate(session: Session, actor: User, case: Case, typed: str):
    reference = " ".join(str(typed).split()).upper()
    repeated = session.scalar(select(Case).where(Case.reference == reference))
    if repeated is None or not can_view_case(session, actor, repeated):
        return {}, {"duplicate_of": NOT_FOUND.format(reference=reference)}, None
    if repeated.id == case.id:
        return {}, {"duplicate_of": ITSELF}, None

    def link() -> None:
        session.add(CaseLink(case=case, linked_case=repeated, kind="duplicate_of", created_by_id=actor.id))
        case.outcome = DUPLICATE_OF.format(reference=reference)
        record_event(session, case, actor, "linked", f"Linked as a duplicate of {reference}")
        record_event(session, repeated, actor, "linked", f"{case.reference} was linked to this case as a "
                     "duplicate of it")
    return {"duplicate_of": reference}, {}, link


def links_of(session: Session, case: Case) -> list[tuple[str, Case]]:
    """Each case linked to this one, both ways, with the words the case page names it by."""
    out = [(LINK_KINDS[link.kind][0], link.linked_case) for link in session.scalars(
        select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.id))]
    return out + [(LINK_KINDS[link.kind][1], link.case) for link in session.scalars(
        select(CaseLink).where(CaseLink.linked_case_id == case.id).order_by(CaseLink.id))]
