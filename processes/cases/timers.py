"""Finding and firing due timers from the timer index, never by loading every case."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from models import Case, Incident, User, WaitingTimer
from processes.access import require
from processes.cases.runs import apply_run, diagram_of, run_engine
from processes.engine import Run, WorkflowEngine, engine_of
from processes.errors import Conflict, NotFound, ProcedureError
from processes.policy.settings import load_calendar
from processes.records.history import record_event

_OPEN_INCIDENT = exists().where(Incident.case_id == WaitingTimer.case_id, Incident.resolved_at.is_(None))


def due_case_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Cases with a timer due at `now` and no open incident, oldest due first."""
    query = (select(WaitingTimer.case_id).where(WaitingTimer.due_at <= now, ~_OPEN_INCIDENT)
             .group_by(WaitingTimer.case_id).order_by(func.min(WaitingTimer.due_at)).limit(limit))
    return list(session.scalars(query))


def next_due_at(session: Session) -> datetime | None:
    return session.scalar(select(func.min(WaitingTimer.due_at)).where(~_OPEN_INCIDENT))


def lock_case(session: Session, case_id: int) -> Case | None:
    """Lock a case row for this transaction; None if another worker holds it (PostgreSQL) or it is gone."""
    query = select(Case).where(Case.id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    return session.scalar(query)


def fire_due_timers(session: Session, now: datetime, engine: WorkflowEngine | None = None,
                    limit: int = 100, commit=None) -> tuple[int, list[str]]:
    """Fire due timers case by case; `commit` is called after each case so one failure loses nothing else.

    A case whose timer fails gets an incident for the CRO and is left alone until someone retries it.
    Returns how many cases were run on and the errors met.
    """
    fired, errors = 0, []
    for case_id in due_case_ids(session, now, limit):
        case = lock_case(session, case_id)
        if case is None:
            continue
        try:
            fire_case_timers(session, case, engine)
            fired += 1
        except ProcedureError as exc:  # raised before anything of the case changed
            session.add(Incident(case_id=case.id, error=str(exc)))
            record_event(session, case, None, "incident", f"A timer could not run: {exc}")
            session.flush()
            errors.append(f"{case.reference}: {exc}")
        if commit:
            commit()
    return fired, errors


def retry_incident(session: Session, actor: User, incident_id: int,
                   engine: WorkflowEngine | None = None) -> Case:
    """The CRO runs a failed case's timers again; the incident closes only if they now run."""
    require(actor, "retry_timers", "Only the Customer Relations Officer can retry a failed timer")
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("There is no such incident")
    if incident.resolved_at is not None:
        raise Conflict("This incident has already been dealt with")
    fire_case_timers(session, incident.case, engine)
    incident.resolved_at, incident.resolved_by_id = datetime.now(timezone.utc), actor.id
    record_event(session, incident.case, actor, "incident", f"{actor.name} retried the failed timer: it ran")
    session.flush()
    return incident.case


def open_incidents(session: Session) -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.id)))


def fire_case_timers(session: Session, case: Case, engine: WorkflowEngine | None = None) -> Run:
    """Fire whatever timers of one case are due and run it on; acts as the system."""
    calendar = load_calendar(session)
    now = datetime.now(timezone.utc)
    run = run_engine(lambda: (engine or engine_of(session)).fire_timers(case.workflow_state, calendar,
                                                                     diagram_of(case)))
    apply_run(session, case, run, None, calendar, because=_timers_fired(run, now))
    session.flush()
    return run


def _timers_fired(run: Run, now: datetime) -> str | None:
    """What moved the case on when its due timers fired: “the timer “Response deadline passed” moved the case
    on”."""
    names = [f"“{t.name}”" for t in run.timers_before if t.due_at <= now]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the timer{'s' if len(names) > 1 else ''} {listed} moved the case on"
