"""Cases made through the real operations (processes.procedure), for tests where a journey is not the point.
Each step commits, as its request would (inside the test's rolled-back transaction)."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

import time_machine
from werkzeug.datastructures import MultiDict

from models import Case, User
from processes.cases.extension import agree_extension
from processes.cases.submission import submit_comment
from processes.cases.tasks import complete_task
from processes.cases.timers import fire_due_timers

from .points import for_the_task

UTC = timezone.utc

# Answers that move each shipped task on, for walking a case to the step a test is about.
ANSWERS = {
    "first_contact": ("frontline", {"first_contact_outcome": "formal", "first_contact_notes": "Formal."}),
    "acknowledge_stage1": ("investigator", {"ack_method": "email"}),
    "respond_stage1": ("investigator", {"stage1_outcome": "upheld", "stage1_findings": "Missed.",
                                        "stage1_method": "email"}),
    "record_customer_reply": ("cro", {"customer_reply": "stage2"}),
    "acknowledge_stage2": ("senior", {"ack_method": "email"}),
}

# A resolution at first contact that the customer accepts: the case closes and they are sent a confirmation.
SATISFIED = {"first_contact_outcome": "resolved", "first_contact_satisfied": "yes",
             "first_contact_told_by": "phone", "first_contact_agreed": "A new bin this week."}


def at(*when):
    """Travel to a moment (year, month, day, hour...) in UTC, the clock standing still."""
    return time_machine.travel(datetime(*when, tzinfo=UTC), tick=False)


class CaseFactory:
    """Submit and work cases as the demo users, each step (optionally) at its own moment."""

    def __init__(self, db, users):
        self.db, self.users = db, users

    def submit(self, when=None, comment_type="complaint", area="waste", channel="phone", **details) -> Case:
        with at(*when) if when else nullcontext():
            details = {"comment_type": comment_type, "service_area": area, "comment": "Hand-built case",
                       "customer_name": "Jo Bloggs", "customer_email": "jo@example.com", **details}
            case = submit_comment(self.db, self.users["frontline"], details, channel, datetime.now(UTC))
            self.db.commit()  # as the request would: pages the test opens next see it
        return case

    def do(self, when, case, who, bpmn_id, **values) -> Case:
        with at(*when) if when else nullcontext():
            fire_due_timers(self.db, datetime.now(UTC), commit=self.db.flush)
            task = self.task(case, bpmn_id)
            values.update(for_the_task(task.case, task, values))
            complete_task(self.db, self.users[who], task.id, MultiDict(values), None)
            self.db.commit()  # as the request would: pages the test opens next see it
        return case

    def task(self, case: Case, bpmn_id: str):
        """The case's ready task of that BPMN id."""
        return next(t for t in self.fresh(case).ready_tasks if t.bpmn_id == bpmn_id)

    def fresh(self, case: Case) -> Case:
        """The case as it now stands (a request the test made since may have ended the session it came
        from)."""
        case = self.db.get(Case, case.id)
        self.db.refresh(case)
        return case

    def walk(self, case: Case, *bpmn_ids: str) -> Case:
        """Complete these tasks in turn with the usual answers (ANSWERS)."""
        for bpmn_id in bpmn_ids:
            who, values = ANSWERS[bpmn_id]
            self.do(None, case, who, bpmn_id, **values)
        return case

    def extend(self, when, case, days) -> None:
        with at(*when) if when else nullcontext():
            agree_extension(self.db, self.users["cro"], case, days, "Waiting for the contractor's records")
            self.db.commit()  # as the request would: pages the test opens next see it


COMPLAINT = {"comment_type": "complaint", "service_area": "waste", "comment": "The bin was missed again.",
             "customer_name": "Jo Bloggs", "customer_email": "jo@example.com", "preferred_contact": "email"}


def record_case(session, actor: User | None, received_at: datetime | None = None, **details) -> Case:
    """A complaint recorded by phone through the real operation, received five minutes ago unless told;
    committed, as its request would (inside the test's rolled-back transaction)."""
    received_at = received_at or datetime.now(timezone.utc) - timedelta(minutes=5)
    case = submit_comment(session, actor, {**COMPLAINT, **details}, "phone", received_at)
    session.commit()
    return case
