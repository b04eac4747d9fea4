"""Read-side queries for task lists and case lists, answered from the indexes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import Case, CaseEvent, Incident, Notification, OutboxMessage, ReadyTask, User
from processes.access import may, my_areas, visible_cases
from processes.cases.customer import REVIEW_MESSAGE
from processes.paging import COUNT_UP_TO, PAGE_SIZE, Page


def _count(session: Session, where: list, up_to: int) -> int:
    """How many tasks match, counting no further than `up_to` + 1 (the index entries, not the tasks)."""
    return session.scalar(select(func.count()).select_from(select(literal(1)).where(*where).limit(up_to + 1)
                                                           .subquery()))


def _task_page(session: Session, where: list, number: int) -> Page:
    # `where` names ReadyTask columns only, so the counts are answered from an index without the cases.
    """One page of tasks, soonest due first, then those without a due date: two index-ordered queries rather
    than one sort, and a count that stops at COUNT_UP_TO, so a page costs the same with 100 open tasks or
    100,000."""
    # The cases of the page's rows come in a second query by id: joined here, PostgreSQL would rather scan
    # them all.
    base = (select(ReadyTask).where(*where)
            .options(selectinload(ReadyTask.case).load_only(Case.reference, Case.comment_type,
                                                            Case.customer_name)))
    number = max(1, number)
    bound = max(COUNT_UP_TO, number * PAGE_SIZE)
    total = _count(session, where, bound)
    more = total > bound
    total = min(total, bound)
    if not more:  # past the last page: the last page
        number = min(number, max(1, -(-total // PAGE_SIZE)))
    offset = (number - 1) * PAGE_SIZE
    dated = base.where(ReadyTask.due_at.is_not(None))
    items = list(session.scalars(dated.order_by(ReadyTask.due_at,
                                                ReadyTask.id).offset(offset).limit(PAGE_SIZE)))
    # the page runs on into the tasks with no due date
    if len(items) < PAGE_SIZE and total > offset + len(items):
        # How many have a due date: this page's and all before it, or (none on this page) at most `offset`.
        before = (offset + len(items) if items
                  else _count(session, [*where, ReadyTask.due_at.is_not(None)], offset))
        items += session.scalars(base.where(ReadyTask.due_at.is_(None)).order_by(ReadyTask.id)
                                 .offset(offset + len(items) - before).limit(PAGE_SIZE - len(items)))
    return Page(items, total, number, more=more)


def my_tasks(session: Session, user: User, page: int = 1) -> Page:
    return _task_page(session, [ReadyTask.assigned_to_id == user.id], page)


def team_tasks(session: Session, user: User, page: int = 1) -> Page:
    where = [ReadyTask.role.in_(user.role_names), ReadyTask.assigned_to_id.is_(None)]
    if not may(user, "see_all_cases"):
        where.append(ReadyTask.service_area.in_(my_areas(user)))
    return _task_page(session, where, page)


def open_cases(session: Session, user: User) -> list[Case]:
    """The open cases this user may see (the overview is for those who see every case)."""
    query = (select(Case).options(joinedload(Case.ready_tasks).joinedload(ReadyTask.assigned_to))
             .where(Case.status == "open", visible_cases(user)).order_by(Case.received_at))
    return list(session.scalars(query).unique())


# The lines of a case's history that end a task: completed by an officer, or closed by something else (a
# timer, the customer, an extension, a move to a new version).
TASK_ENDINGS = ("completed", "task_closed")


def task_ending(session: Session, task_id: int) -> CaseEvent | None:
    """What became of a task that is no longer open, with its case and who ended it; None if no history names
    it."""
    query = (select(CaseEvent).where(CaseEvent.task_id == task_id, CaseEvent.kind.in_(TASK_ENDINGS))
             .options(joinedload(CaseEvent.case), joinedload(CaseEvent.actor))
             .order_by(CaseEvent.id.desc()).limit(1))
    return session.scalar(query)


def _notifications_of(user: User) -> list[ColumnElement[bool]]:
    """Notifications for the user's roles about cases they may see (the join to the case is the caller's)."""
    return [Notification.role.in_(user.role_names), or_(Notification.case_id.is_(None), visible_cases(user))]


def notifications_for(session: Session, user: User, limit: int = 50) -> list[Notification]:
    query = (select(Notification).outerjoin(Notification.case).options(joinedload(Notification.case))
             .where(*_notifications_of(user)).order_by(Notification.id.desc()).limit(limit))
    return list(session.scalars(query))


# The header shows at most "99+" new notifications: counting no further keeps the count cheap on every page.
NEW_NOTIFICATIONS_UP_TO = 99


def new_notification_count(session: Session, user: User) -> int:
    """Notifications after the newest this user has seen, counted up to NEW_NOTIFICATIONS_UP_TO + 1."""
    new = (select(literal(1)).select_from(Notification).outerjoin(Notification.case)
           .where(Notification.id > user.notifications_seen_id, *_notifications_of(user))
           .limit(NEW_NOTIFICATIONS_UP_TO + 1))
    return session.scalar(select(func.count()).select_from(new.subquery()))


@dataclass(frozen=True)
class OpenCaseCounts:
    """What the CRO's overview counts first: open cases, those overdue or waiting for the customer,
    failures."""
    open: int
    overdue: int
    waiting_for_customer: int
    failed_messages: int
    failed_timers: int



def open_case_counts(session: Session, now: datetime) -> OpenCaseCounts:
    """Five counts, one query each: over the open cases, the open tasks' due times, the failed messages and
    the unresolved incidents, never the closed history."""
    overdue = select(func.count(func.distinct(ReadyTask.case_id))).where(ReadyTask.due_at < now)
    return OpenCaseCounts(
        open=session.scalar(select(func.count()).select_from(Case).where(Case.status == "open")),
        overdue=session.scalar(overdue),
        waiting_for_customer=session.scalar(select(func.count()).select_from(Case).where(
            Case.status == "open", Case.awaits(REVIEW_MESSAGE))),
        failed_messages=session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.status == "failed")),
        failed_timers=session.scalar(select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None))))


def letters_for(session: Session, user: User) -> list[OutboxMessage]:
    """Letters waiting to be printed and posted, for the cases this user may see."""
    query = (select(OutboxMessage).outerjoin(OutboxMessage.case).options(joinedload(OutboxMessage.case))
             .where(OutboxMessage.status == "to_post",
                    or_(OutboxMessage.case_id.is_(None), visible_cases(user)))
             .order_by(OutboxMessage.id))
    return list(session.scalars(query))
