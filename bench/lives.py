"""Case lives run through the real operations with time travel, for the data generator to copy.

Each life is one comment: submitted on a working day, then worked step by step, each step some working
days after the last, with the case's own due timers fired first (so a late response goes to the senior
officer, as it would). Choices (outcome, lateness, extension, stage 2) are drawn from `rng`.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from models import POINT_OUTCOMES, Case, ReadyTask, User, WaitingTimer
from processes.errors import ProcedureError
from processes.policy.settings import load_calendar
from processes.cases.points import overall_outcome, point_step
from processes.cases.extension import EXTENSION_MESSAGE, agree_extension, extension_days_left
from processes.cases.tasks import complete_task
from processes.cases.timers import fire_case_timers
from processes.cases.submission import submit_comment

TYPES = ["complaint"] * 5 + ["compliment"] * 2 + ["query"] * 2 + ["suggestion"]
CHANNELS = ["web"] * 4 + ["phone"] * 3 + ["email"] * 2 + ["letter", "in_person"]
AREAS = ["waste", "council_tax", "housing", "planning", "parks", "environmental_health", "licensing",
         "customer_services", "other"]
REMEDIES = ["apology", "explanation", "action", "changed_decision", "corrected_record", "financial",
            "changed_policy"]
# Working days after the previous step that each kind of task is done (some beyond their deadlines).
DELAYS = {"first_contact": [0, 0, 1], "acknowledgement": [1, 1, 2, 2, 3, 4, 6],
          "stage1_response": [2, 3, 4, 5, 6, 9], "stage2_response": [3, 5, 7, 9, 12],
          "customer_reply": [2, 5, 10], "query_answer": [1, 3, 5, 8, 11],
          "suggestion_decision": [2, 5, 9, 12], "compliment_pass_on": [0, 1, 2, 4, 6]}


def _values(rng: random.Random, form: str) -> dict:
    """Form answers a real officer might give."""
    if form == "first_contact":
        outcome = rng.choices(["formal", "resolved", "signpost", "service_request"], [15, 4, 1, 1])[0]
        values = {"first_contact_outcome": outcome, "first_contact_notes": "Generated",
                  "signpost_reason": "planning_appeal" if outcome == "signpost" else ""}
        if outcome == "resolved":  # what the customer said, and what was agreed (quoted to them if satisfied)
            values.update(first_contact_satisfied=rng.choices(["yes", "no"], [9, 1])[0],
                          first_contact_told_by=rng.choice(["phone", "email", "letter"]),
                          first_contact_agreed="Put right there and then")
        if outcome == "service_request":
            values["service_request_note"] = "Passed to the service to arrange"
        return values
    if form == "acknowledgement":
        return {"ack_method": rng.choice(["email", "letter", "phone"])}
    if form in ("stage1_response", "stage2_response"):
        stage = form.split("_")[0]
        outcome = rng.choice(["upheld", "partly_upheld", "not_upheld"])
        remedies = rng.sample(REMEDIES, rng.randint(1, 2)) if outcome != "not_upheld" else []
        return {f"{stage}_outcome": outcome, f"{stage}_findings": "Generated", f"{stage}_remedies": remedies,
                f"{stage}_financial_amount": (str(rng.choice([25, 50, 100, 250])) if "financial" in remedies
                                              else ""),
                f"{stage}_method": "email"}
    if form == "customer_reply":
        return {"customer_reply": rng.choices(["satisfied", "stage2"], [3, 1])[0]}
    if form == "query_answer":
        return {"query_answer": "Generated", "query_answer_method": "email"}
    if form == "suggestion_decision":
        return {"suggestion_decision": rng.choice(["adopted", "not_adopted", "later"]),
                "suggestion_reason": "Generated"}
    return {"staff_named": "", "passed_on_notes": "Generated"}


def _at(calendar, day: date, rng: random.Random) -> datetime:
    """A working-day moment between 9am and 4pm UK time."""
    return datetime.combine(day, time(9 + rng.randint(0, 6), rng.randint(0, 59)),
                            calendar.tz).astimezone(timezone.utc)


class Life:
    """One case from submission to closure (or to `stop_after` steps)."""

    def __init__(self, session: Session, rng: random.Random, staff: dict[str, list[User]]):
        self.session, self.rng, self.staff = session, rng, staff
        self.calendar = load_calendar(session)

    def run(self, received: datetime, stop_after: int | None, not_after: datetime) -> Case:
        rng, when = self.rng, received
        details = {"comment_type": rng.choice(TYPES), "service_area": rng.choice(AREAS),
                   "comment": "Generated comment", "customer_name": "Generated",
                   "customer_email": "gen@example.org"}
        channel = rng.choice(CHANNELS)
        with time_machine.travel(when, tick=False):
            case = submit_comment(self.session,
                                  None if channel == "web" else self.staff["front_line_officer"][0],
                                  details, channel, when)
            self.session.commit()
        steps = 0
        while case.status == "open" and (stop_after is None or steps < stop_after):
            task = self._next_task(case)
            if task is None:
                break
            when = _at(self.calendar,
                       self.calendar.add_working_days(when, rng.choice(DELAYS[task.form_name])), rng)
            if when > not_after:  # never work a case in the future
                break
            with time_machine.travel(when, tick=False):
                self._step(case, task.form_name, when)
            steps += 1
        return case

    def _next_task(self, case: Case) -> ReadyTask | None:
        self.session.refresh(case)
        return next((t for t in case.ready_tasks if t.form_name in DELAYS), None)

    def _step(self, case: Case, form: str, when: datetime) -> None:
        due = self.session.scalar(select(WaitingTimer.id).where(WaitingTimer.case_id == case.id,
                                                                WaitingTimer.due_at <= when).limit(1))
        if due:
            fire_case_timers(self.session, case)
            self.session.commit()
        if form.endswith("_response") and self.rng.random() < 0.2 and case.awaits(EXTENSION_MESSAGE):
            self._extend(case)
        task = self._next_task(case)
        if task is not None:
            self._complete(case, task)

    def _extend(self, case: Case) -> None:
        stage = next((t.stage for t in case.ready_tasks if t.stage), None)
        left = extension_days_left(self.session, case, stage)
        if left:
            agree_extension(self.session, self.staff["customer_relations_officer"][0], case,
                            self.rng.randint(1, left), "More time is needed to investigate")
            self.session.commit()

    def _complete(self, case: Case, task: ReadyTask) -> None:
        values = MultiDict()
        for key, value in _values(self.rng, task.form_name).items():
            for item in value if isinstance(value, list) else [value]:
                values.add(key, item)
        step = point_step(case, task)  # a complaint's points: recorded at acknowledgement, answered after
        if step.kind == "record" and step.earlier:  # a review: stage 1 points still disputed, and new ones
            for point in step.earlier:
                values.add(f"carry-{point.number}", "yes")
                values.add(f"carry-{point.number}-text", point.text)
            if self.rng.random() < 0.3:
                values.add("new-point-1", "Nobody called back as the stage 1 response promised")
        elif step.kind == "record":
            values.add("point-1", "The bin was not collected on the day it was due")
        if step.kind == "answer":  # each point its outcome; the overall outcome follows from them
            outcomes = [self.rng.choice(list(POINT_OUTCOMES)) for _ in step.points]
            for point, outcome in zip(step.points, outcomes):
                values.add(f"point-{point.number}-outcome", outcome)
                values.add(f"point-{point.number}-reasons", "Generated")
            overall = overall_outcome(outcomes)
            values.setlist(step.outcome_field, [overall])
            if overall == "not_upheld":  # nothing to put right
                values.setlist(f"{task.stage}_remedies", [])
                values.setlist(f"{task.stage}_financial_amount", [""])
        refused: ProcedureError | None = None
        for officer in self.staff.get(task.role, []):  # a second officer when the first handled stage 1
            try:
                complete_task(self.session, officer, task.id, values, None)
                self.session.commit()
                return
            except ProcedureError as error:
                self.session.rollback()
                refused = error
        raise RuntimeError(f"nobody could complete {task.name} on {case.reference}: {refused} "
                           f"{getattr(refused, 'errors', '')}")


def _staff(session: Session) -> dict[str, list[User]]:
    staff: dict[str, list[User]] = {}
    for user in session.scalars(select(User).order_by(User.id)):
        for role in (r.role for r in user.roles):
            staff.setdefault(role, []).append(user)
    return staff


def live_pool(session: Session, rng: random.Random, closed: int, open_: int, first: date, until: date,
              progress) -> tuple[list[int], list[int]]:
    """Run `closed` lives to the end over the two years, then `open_` recent ones left part-way."""
    life, calendar = Life(session, rng, _staff(session)), load_calendar(session)
    closed_ids, open_ids = [], []
    span = (until - first).days - 100  # leave room for the last lives to finish before `until`
    for i in range(closed + open_):
        recent = i >= closed
        start = (until - timedelta(days=rng.randint(5, 42)) if recent
                 else first + timedelta(days=rng.randint(0, span)))
        received = _at(calendar, calendar.day_zero(datetime.combine(start, time(9), calendar.tz)), rng)
        not_after = datetime.combine(until, time(0), calendar.tz).astimezone(timezone.utc)
        case = life.run(received, rng.randint(0, 3) if recent else None, not_after)
        (open_ids if case.status == "open" else closed_ids).append(case.id)
        progress.update()
    return closed_ids, open_ids
