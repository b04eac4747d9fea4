"""Finding and firing due timers from the timer index, never by loading every case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, WaitingTimer

from .engine import WorkflowEngine
from .errors import ProcedureError
from .procedure import fire_case_timers


def due_case_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Cases with a timer due at `now`, oldest due first."""
    query = (select(WaitingTimer.case_id).where(WaitingTimer.due_at <= now)
             .group_by(WaitingTimer.case_id).order_by(func.min(WaitingTimer.due_at)).limit(limit))
    return list(session.scalars(query))


def next_due_at(session: Session) -> datetime | None:
    return session.scalar(select(func.min(WaitingTimer.due_at)))


def lock_case(session: Session, case_id: int) -> Case | None:
    """Lock a case row for this transaction; None if another worker holds it (PostgreSQL) or it is gone."""
    query = select(Case).where(Case.id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    return session.scalar(query)


def fire_due_timers(session: Session, now: datetime, engine: WorkflowEngine | None = None,
                    limit: int = 100, commit=None) -> tuple[int, list[str]]:
    """Fire due timers case by case; `commit` is called after each case so one failure loses nothing else.

    Returns how many cases were run on and the errors met (a failing case is left for the CRO to see).
    """
    fired, errors = 0, []
    for case_id in due_case_ids(session, now, limit):
        case = lock_case(session, case_id)
        if case is None:
            continue
        try:
            fire_case_timers(session, case, engine)
        except ProcedureError as exc:  # raised before anything changed: the case waits for the CRO
            errors.append(f"{case_id}: {exc}")
            continue
        fired += 1
        if commit:
            commit()
    return fired, errors
