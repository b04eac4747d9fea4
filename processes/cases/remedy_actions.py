"""Remedies that need doing later: the stage 1 and stage 2 responses may promise up to five things with a date
each; they are tracked until an officer marks each done, and the customer is told.

As with the points (processes.cases.points), the task page shows the fields `promised_at` allows;
`complete_task` calls `read_remedy_actions` with what was posted and applies the change before the workflow
runs on, so the response it sends lists them with their dates."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import Case, Notification, ReadyTask, RemedyAction, User
from processes.access import CRO, can_view_case, require
from processes.errors import Conflict, InvalidInput, NotFound
from processes.messaging.messages import queue_customer_message, queue_officer_email, queue_staff_message
from processes.policy.calendar import LONDON, long_date
from processes.records.history import record_event
from processes.records.personal import TYPED
from processes.typed import date_from_parts

MAX_ACTIONS = 5
WHAT_LENGTH = 500
NOTE_LENGTH = 2000
# The forms whose stage may promise remedies for later: (form, stage) pairs.
PROMISED_AT = {("stage1_response", "stage1"), ("stage2_response", "stage2")}
PARTS = ("day", "month", "year")


def today() -> date:
    """Today as people in the council count it (UK time)."""
    return datetime.now(LONDON).date()


def promised_at(case: Case, task: ReadyTask) -> str | None:
    """The stage whose response this task is, if it may promise remedies for later."""
    if case.comment_type == "complaint" and (task.form_name, task.stage) in PROMISED_AT:
        return task.stage
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_remedy_actions(case: Case, task: ReadyTask, formdata: Mapping[str, Any]
                        ) -> tuple[Callable[[User], str | None] | None, dict[str, str], dict[str, str]]:
    """(the change to make once the whole form is valid, given the officer, returning the history line; the
    errors beside the fields; the values to show again)."""
    stage = promised_at(case, task)
    if stage is None:
        return None, {}, {}
    values, errors, promised = {}, {}, []
    for n in range(1, MAX_ACTIONS + 1):
        what, due = _one(n, formdata, values, errors)
        if what and due:
            promised.append((what, due))
    if errors:
        return None, errors, values

    def change(actor: User) -> str | None:
        for action in [a for a in case.remedy_actions if a.stage == stage and a.state == "open"]:
            case.remedy_actions.remove(action)  # promised again (the task repeated): the new list stands
        first = 1 + max((a.number for a in case.remedy_actions if a.stage == stage), default=0)
        for number, (what, due) in enumerate(promised, start=first):
            case.remedy_actions.append(RemedyAction(  # its state given: the response reads it before a flush
                stage=stage, number=number, what=what, due_on=due, state="open", responsible_id=actor.id,
                created_by_id=actor.id))
        return f"Remedies promised for later: {len(promised)}" if promised else None
    return change, {}, values


def _one(n: int, formdata: Mapping[str, Any], values: dict, errors: dict) -> tuple[str, date | None]:
    """One row's text and due date, with its errors; an empty row is no promise."""
    name, prefix = f"remedy-{n}", f"remedy-{n}-due"
    what = _text(formdata.get(name))
    parts = {part: _text(formdata.get(f"{prefix}-{part}")) for part in PARTS}
    values.update({name: what, **{f"{prefix}-{part}": v for part, v in parts.items()}})
    if not what and not any(parts.values()):
        return "", None
    if not what:
        errors[name] = f"Enter what we will do (thing {n})"
    elif len(what) > WHAT_LENGTH:
        errors[name] = f"Thing {n} must be {WHAT_LENGTH} characters or fewer"
    due = date_from_parts(parts["year"], parts["month"], parts["day"])
    if not any(parts.values()):
        errors[f"{prefix}-day"] = f"Enter the date we will do thing {n} by"
    elif due is None:
        errors[f"{prefix}-day"] = f"The date for thing {n} must be a real date, for example 8 1 2027"
    elif due < today():
        errors[f"{prefix}-day"] = f"The date for thing {n} must be today or in the future"
    return what, due


def get_remedy_action(session: Session, actor: User, action_id: int) -> RemedyAction:
    """A remedy action of a case the actor may see (the same answer for one that is not theirs to see)."""
    action = session.get(RemedyAction, action_id, options=[joinedload(RemedyAction.case)])
    if action is None or not can_view_case(session, actor, action.case):
        raise NotFound("There is no such remedy")
    return action


def mark_remedy_done(session: Session, actor: User, action_id: int, note: Any) -> RemedyAction:
    """Mark a promised remedy done with a note of what was done, and tell the customer; of two people
    marking the same one, the first wins and the other is told."""
    require(actor, "work_tasks", "Only officers who work on cases can mark a remedy done")
    action = get_remedy_action(session, actor, action_id)
    if action.state == "done":
        raise Conflict(_already(action))
    note = _text(note)
    if not note:
        raise InvalidInput({"note": "Enter what was done"}, {"note": note})
    if len(note) > NOTE_LENGTH:
        raise InvalidInput({"note": f"What was done must be {NOTE_LENGTH:,} characters or fewer"},
                           {"note": note})
    now = datetime.now(timezone.utc)
    marked = session.execute(update(RemedyAction).where(RemedyAction.id == action.id,
                                                        RemedyAction.state == "open")
                             .values(state="done", done_at=now, done_by_id=actor.id, done_note=note)
                             .execution_options(synchronize_session=False))
    session.refresh(action)
    if marked.rowcount != 1:  # another officer's mark was written in between
        raise Conflict(_already(action))
    case = action.case
    message = queue_customer_message(session, case, "remedy_done", {
        "what": action.what or "", "note": note, "due_label": long_date(action.due_on),
        "done_label": long_date(now.astimezone(LONDON).date())}, actor.name)
    session.flush()
    action.message_id = message.id
    record_event(session, case, actor, "remedy_done",
                 f"{actor.name} marked promised remedy {action.number} ({_stage(action)}) done",
                 {"remedy_action": action.id, TYPED: {"note": note}})
    how = {"email": "emailed", "letter": "a letter to post",
           "none": "not sent: the customer left no contact details"}[message.channel]
    record_event(session, case, None, "message", f"Message to the customer, {how}: {message.subject}")
    session.flush()
    return action


def _already(action: RemedyAction) -> str:
    who = action.done_by.name if action.done_by else "Someone"
    when = action.done_at.astimezone(LONDON).strftime("%-d %B %Y") if action.done_at else ""
    return f"{who} marked this remedy done on {when}. Nothing you entered was saved"


def _stage(action: RemedyAction) -> str:
    return {"stage1": "stage 1", "stage2": "stage 2"}.get(action.stage, action.stage)


def open_remedy_actions(session: Session, actor: User) -> list[RemedyAction]:
    """Every remedy promised and not yet done, soonest due (so overdue) first: the CRO's list."""
    require(actor, "track_remedies", "Only the Customer Relations Officer sees every promised remedy")
    query = (select(RemedyAction).where(RemedyAction.state == "open")
             .options(joinedload(RemedyAction.case), joinedload(RemedyAction.responsible))
             .order_by(RemedyAction.due_on, RemedyAction.id))
    return list(session.scalars(query))


def notify_overdue_remedy_actions(session: Session, now: datetime) -> int:
    """Once for each remedy past its due date and not done: the officer responsible is emailed and the CRO
    notified (a notification and an email). Run by the timer worker; acts as the system."""
    cutoff = now.astimezone(LONDON).date()  # a date passes at midnight at its end, UK time
    due = session.scalars(select(RemedyAction)
                          .where(RemedyAction.state == "open", RemedyAction.due_on < cutoff,
                                 RemedyAction.overdue_notified_at.is_(None))
                          .options(joinedload(RemedyAction.case), joinedload(RemedyAction.responsible))
                          .order_by(RemedyAction.due_on, RemedyAction.id))
    count = 0
    for action in due:
        action.overdue_notified_at = now
        message = (f"Promised remedy {action.number} ({_stage(action)}) was due by "
                   f"{long_date(action.due_on)} and is not marked done")
        session.add(Notification(case_id=action.case_id, role=CRO, message=message))
        queue_staff_message(session, CRO, "staff_notification", {"message": message}, action.case)
        if action.responsible is not None and action.responsible.active:
            queue_officer_email(session, action.responsible, "staff_notification", {"message": message},
                                action.case)
        told = f" and {action.responsible.name}" if action.responsible else ""
        record_event(session, action.case, None, "notified", f"Told the customer relations officer{told}: "
                     f"{message}")
        count += 1
    session.flush()
    return count
