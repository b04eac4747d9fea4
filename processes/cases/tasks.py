"""An officer's work on a task: who may act, claiming, releasing and completing it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, ReadyTask, User
from models.case import STAGES
from processes.cases.attachments import attach_files
from processes.cases.categories import set_category, triage_category
from processes.cases.points import read_points
from processes.cases.remedy_actions import read_remedy_actions
from processes.cases.runs import apply_run, diagram_of
from processes.cases.triage import read_triage
from processes.diagrams.forms import validate_form
from processes.engine import TaskNotReady, WorkflowEngine, WorkflowError, engine_of
from processes.errors import Conflict, InvalidInput, NotAllowed, NotFound, ProcedureError
from processes.policy.calendar import WorkingCalendar
from processes.policy.settings import CALENDAR_COLUMNS, calendar_from
from processes.records.history import record_event
from processes.records.personal import TYPED
from processes.records.uploads import Taken
from processes.reporting import facts

NOT_SATISFIED = "The customer was not satisfied at first contact"
TASK_GONE = ("This task does not exist or has already been completed, perhaps by someone else. "
             "Nothing you entered was saved")


def get_task(session: Session, ready_task_id: int) -> ReadyTask:
    """The task and its case (every caller looks at the case), in one query."""
    task = session.get(ReadyTask, ready_task_id, options=[_CASE])
    if task is None:
        raise NotFound(TASK_GONE)
    return task


def load_step(session: Session, ready_task_id: int) -> tuple[ReadyTask, WorkingCalendar]:
    """Everything completing a task reads, in one query: the task, its case, the workflow state, the case's
    version (its forms), its reporting stage rows, and the calendar."""
    row = session.execute(_STEP, {"id": ready_task_id}).unique().first()
    if row is None:
        raise NotFound(TASK_GONE)
    task, close_of_business, closure_days = row
    return task, calendar_from(close_of_business, closure_days)


_CASE = joinedload(ReadyTask.case)
_STEP = (select(ReadyTask, *CALENDAR_COLUMNS).where(ReadyTask.id == bindparam("id"))
         .options(_CASE.undefer(Case.workflow_state), _CASE.joinedload(Case.process_version),
                  _CASE.joinedload(Case.stages),
                  _CASE.joinedload(Case.representatives),  # whom the customer's messages go to
                  _CASE.joinedload(Case.points),  # what the acknowledgement and the response state
                  _CASE.joinedload(Case.remedy_actions)))  # and the remedies the response promises


def check_can_act(session: Session, actor: User, task: ReadyTask) -> None:
    """Raise NotAllowed unless `actor` may work on `task` (role, claim and separation of duties)."""
    if task.assigned_to_id not in (None, actor.id):
        raise NotAllowed(f"This task is assigned to {task.assigned_to.name}")
    if task.assigned_to_id is None and not actor.has_role(task.role):
        raise NotAllowed("This task is for another team")
    if task.independent_of:
        check_more_senior(session, actor, task)


def check_more_senior(session: Session, actor: User, task: ReadyTask) -> None:
    """A review (stage 2) is done by someone who did not handle the stage it reviews, and who is of a higher
    grade than everyone who did."""
    stage = STAGES.get(task.independent_of, task.independent_of)
    handlers = stage_handlers(session, task.case_id, task.independent_of)
    if actor in handlers:
        raise NotAllowed(f"You handled {stage} of this case, so another officer must do this review")
    top = max(handlers, key=lambda user: user.seniority, default=None)
    if top is not None and top.seniority >= actor.seniority:
        raise NotAllowed(f"This review needs an officer more senior than {top.name}, who handled {stage} "
                         f"(grade {top.seniority}); your grade is {actor.seniority}")


def may_review(session: Session, user: User, task: ReadyTask) -> bool:
    """Whether `user` passes check_more_senior for a review task (always, for a task that is no review)."""
    try:
        if task.independent_of:
            check_more_senior(session, user, task)
    except NotAllowed:
        return False
    return True


def stage_handlers(session: Session, case_id: int, stage: str) -> list[User]:
    """The people who completed a task of the stage."""
    events = session.scalars(select(CaseEvent).filter_by(case_id=case_id, kind="completed")
                             .where(CaseEvent.actor_id.is_not(None)))
    ids = {e.actor_id for e in events if (e.details or {}).get("stage") == stage}
    return list(session.scalars(select(User).where(User.id.in_(ids)))) if ids else []


def claim_task(session: Session, actor: User, ready_task_id: int) -> ReadyTask:
    task = get_task(session, ready_task_id)
    check_can_act(session, actor, task)
    claimed = session.execute(update(ReadyTask).where(ReadyTask.id == task.id,
                                                      ReadyTask.assigned_to_id.is_(None))
                              .values(assigned_to_id=actor.id).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        session.refresh(task)
        if task.assigned_to_id != actor.id:
            raise Conflict("Someone else claimed this task first")
    session.refresh(task)
    record_event(session, task.case, actor, "claimed", f"{actor.name} took “{task.name}”", task_id=task.id)
    return task


def release_task(session: Session, actor: User, ready_task_id: int) -> ReadyTask:
    task = get_task(session, ready_task_id)
    if task.assigned_to_id != actor.id:
        raise NotAllowed("You can only release a task assigned to you")
    task.assigned_to_id = None
    record_event(session, task.case, actor, "released", f"{actor.name} released “{task.name}” to the team",
                 task_id=task.id)
    session.flush()
    return task


def complete_task(session: Session, actor: User, ready_task_id: int, formdata, seen_version: int | None,
                  engine: WorkflowEngine | None = None, files: list[tuple[str, Taken]] | None = None,
                  refused: Mapping[str, str] | None = None) -> Case:
    """Validate the task's form, run the workflow on, index what is ready next and attach the `files` taken
    with the form (only if it completes). `refused`: what the caller refused of the same submission (its
    files), refused with the form's own errors, so that all show at once."""
    engine = engine or engine_of(session)
    task, calendar = load_step(session, ready_task_id)
    check_can_act(session, actor, task)
    case = task.case
    if seen_version is not None and seen_version != case.row_version:
        raise Conflict("This case changed while you were working on it. Nothing was saved: check the "
                       "case history, then complete the task again if it is still needed")
    answers = _read_answers(session, actor, case, task, formdata, refused or {})
    try:
        # the workflow's letters also name the reason, where to go and the case repeated
        run = engine.complete_task(case.workflow_state, task.task_uuid, {**answers.values, **answers.triaged},
                                   calendar, diagram_of(case))
    except TaskNotReady as exc:
        raise Conflict("This task has already been completed by someone else") from exc
    except WorkflowError as exc:
        raise ProcedureError(f"The process could not continue: {exc}") from exc
    try:
        with session.no_autoflush:  # its reads need nothing pending: everything is written in one flush
            _record_answers(session, actor, case, task, answers)
            facts.record_task_done(session, case, task.form_name, task.stage, answers.values, calendar)
            apply_run(session, case, run, actor, calendar, because=f"{actor.name} completed “{task.name}”",
                      completed_id=task.id)
            if answers.link_cases:  # after the run: the case closes as the duplicate of the one it repeats
                answers.link_cases()
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        # PostgreSQL finds the row version moved on; SQLite refuses to write from an outdated snapshot.
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise Conflict("Someone else completed this task at the same moment. "
                       "Nothing of yours was saved") from exc
    attach_files(session, actor, case, files or [], task)
    return case


@dataclass
class _Answers:
    """What a task's page gave, checked: the form's values, and the changes its other parts make."""
    values: dict[str, Any]
    category: str | None
    change_points: Callable[[], str | None] | None
    change_remedies: Callable[[User], str | None] | None
    triaged: dict[str, Any]  # what triage adds for the workflow's letters
    link_cases: Callable[[], None] | None


def _read_answers(session: Session, actor: User, case: Case, task: ReadyTask, formdata,
                  refused: Mapping[str, str]) -> _Answers:
    """Every part of the page checked at once; raises InvalidInput with all their errors, in page order."""
    result = validate_form(case.process_version.forms[task.form_name], formdata)
    category, category_errors = triage_category(case, formdata)
    change_points, point_errors, point_values = read_points(case, task, formdata)
    change_remedies, remedy_errors, remedy_values = read_remedy_actions(case, task, formdata)
    triaged, triage_errors, link_cases = read_triage(session, actor, case, task, result.values)
    if not result.ok or category_errors or point_errors or remedy_errors or triage_errors or refused:
        raise InvalidInput({**point_errors, **result.errors, **remedy_errors, **triage_errors,
                            **category_errors, **refused},
                           {**result.values, **point_values, **remedy_values,
                            "category": formdata.get("category")})
    return _Answers(result.values, category, change_points, change_remedies, triaged, link_cases)


def _record_answers(session: Session, actor: User, case: Case, task: ReadyTask, answers: _Answers) -> None:
    """The completion's history lines, and the category, points and remedies it sets (before the run: the
    message it sends states the points and lists the remedies)."""
    record_event(session, case, actor, "completed", f"{actor.name} completed “{task.name}”",
                 {"element": task.bpmn_id, "form": task.form_name, "stage": task.stage,
                  "task": task.name, TYPED: answers.values}, task_id=task.id)
    if _not_satisfied_at_first_contact(task.form_name, answers.values):
        record_event(session, case, actor, "not_satisfied", NOT_SATISFIED, task_id=task.id)
    if answers.category:
        set_category(session, case, answers.category)
        record_event(session, case, actor, "category", "Category chosen", task_id=task.id)
    if answers.change_points:
        record_event(session, case, actor, "points", answers.change_points(), task_id=task.id)
    if answers.change_remedies and (promised := answers.change_remedies(actor)):
        record_event(session, case, actor, "remedies_promised", promised, task_id=task.id)


def _not_satisfied_at_first_contact(form_name: str | None, values) -> bool:
    """The first contact form's answer that a resolution was offered and the customer turned it down."""
    return (form_name == "first_contact" and values.get("first_contact_outcome") == "resolved"
            and values.get("first_contact_satisfied") == "no")
