"""Read-side queries for task lists and case lists, answered from the indexes."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Case, CaseEvent, Notification, ReadyTask, User


def my_tasks(session: Session, user: User) -> list[ReadyTask]:
    query = (select(ReadyTask).options(joinedload(ReadyTask.case)).where(ReadyTask.assigned_to_id == user.id)
             .order_by(ReadyTask.due_at.is_(None), ReadyTask.due_at, ReadyTask.id))
    return list(session.scalars(query))


def team_tasks(session: Session, user: User) -> list[ReadyTask]:
    query = (select(ReadyTask).options(joinedload(ReadyTask.case))
             .where(ReadyTask.assigned_to_id.is_(None), ReadyTask.role.in_(user.role_names))
             .order_by(ReadyTask.due_at.is_(None), ReadyTask.due_at, ReadyTask.id))
    return list(session.scalars(query))


def open_cases(session: Session) -> list[Case]:
    query = (select(Case).options(joinedload(Case.ready_tasks).joinedload(ReadyTask.assigned_to))
             .where(Case.status == "open").order_by(Case.received_at))
    return list(session.scalars(query).unique())


def can_view_case(session: Session, user: User, case: Case) -> bool:
    """The CRO sees every case; others see cases with a task for their roles or that they handled."""
    if user.has_role("customer_relations_officer", "administrator"):
        return True
    if any(t.role in user.role_names or t.assigned_to_id == user.id for t in case.ready_tasks):
        return True
    return session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.actor_id == user.id).limit(1)) is not None


def notifications_for(session: Session, user: User, limit: int = 50) -> list[Notification]:
    query = (select(Notification).options(joinedload(Notification.case))
             .where(Notification.role.in_(user.role_names)).order_by(Notification.id.desc()).limit(limit))
    return list(session.scalars(query))
