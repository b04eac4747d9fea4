"""The CRO assigning a task to a named officer: one of the task's role who may see the case."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Case, ReadyTask, User, UserRole
from models.case import STAGES
from processes.access import can_view_case, require
from processes.cases.tasks import TASK_GONE, get_task, may_review
from processes.errors import Conflict, InvalidInput, NotFound
from processes.messaging.messages import queue_officer_email, site_of
from processes.policy.settings import load_calendar
from processes.records.history import record_event

PICK = "Select the officer to assign this task to"


def assignable_officers(session: Session, task: ReadyTask) -> list[User]:
    """The active officers of the task's role who may see its case and may do it (for a stage 2 review, none
    who handled stage 1, and only those of a higher grade)."""
    members = session.scalars(select(User).join(UserRole).where(UserRole.role == task.role,
                                                                User.active.is_(True)).order_by(User.name))
    return [u for u in members if can_view_case(session, u, task.case) and may_review(session, u, task)]


def assign_task(session: Session, actor: User, case: Case, ready_task_id: int, officer_id: int | None,
                seen_assignee_id: int | None) -> ReadyTask:
    """Give the task to the officer, if it is still with whoever the CRO saw it with (`seen_assignee_id`):
    of two CROs assigning at once, the first wins and the other is told. The officer is emailed."""
    require(actor, "act_on_cases", "Only the Customer Relations Officer can assign a task")
    task = get_task(session, ready_task_id)
    if task.case_id != case.id:
        raise NotFound(TASK_GONE)
    officer = next((u for u in assignable_officers(session, task) if u.id == officer_id), None)
    if officer is None:
        raise InvalidInput({"officer": PICK if officer_id is None else
                            "Select an officer of this task's team who may see the case"})
    if officer.id == task.assigned_to_id:
        raise Conflict(f"This task is already assigned to {officer.name}")
    was = ReadyTask.assigned_to_id.is_(None) if seen_assignee_id is None \
        else ReadyTask.assigned_to_id == seen_assignee_id
    moved = session.execute(update(ReadyTask).where(ReadyTask.id == task.id, was)
                            .values(assigned_to_id=officer.id).execution_options(synchronize_session=False))
    session.refresh(task)
    if moved.rowcount != 1:
        now_with = task.assigned_to.name if task.assigned_to else "the team"
        raise Conflict(f"Someone else assigned this task while you were choosing: it is now with {now_with}. "
                       "Nothing was changed")
    stage = f" ({STAGES[task.stage]})" if task.stage in STAGES else ""
    record_event(session, task.case, actor, "assigned",
                 f"{actor.name} assigned “{task.name}”{stage} to {officer.name}",
                 {"officer_id": officer.id, "task": task.name}, task_id=task.id)
    due = load_calendar(session).due_label(task.due_at) if task.due_at else ""
    queue_officer_email(session, officer, "staff_assigned_task", {
        "task": task.name, "due": due, "task_url": f"{site_of(session).url}/tasks/{task.id}"}, task.case)
    session.flush()
    return task
