"""Who may see what: the roles that handle cases, and which cases each user sees."""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from models import Case, CaseEvent, ReadyTask, User

# Roles that handle cases in a service area; the other roles (process owner, reports reader) see no case
# unless it is assigned to them or they acted on it.
CASE_ROLES = ("front_line_officer", "investigating_officer", "senior_officer", "service_manager")
# Everyone who handles cases may record a comment that reaches them; the process owner and reports readers do not.
RECORDING_ROLES = (*CASE_ROLES, "customer_relations_officer", "administrator")


def my_areas(user: User) -> set[str]:
    """The service areas whose cases this user sees because of their work there."""
    return user.service_area_names if user.has_role(*CASE_ROLES) else set()


def visible_cases(user: User) -> ColumnElement[bool]:
    """SQL condition on Case: the CRO and administrators see all; officers their areas, assignments and history."""
    if user.sees_all_cases:
        return true()
    areas = my_areas(user)
    return or_(Case.service_area.in_(areas) if areas else false(),
               exists().where(ReadyTask.case_id == Case.id, ReadyTask.assigned_to_id == user.id),
               exists().where(CaseEvent.case_id == Case.id, CaseEvent.actor_id == user.id))


def can_view_case(session: Session, user: User, case: Case) -> bool:
    """The same rule as visible_cases, for one case already loaded."""
    if user.sees_all_cases or case.service_area in my_areas(user):
        return True
    if any(t.assigned_to_id == user.id for t in case.ready_tasks):
        return True
    return session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.actor_id == user.id).limit(1)) is not None
