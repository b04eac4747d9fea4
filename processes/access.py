"""Who may see, do and reach what: the one permission table, and which cases each user sees."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from models import Case, CaseEvent, ReadyTask, User, UserRole, UserServiceArea
from processes.errors import NotAllowed

# The role ids of models.user.ROLES, named once for the table below.
FRONT_LINE, INVESTIGATOR, SENIOR = "front_line_officer", "investigating_officer", "senior_officer"
CRO, MANAGER, OWNER = "customer_relations_officer", "service_manager", "process_owner"
ADMIN, READER, DIRECTOR = "administrator", "reports_reader", "director"

# Roles that handle cases in a service area; the other roles (process owner, reports reader) see no case
# unless they handle its work (see visible_cases).
CASE_ROLES = (FRONT_LINE, INVESTIGATOR, SENIOR, MANAGER)
# A late review request or a withdrawal needs a person's decision: the CRO is told.
CUSTOMER_REQUESTS_GO_TO = CRO

# Each permission and the roles that have it. The operations require these, the blueprint guards and views
# check them, and the navigation shows a link only to those with its page's permission.
_ROLES_OF = {
    # Cases
    "see_all_cases": (CRO, ADMIN),  # every case whatever its service area
    "see_area_cases": (*CASE_ROLES, DIRECTOR),  # the cases of their own service areas
    "record_comment": (*CASE_ROLES, CRO, ADMIN),  # a comment that reached them by phone, letter or in person
    "search_cases": (*CASE_ROLES, CRO, ADMIN),  # find a case among those they may see
    "see_open_cases": (CRO, ADMIN),  # the overview of every open case, with its counts
    "agree_extension": (CRO,),
    "correct_category": (CRO,),
    # The CRO's case actions: assign a task, record a withdrawal or stage 2 request taken by phone or letter,
    # reopen a case closed by mistake, accept a late stage 2 request, reclassify type or service area.
    "act_on_cases": (CRO,),
    "place_legal_hold": (CRO, ADMIN),
    "retry_timers": (CRO, ADMIN),  # the failed timers page and running them again
    "resend_messages": (CRO, ADMIN),  # the messages not sent and sending them again
    "post_letters": (FRONT_LINE, CRO, ADMIN),
    "track_remedies": (CRO, ADMIN),  # every remedy promised and not yet done, overdue first
    "move_cases": (CRO, OWNER, ADMIN),  # to the newest version of their process
    "work_tasks": (*CASE_ROLES, CRO),  # the roles a flow chart's lane may stand for
    # Records
    "read_audit": (CRO, ADMIN),
    "export_records": (CRO, ADMIN),  # the Ombudsman's case file and subject access requests
    "manage_accounts": (ADMIN,),
    # Reporting
    "read_reports": (CRO, MANAGER, ADMIN, READER, DIRECTOR),
    # Improvement actions, Ombudsman enquiries and the self-assessment; the progress of any action
    "change_improvement": (CRO, ADMIN),
    "own_improvement_actions": (MANAGER, CRO),
    # The process
    "change_policy": (OWNER, ADMIN),  # the calendar, timescales and Ombudsman details
    "change_process": (OWNER, ADMIN),  # edit, deploy and roll back flow charts; their versions
}
PERMISSIONS: dict[str, frozenset[str]] = {name: frozenset(roles) for name, roles in _ROLES_OF.items()}


def may(user: User, permission: str) -> bool:
    """Whether the user has one of the roles with this permission (an unknown permission is a KeyError)."""
    return roles_may(user.role_names, permission)


def roles_may(roles: Iterable[str], permission: str) -> bool:
    """Whether any of these roles has the permission: for an account being changed, before it is saved."""
    return not PERMISSIONS[permission].isdisjoint(roles)


def roles_for(permission: str) -> frozenset[str]:
    """The roles with this permission, for a query that finds the people who have it."""
    return PERMISSIONS[permission]


def require(user: User, permission: str, message: str) -> None:
    """Raise NotAllowed with the operation's own wording unless the user has the permission."""
    if not may(user, permission):
        raise NotAllowed(message)


def my_areas(user: User) -> set[str]:
    """The service areas whose cases this user sees because of their work there."""
    return user.service_area_names if may(user, "see_area_cases") else set()


# The lines of a case's history that say a person handled its work: took one of its tasks or completed one.
# Only these (and recording the comment, and a task assigned to them now) widen what a person sees. Anything
# else a person writes into a history is not work on the case and grants nothing: moving it to a new version
# (one case or a batch), an improvement action or Ombudsman note about it, a legal hold, a retried timer.
# A new kind of line grants nothing until it is named here.
HANDLED_TASK_KINDS = ("claimed", "completed")


def _sees_by_role(user: User, service_area: str | None) -> bool:
    """Whether the user's roles alone show a case in this area: every case, or their own areas' cases."""
    return may(user, "see_all_cases") or service_area in my_areas(user)


def sees_area_by_role(user_id: ColumnElement[int], service_area: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL condition on a user id, for a query over many users (the staff emails about a case): the user's
    roles show them the cases of `service_area`, as _sees_by_role says for one user."""
    sees_all, works_in_areas = aliased(UserRole), aliased(UserRole)
    return or_(exists().where(sees_all.user_id == user_id,
                              sees_all.role.in_(sorted(roles_for("see_all_cases")))),
               and_(exists().where(UserServiceArea.user_id == user_id,
                                   UserServiceArea.service_area == service_area),
                    exists().where(works_in_areas.user_id == user_id,
                                   works_in_areas.role.in_(sorted(roles_for("see_area_cases"))))))


def _handles(user: User) -> ColumnElement[bool]:
    """SQL condition on Case: the user recorded its comment, has one of its tasks or took or completed one."""
    return or_(Case.recorded_by_id == user.id,
               exists().where(ReadyTask.case_id == Case.id, ReadyTask.assigned_to_id == user.id),
               exists().where(CaseEvent.case_id == Case.id, CaseEvent.actor_id == user.id,
                              CaseEvent.kind.in_(HANDLED_TASK_KINDS)))


def visible_cases(user: User) -> ColumnElement[bool]:
    """SQL condition on Case, the one rule of who sees a case: by role (the CRO and administrators see all,
    officers their service areas), or because they handle its work. Every list, page and export asks it."""
    if may(user, "see_all_cases"):
        return true()
    areas = my_areas(user)
    return or_(Case.service_area.in_(areas) if areas else false(), _handles(user))


def can_view_case(session: Session, user: User, case: Case) -> bool:
    """visible_cases for one case already loaded: by role without a query, else visible_cases itself."""
    if _sees_by_role(user, case.service_area):
        return True
    return session.scalar(select(Case.id).where(Case.id == case.id, visible_cases(user))) is not None
