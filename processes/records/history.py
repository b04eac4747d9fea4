"""The history writer: a line in a case's history and the same in the audit trail.

A line names the case, the people and what was done, never the customer's details or words: the audit trail
keeps it for ever, and anonymisation cannot reach it there. What a person typed goes in the line's details
under `TYPED`, which anonymisation erases."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import Case, CaseEvent, User
from processes.records.audit import audit
from processes.records.personal import personal_values, without_personal


def record_event(session: Session, case: Case, actor: User | None, kind: str, summary: str,
                 details: dict[str, Any] | None = None, task_id: int | None = None) -> None:
    """A line in the case's history (about the task `task_id`, if given), and the same in the audit trail."""
    summary = without_personal(summary, personal_values(case))  # the line officers read: the same check
    # Through the backref, so a long history is not loaded just to add a line to it.
    session.add(CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, summary=summary,
                          details=details, task_id=task_id))
    who = actor or ("customer" if kind in ("submitted", "review_requested", "withdrawn")
                    and not case.recorded_by_id
                    else "system")
    audit_case(session, who, f"case {kind}", summary, case)


def audit_case(session: Session, actor: User | str | None, action: str, detail: str, case: Case) -> None:
    """An audit entry about a case, by its reference, with any of the customer's details that a template or a
    name brought into `detail` replaced by what they are."""
    audit(session, actor, action, without_personal(detail, personal_values(case)), case.reference)
