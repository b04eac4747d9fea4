"""Writing an engine run into the case: its state, history, stage, reporting rows, messages and indexes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.orm import Session

from models import Case, Notification, User
from models.user import role_for_lane
from processes.cases.indexes import add_tasks, add_timers, change_timers, remove_tasks
from processes.cases.promises import holder_of
from processes.engine import Run, WorkflowError
from processes.errors import ProcedureError
from processes.messaging.messages import queue_customer_message, queue_new_task_emails, queue_staff_message
from processes.policy.calendar import WorkingCalendar
from processes.policy.settings import load_calendar
from processes.records.history import record_event
from processes.reporting import facts


def _now() -> datetime:
    return datetime.now(timezone.utc)


def run_engine(step) -> Run:
    try:
        return step()
    except WorkflowError as exc:
        raise ProcedureError(f"The process could not continue: {exc}") from exc


def diagram_of(case: Case) -> Callable[[], bytes]:
    """The diagram of the version a case runs on, for the engine to load only if it has not parsed it yet."""
    return lambda: case.process_version.bpmn_xml


def apply_run(session: Session, case: Case, run: Run, actor: User | None,
              calendar: WorkingCalendar | None = None, new_case: bool = False, *, because: str | None = None,
              completed_id: int | None = None) -> None:
    """Save the engine's new state and bring the task and timer indexes into step with it.

    The indexes are changed by the difference between what was ready and waiting before the run and after it,
    not read back. Rows are removed after the case row is written: every writer (the timer worker locks it
    first) takes the case row's lock before the index rows', so two of them cannot deadlock.
    `new_case`: the case was made in this transaction, so it has no stage rows to look up yet. Its row may not
    be written yet either: the rows made here name it by relationship, and one flush writes them all.
    `because` says why tasks other than the one completed (`completed_id`) closed, in the history of each."""
    new_tasks, timers_to_change = _record_run(session, case, run, actor, new_case)
    still_ready = {t.task_id for t in run.ready}
    gone = [uuid for uuid in run.ready_before if uuid not in still_ready]
    if new_tasks or gone or timers_to_change or run.notifications or case.id is None:
        session.flush()  # the case row first; new tasks get their ids
    remove_tasks(session, case, gone, new_tasks, actor, because or "the process moved on", completed_id)
    change_timers(session, case, timers_to_change)
    _tell_staff(session, case, run, new_tasks, calendar)
    if run.finished:
        case.status, case.closed_at, case.outcome, case.stage = "closed", _now(), run.end_name, "closed"
        record_event(session, case, actor, "closed", f"Case closed: {run.end_name or 'finished'}")


DROPPED = "not sent, the deadline it warned of had passed"  # a stale reminder's line


def _record_run(session: Session, case: Case, run: Run, actor: User | None, new_case: bool):
    """What is written before the flush, in order: the state, the steps' history, the new tasks, the stage
    (so the case row is written once), the reporting rows, the new timers, notifications and messages.
    Returns the new tasks and the timers to change once the case row is written."""
    case.workflow_state = run.state
    case.awaiting_messages = list(run.messages)
    for bpmn_id, name, kind in run.steps:
        summary = f"{name}: {DROPPED}" if kind == "timer dropped" else name
        record_event(session, case, None, kind, summary, {"element": bpmn_id})
    new_tasks = add_tasks(session, case, run)
    if (stage := _stage_of(run)) is not None:
        case.stage = stage
    facts.record_tasks_ready(session, case, new_tasks, new_case)  # reporting: deadlines of the stage
    stages = {t.properties.get("stage") or "response" for t in run.ready}
    facts.record_promised_dues(session, case, run.dues, stages, new_case)  # what the customer is told
    timers_to_change = add_timers(session, case, run)
    for role, message in run.notifications:
        session.add(Notification(case=case, role=role, message=message))
        record_event(session, case, None, "notified", f"Told the {role.replace('_', ' ')}: {message}")
    _send_to_customer(session, case, run, actor)
    return new_tasks, timers_to_change


def _send_to_customer(session: Session, case: Case, run: Run, actor: User | None) -> None:
    """The run's send tasks as messages to the customer, each with its line in the history."""
    holder = holder_of([(role_for_lane(t.lane), t.properties.get("stage")) for t in run.ready])  # who has it
    for template, data in run.sends:
        sent = queue_customer_message(session, case, template, data, actor.name if actor else None, holder)
        how = {"email": "emailed", "letter": "a letter to post",
               "none": "not sent: the customer left no contact details"}[sent.channel]
        record_event(session, case, None, "message", f"Message to the customer, {how}: {sent.subject}")


def _tell_staff(session: Session, case: Case, run: Run, new_tasks, calendar: WorkingCalendar | None) -> None:
    """Emails to the roles the run notified and to the teams of its new unclaimed tasks."""
    for role, message in run.notifications:
        queue_staff_message(session, role, "staff_notification", {"message": message}, case)
    if new_tasks:
        calendar = calendar or load_calendar(session)
        for task in new_tasks:
            if task.assigned_to_id is None:
                due = calendar.due_label(task.due_at) if task.due_at else ""
                queue_new_task_emails(session, case, task.role, task.name, task.id, due)


def _stage_of(run: Run) -> str | None:
    """The stage key (stage1, stage2) of the case's first ready task that has one."""
    return next((t.properties["stage"] for t in run.ready if t.properties.get("stage")), None)
