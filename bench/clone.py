"""Make many cases quickly for worker tests and benchmarks: one real case, copied row by row.

The first case is made through the real operations; the copies share its workflow state (each copy
is an independent case with its own rows), which is what a thousand cases of the same age look like.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import time_machine
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from models import Case, ReadyTask, ReferenceCounter, WaitingTimer
from processes.cases.submission import submit_comment

DETAILS = {"comment_type": "query", "service_area": "housing", "comment": "When is my repair?",
           "customer_name": "Copy"}


def clone_cases(session: Session, count: int, received_at: datetime,
                details: dict | None = None) -> list[int]:
    """`count` open cases received at `received_at` (their timers fall due as that case's would)."""
    with time_machine.travel(received_at, tick=False):
        case = submit_comment(session, None, details or DETAILS, "web", received_at)
        session.flush()
    columns = [c for c in Case.__table__.columns if c.name not in ("id", "reference")]
    source = session.execute(select(*columns).where(Case.id == case.id)).one()._asdict()
    timers = [r._asdict() for r in session.execute(
        select(*[c for c in WaitingTimer.__table__.columns if c.name != "id"])
        .where(WaitingTimer.case_id == case.id))]
    tasks = [r._asdict() for r in session.execute(
        select(*[c for c in ReadyTask.__table__.columns if c.name != "id"])
        .where(ReadyTask.case_id == case.id))]
    year = received_at.astimezone(timezone.utc).year
    counter = session.get(ReferenceCounter, year, populate_existing=True)
    start = counter.last
    rows = [{**source, "reference": f"CC-{year}-{start + i + 1:06d}",
             "status_token": secrets.token_urlsafe(24)}
            for i in range(count - 1)]
    counter.last = start + count - 1
    if rows:
        session.execute(insert(Case), rows)
    ids = [case.id] + list(session.scalars(select(Case.id).where(Case.id > case.id).order_by(Case.id)))
    for table, template in ((WaitingTimer, timers), (ReadyTask, tasks)):
        copies = [{**row, "case_id": case_id} for case_id in ids[1:] for row in template]
        if copies:
            session.execute(insert(table), copies)
    session.flush()
    return ids


def count_due(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count(WaitingTimer.id)).where(WaitingTimer.due_at <= now))
