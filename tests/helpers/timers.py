"""Time travel over a case's timers: fire what is due, read the waiting timers, the notifications and the
customer's messages of a case."""
from contextlib import nullcontext
from datetime import datetime, timezone

import time_machine

from sqlalchemy import select

from app.worker import TimerWorker
from models import Case, Notification, OutboxMessage, WaitingTimer
from processes.cases.timers import fire_due_timers

from .cases import at
from .journeys import complete, submit_online, tasks_of

UTC = timezone.utc


def worker_turn(app, moment: datetime | None = None, **settings) -> list[str]:
    """One turn of the timer worker (TimerWorker.run_once, every step) in `app`, at `moment` if given (time
    travel), with its SQLite lock let go afterwards; returns what it logged."""
    logged: list[str] = []
    with time_machine.travel(moment, tick=False) if moment else nullcontext(), app.app_context():
        worker = TimerWorker(60, log=logged.append, **settings)
        try:
            worker.run_once()
        finally:
            worker.release()
    return logged


def fire(db):
    return fire_due_timers(db, datetime.now(UTC), commit=db.commit)


def timers(db, reference):
    case = db.scalar(select(Case).filter_by(reference=reference))
    return {t.bpmn_id: t.due_at for t in db.scalars(select(WaitingTimer).filter_by(case_id=case.id))}


def notes(db, reference):
    case = db.scalar(select(Case).filter_by(reference=reference))
    return [n.message
            for n in db.scalars(select(Notification).filter_by(case_id=case.id).order_by(Notification.id))]


def formal_complaint(db, login_as, when=(2026, 3, 2, 9)):
    """A complaint received on Monday 2 March 2026 and taken into formal stage 1."""
    with at(*when):
        reference = submit_online(login_as("frontline"))
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    return reference


def customer_subjects(db, reference):
    """The subjects of the messages to the customer of a case, oldest first."""
    case = db.scalar(select(Case).filter_by(reference=reference))
    messages = (select(OutboxMessage).filter_by(case_id=case.id, audience="customer")
                .order_by(OutboxMessage.id))
    return [m.subject for m in db.scalars(messages)]
