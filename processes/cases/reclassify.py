"""The CRO reclassifying a case: another service area (the case and its open tasks move), or another type (a
linked new case on that type's process with the same details; this one closes as re-recorded)."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import Attachment, Case, CaseStage, ReadyTask, User
from models.case import COMMENT_TYPES
from processes.access import require
from processes.cases.representatives import checked_of, new_representative, record_representative_line
from processes.cases.runs import apply_run, diagram_of
from processes.cases.submission import CASE_FIELDS, submit_comment
from processes.engine import WorkflowEngine, engine_of
from processes.errors import Conflict, InvalidInput
from processes.records.history import record_event


def _check_open(actor: User, case: Case) -> None:
    require(actor, "act_on_cases", "Only the Customer Relations Officer can reclassify a case")
    if case.status != "open":
        raise Conflict("This case is closed: reopen it first if it needs reclassifying")


def move_service_area(session: Session, actor: User, case: Case, area: str | None,
                      areas: Mapping[str, str]) -> None:
    """The case, its open tasks and its reporting rows move to `area`: its officers see it from now on. Its
    category belonged to the old area, so it is cleared for the new area's to be chosen."""
    _check_open(actor, case)
    if area not in areas:
        raise InvalidInput({"new_area": "Select the service area the comment is about"})
    if area == case.service_area:
        raise InvalidInput({"new_area": f"This case is already about {areas[area]}"})
    old = case.service_area
    case.service_area, case.category = area, None
    for table in (ReadyTask, CaseStage):  # team lists and reports filter on their own copy of the area
        session.execute(update(table).where(table.case_id == case.id).values(service_area=area)
                        .execution_options(synchronize_session=False))
    record_event(session, case, actor, "reclassified",
                 f"{actor.name} moved the case from {areas.get(old, old)} to {areas[area]}",
                 {"from_area": old, "to_area": area})
    session.flush()


def _a(type_key: str) -> str:
    label = COMMENT_TYPES[type_key].lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def rerecord_as(session: Session, actor: User, case: Case, new_type: str | None,
                engine: WorkflowEngine | None = None) -> Case:
    """A new case of `new_type` with this one's details and acting representatives, received when this one
    was, its attachments by reference (the same stored files); this one closes as "Re-recorded as <type>
    <new reference>"."""
    _check_open(actor, case)
    if new_type not in COMMENT_TYPES:
        raise InvalidInput({"new_type": "Select the type the comment should be"})
    if new_type == case.comment_type:
        raise InvalidInput({"new_type": f"This case is already {_a(new_type)}"})
    # The representatives acting now, with the consent the customer gave: the first goes in with the details,
    # so that the new case's first messages go where that consent says; any others follow.
    acting = [checked_of(r) for r in case.representatives if r.ended is None]
    details = {**{name: getattr(case, name) for name in CASE_FIELDS}, "comment_type": new_type,
               "representative": acting[0] if acting else None}
    new = submit_comment(session, actor, details, case.channel, case.received_at, engine)
    for checked in acting[1:]:
        new.representatives.append(new_representative(actor, checked))
        record_representative_line(session, new, actor, checked)
    new.rerecorded_from = case
    for a in case.attachments:
        session.add(Attachment(case=new, sha256=a.sha256, original_name=a.original_name, kind=a.kind,
                               mime=a.mime, size=a.size, scan_state=a.scan_state,
                               uploaded_by_id=a.uploaded_by_id, uploaded_at=a.uploaded_at))
    record_event(session, new, actor, "rerecorded_from",
                 f"{actor.name} re-recorded {_a(case.comment_type)} {case.reference} as this "
                 f"{COMMENT_TYPES[new_type].lower()}", {"from_case": case.reference})
    run = (engine or engine_of(session)).cancel(case.workflow_state, diagram_of(case))
    run.end_name = f"Re-recorded as {COMMENT_TYPES[new_type].lower()} {new.reference}"
    record_event(session, case, actor, "rerecorded",
                 f"{actor.name} re-recorded the case as {_a(new_type)}: {new.reference}",
                 {"to_case": new.reference, "to_type": new_type})
    apply_run(session, case, run, actor, because=f"the case was re-recorded as {new.reference}")
    session.flush()
    return new
