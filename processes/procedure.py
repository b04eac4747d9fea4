"""The procedure's operations: submit a comment, claim, release and complete tasks.

Operations take the acting user, change state and flush, and never commit: the request, CLI
command or timer run that calls them commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from uuid import uuid4

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, Notification, ProcessVersion, ReadyTask, ReferenceCounter, User, WaitingTimer
from models.case import CHANNELS, COMMENT_TYPES
from models.user import role_for_lane

from .audit import audit
from .deploy import latest_version
from .engine import Run, TaskNotReady, WorkflowEngine, WorkflowError, default_engine
from . import facts
from .errors import Conflict, InvalidInput, NotAllowed, NotFound, ProcedureError
from .forms import validate_form
from .calendar import WorkingCalendar
from .messages import issue_status_access, queue_customer_message, queue_new_task_emails, queue_staff_message
from .policy import CALENDAR_COLUMNS, calendar_from, current_timescales, load_calendar
from .promises import holder_of

STAGE_LABELS = {"stage1": "Stage 1", "stage2": "Stage 2"}
CASE_FIELDS = ("service_area", "comment", "customer_name", "customer_email", "customer_phone",
               "customer_address", "preferred_contact", "reasonable_adjustments")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def next_reference(session: Session, year: int) -> str:
    """CC-2026-000123: numbered from 1 each year, never reused.

    One UPDATE ... RETURNING, so two submissions at once can never take the same number."""
    counter = ReferenceCounter.__table__  # the table, not the ORM entity: nothing in the session changes
    bump = update(counter).where(counter.c.year == year).values(last=counter.c.last + 1).returning(counter.c.last)
    last = session.scalar(bump)
    if last is None:  # the year's first: make its row (another submission may be making it at the same moment)
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
        session.execute(insert(counter).values(year=year, last=0).on_conflict_do_nothing())
        last = session.scalar(bump)
    return f"CC-{year}-{last:06d}"


def submit_comment(session: Session, actor: User | None, details: Mapping[str, Any], channel: str,
                   received_at: datetime, engine: WorkflowEngine | None = None) -> Case:
    """Record a comment and start its case on the newest version of its type's process, in one transaction.

    The public form does the same in two (prepare_submission, then record_submission, which numbers the case),
    so that on SQLite the write lock is held only while writing."""
    reference = reserve_reference(session, received_at)
    prepared = prepare_submission(session, details, channel, received_at, reference, engine)
    assert prepared is not None  # with its reference given, a submission is always prepared
    return record_submission(session, actor, prepared)


def reserve_reference(session: Session, received_at: datetime) -> str:
    """The case's reference, taken from the year's counter. Committed with its case; committed on its own (for
    a process that reads it from the start) it is like a sequence number: a submission that fails afterwards
    leaves a gap, never a duplicate."""
    return next_reference(session, received_at.astimezone(timezone.utc).year)


# What the workflow's data holds as its reference until the case is numbered (see prepare_submission).
REFERENCE_TO_COME = f"(the reference is given when the case is written: {uuid4().hex})"


@dataclass(frozen=True)
class PreparedSubmission:
    """A comment with its case's process run to its first wait, not yet written to the database."""
    details: Mapping[str, Any]
    channel: str
    received_at: datetime
    reference: str | None  # None: record_submission numbers the case
    version: ProcessVersion
    timescales: dict[str, Any]
    calendar: WorkingCalendar
    run: Run
    serializer_version: str


def prepare_submission(session: Session, details: Mapping[str, Any], channel: str, received_at: datetime,
                       reference: str | None = None,
                       engine: WorkflowEngine | None = None) -> PreparedSubmission | None:
    """Read the policy (newest version, timescales, calendar) and run the workflow; writes nothing.

    Without a `reference`, record_submission numbers the case in the transaction that writes it (on SQLite one
    turn with the write lock, not two), and until then the workflow's data carries REFERENCE_TO_COME. That is
    exact only if no code of the process can read `reference`: when its diagram mentions the word anywhere,
    this returns None and runs nothing, and the caller reserves a reference first and prepares again."""
    engine = engine or default_engine()
    comment_type = details["comment_type"]
    version = latest_version(session, comment_type)
    if version is None:
        raise ProcedureError(f"No process is deployed for {comment_type}s: ask the process owner to deploy one")
    diagram = lambda: version.bpmn_xml  # noqa: E731  (fetched only if this process has not parsed it yet)
    if reference is None and engine.mentions(diagram, version.process_key, "reference", version.content_hash):
        return None
    timescales = current_timescales(session)
    calendar = load_calendar(session)
    data = {"reference": reference or REFERENCE_TO_COME, "comment_type": comment_type, "channel": channel,
            "timescales": timescales, "service_area": details.get("service_area"),
            "received_at": received_at.astimezone(timezone.utc).isoformat()}
    run = run_engine(lambda: engine.start(diagram, version.process_key, data, calendar,
                                          version_hash=version.content_hash))
    return PreparedSubmission(details, channel, received_at, reference, version, timescales, calendar, run,
                              engine.serializer_version)


def record_submission(session: Session, actor: User | None, prepared: PreparedSubmission) -> Case:
    """Write a prepared comment: its case, history, task and timer indexes and messages. A comment prepared
    without a reference is numbered here, first: the workflow's data gets the reference in place of the
    placeholder it carried."""
    details, channel, run = prepared.details, prepared.channel, prepared.run
    comment_type = details["comment_type"]
    reference = prepared.reference
    if reference is None:
        reference = reserve_reference(session, prepared.received_at)
        run = replace(run, state=WorkflowEngine.fill_in(run.state, REFERENCE_TO_COME, reference))
    case = Case(reference=reference, comment_type=comment_type, channel=channel,
                received_at=prepared.received_at, recorded_by_id=actor.id if actor else None,
                process_version=prepared.version, serializer_version=prepared.serializer_version,
                timescales=prepared.timescales,  # its state, messages and stage: apply_run sets them before the flush
                ready_tasks=[], events=[],  # a new case has none: its collections need no loading
                **{k: details.get(k) for k in CASE_FIELDS})
    issue_status_access(case)
    session.add(case)  # written with its rows in apply_run's one flush: the write lock is taken there, not here
    record_event(session, case, actor, "submitted",
                 f"{COMMENT_TYPES[comment_type]} received: {CHANNELS[channel].lower()}")
    apply_run(session, case, run, actor, prepared.calendar, new_case=True)
    return case


def run_engine(step) -> Run:
    try:
        return step()
    except WorkflowError as exc:
        raise ProcedureError(f"The process could not continue: {exc}") from exc


def diagram_of(case: Case) -> Callable[[], bytes]:
    """The diagram of the version a case runs on, for the engine to load only if it has not parsed it yet."""
    return lambda: case.process_version.bpmn_xml


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
                  _CASE.joinedload(Case.stages)))


def check_can_act(session: Session, actor: User, task: ReadyTask) -> None:
    """Raise NotAllowed unless `actor` may work on `task` (role, claim and separation of duties)."""
    if task.assigned_to_id not in (None, actor.id):
        raise NotAllowed(f"This task is assigned to {task.assigned_to.name}")
    if task.assigned_to_id is None and not actor.has_role(task.role):
        raise NotAllowed("This task is for another team")
    if task.independent_of and handled_stage(session, task.case_id, actor, task.independent_of):
        raise NotAllowed(f"You handled {STAGE_LABELS.get(task.independent_of, task.independent_of)} of this "
                         "case, so another officer must do this review")


def handled_stage(session: Session, case_id: int, actor: User, stage: str) -> bool:
    events = session.scalars(select(CaseEvent).filter_by(case_id=case_id, actor_id=actor.id, kind="completed"))
    return any((e.details or {}).get("stage") == stage for e in events)


def claim_task(session: Session, actor: User, ready_task_id: int) -> ReadyTask:
    task = get_task(session, ready_task_id)
    check_can_act(session, actor, task)
    claimed = session.execute(update(ReadyTask).where(ReadyTask.id == task.id, ReadyTask.assigned_to_id.is_(None))
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
                  engine: WorkflowEngine | None = None) -> Case:
    """Validate the task's form, run the workflow on and index what is ready next."""
    engine = engine or default_engine()
    task, calendar = load_step(session, ready_task_id)
    check_can_act(session, actor, task)
    case = task.case
    if seen_version is not None and seen_version != case.row_version:
        raise Conflict("This case changed while you were working on it. Nothing was saved: check the "
                       "case history, then complete the task again if it is still needed")
    definition = case.process_version.forms[task.form_name]
    result = validate_form(definition, formdata)
    if not result.ok:
        raise InvalidInput(result.errors, result.values)
    try:
        run = engine.complete_task(case.workflow_state, task.task_uuid, result.values, calendar, diagram_of(case))
    except TaskNotReady as exc:
        raise Conflict("This task has already been completed by someone else") from exc
    except WorkflowError as exc:
        raise ProcedureError(f"The process could not continue: {exc}") from exc
    try:
        with session.no_autoflush:  # its reads need nothing pending: everything is written in one flush
            record_event(session, case, actor, "completed", f"{actor.name} completed “{task.name}”",
                         {"element": task.bpmn_id, "form": task.form_name, "stage": task.stage, "task": task.name,
                          "values": result.values}, task_id=task.id)
            facts.record_task_done(session, case, task.form_name, task.stage, result.values, calendar)  # reporting
            apply_run(session, case, run, actor, calendar, because=f"{actor.name} completed “{task.name}”",
                      completed_id=task.id)
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        # PostgreSQL finds the row version moved on; SQLite refuses to write from an outdated snapshot.
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise Conflict("Someone else completed this task at the same moment. Nothing of yours was saved") from exc
    return case


EXTENSION_MESSAGE = "extension_agreed"


def agree_extension(session: Session, actor: User, case: Case, working_days: int | None, reason: str,
                    engine: WorkflowEngine | None = None) -> Case:
    """The CRO agrees more time for the current stage: the deadline moves and the timers are re-armed."""
    if not actor.has_role("customer_relations_officer"):
        raise NotAllowed("Only the Customer Relations Officer can agree an extension")
    if EXTENSION_MESSAGE not in case.awaiting_messages.split(","):
        raise Conflict("This case is not at a step that can be extended")
    stage = next((t.stage for t in case.ready_tasks if t.stage), None)
    left = extension_days_left(session, case, stage)
    errors = {}
    if working_days is None or not 1 <= working_days <= left:
        errors["working_days"] = (f"Enter a number of working days from 1 to {left}" if left else
                                  f"No more extension is allowed at {STAGE_LABELS.get(stage, 'this stage')}")
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for the extension: the customer will be told it"
    elif len(reason) > 2000:
        errors["reason"] = "The reason must be 2,000 characters or fewer"
    if errors:
        raise InvalidInput(errors, {"working_days": working_days, "reason": reason})
    payload = {"working_days": working_days, "reason": reason.strip()}
    calendar = load_calendar(session)
    run = run_engine(lambda: (engine or default_engine()).send_message(
        case.workflow_state, EXTENSION_MESSAGE, payload, calendar, diagram_of(case)))
    days = f"{working_days} more working day{'s' if working_days != 1 else ''}"
    record_event(session, case, actor, "extension",
                 f"{actor.name} agreed {days} at {STAGE_LABELS.get(stage, stage)}: {reason.strip()}",
                 {"stage": stage, "working_days": working_days, "reason": reason.strip()})
    facts.record_extension(session, case, stage, working_days)  # reporting
    apply_run(session, case, run, actor, calendar, because=f"{actor.name} agreed {days}")
    session.flush()
    return case


def extension_days_left(session: Session, case: Case, stage: str | None) -> int:
    """Working days of extension still allowed at a stage, by the timescales the case started with."""
    limit = (case.timescales or {}).get(f"{stage}_extension", 0) or 0
    used = sum((e.details or {}).get("working_days", 0) for e in case.events
               if e.kind == "extension" and (e.details or {}).get("stage") == stage)
    return max(0, limit - used)


def fire_case_timers(session: Session, case: Case, engine: WorkflowEngine | None = None) -> Run:
    """Fire whatever timers of one case are due and run it on; acts as the system."""
    calendar = load_calendar(session)
    now = _now()
    run = run_engine(lambda: (engine or default_engine()).fire_timers(case.workflow_state, calendar,
                                                                     diagram_of(case)))
    apply_run(session, case, run, None, calendar, because=_timers_fired(run, now))
    session.flush()
    return run


def _timers_fired(run: Run, now: datetime) -> str | None:
    """What moved the case on when its due timers fired: “the timer “Response deadline passed” moved the case on”."""
    names = [f"“{t.name}”" for t in run.timers_before if t.due_at <= now]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the timer{'s' if len(names) > 1 else ''} {listed} moved the case on"


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
    case.workflow_state = run.state
    case.awaiting_messages = ",".join(run.messages)
    for bpmn_id, name, kind in run.steps:
        record_event(session, case, None, kind, name, {"element": bpmn_id})
    new_tasks = _add_tasks(session, case, run)
    if (stage := _stage_label(run)) is not None:  # before the flush below, so the case row is written once
        case.stage = stage
    facts.record_tasks_ready(session, case, new_tasks, new_case)  # reporting: deadlines of the stage
    facts.record_promised_dues(session, case, run.dues, {t.properties.get("stage") or "response" for t in run.ready},
                               new_case)  # what the customer is told
    timers_to_change = _add_timers(session, case, run)
    for role, message in run.notifications:
        session.add(Notification(case=case, role=role, message=message))
        record_event(session, case, None, "notified", f"Told the {role.replace('_', ' ')}: {message}")
    holder = holder_of([(role_for_lane(t.lane), t.properties.get("stage")) for t in run.ready])  # who has it now
    for template, data in run.sends:
        sent = queue_customer_message(session, case, template, data, actor.name if actor else None, holder)
        how = {"email": f"emailed to {sent.to_address}", "letter": "a letter to post",
               "none": "not sent: the customer left no contact details"}[sent.channel]
        record_event(session, case, None, "message", f"Message to the customer, {how}: {sent.subject}")
    still_ready = {t.task_id for t in run.ready}
    gone = [uuid for uuid in run.ready_before if uuid not in still_ready]
    if new_tasks or gone or timers_to_change or run.notifications or case.id is None:
        session.flush()  # the case row first; new tasks get their ids
    _remove_tasks(session, case, gone, new_tasks, actor, because or "the process moved on", completed_id)
    _change_timers(session, case, timers_to_change)
    for role, message in run.notifications:  # the emails are written from the case row's id
        queue_staff_message(session, role, "staff_notification", {"message": message}, case)
    if new_tasks:
        calendar = calendar or load_calendar(session)
        for task in new_tasks:
            if task.assigned_to_id is None:
                due = calendar.due_label(task.due_at) if task.due_at else ""
                queue_new_task_emails(session, case, task.role, task.name, task.id, due)
    if run.finished:
        case.status, case.closed_at, case.outcome, case.stage = "closed", _now(), run.end_name, "Closed"
        record_event(session, case, actor, "closed", f"Case closed: {run.end_name or 'finished'}")


def _stage_label(run: Run) -> str | None:
    """The stage of the case's first ready task that has one (Stage 1, Stage 2), as the case shows it."""
    stage = next((t.properties["stage"] for t in run.ready if t.properties.get("stage")), None)
    return STAGE_LABELS.get(stage, stage) if stage else None


def _add_tasks(session: Session, case: Case, run: Run) -> list[ReadyTask]:
    """Index the tasks that became ready in this run."""
    before = set(run.ready_before)
    added: list[ReadyTask] = []
    for ready in run.ready:
        if ready.task_id in before:
            continue
        props = ready.properties
        role = role_for_lane(ready.lane)
        if role is None:
            raise ProcedureError(f"Task {ready.name} is in lane {ready.lane!r}, which is not a role")
        added.append(ReadyTask(
            case=case, task_uuid=ready.task_id, bpmn_id=ready.bpmn_id, name=ready.name, role=role,
            form_name=props.get("form"), stage=props.get("stage"), independent_of=props.get("independent_of"),
            due_at=ready.due_at, service_area=case.service_area))
    session.add_all(added)
    return added


def _remove_tasks(session: Session, case: Case, gone: list[str], added: list[ReadyTask], actor: User | None,
                  because: str, completed_id: int | None) -> None:
    """Drop the tasks no longer ready, each closed other than by its own completion with a line in the history
    that its link (/tasks/<id>) reads. A task the flow loops back to (after an extension, say) stays with the
    officer who had it."""
    if gone:
        removed = session.execute(_DROP_TASKS, {"case_id": case.id, "gone": gone}).all()
        _forget(session, ReadyTask, [task_id for task_id, _, _, _ in removed])
        for task_id, bpmn_id, _, name in removed:
            if task_id != completed_id:
                record_event(session, case, actor, "task_closed", f"“{name}” closed: {because}",
                             {"element": bpmn_id, "task": name, "because": because}, task_id=task_id)
        carried = {bpmn_id: officer for _, bpmn_id, officer, _ in removed if officer is not None}
        for task in added:
            if task.bpmn_id in carried:
                task.assigned_to_id = carried[task.bpmn_id]
    if gone or added:
        session.expire(case, ["ready_tasks"])  # read again if asked for in this transaction


def _add_timers(session: Session, case: Case, run: Run) -> list[tuple[str, datetime | None]]:
    """Index the timers that started waiting in this run; the (uuid, new due time or None to remove) of the
    others that changed, for `_change_timers` once the case row is written."""
    before = {t.task_id: t.due_at for t in run.timers_before}
    after = {t.task_id: t for t in run.timers}
    session.add_all([WaitingTimer(case=case, task_uuid=uuid, bpmn_id=timer.bpmn_id, name=timer.name,
                                  due_at=timer.due_at) for uuid, timer in after.items() if uuid not in before])
    return [(uuid, None) for uuid in before if uuid not in after] + \
        [(uuid, timer.due_at) for uuid, timer in after.items() if uuid in before and before[uuid] != timer.due_at]


def _change_timers(session: Session, case: Case, changes: list[tuple[str, datetime | None]]) -> None:
    if gone := [uuid for uuid, due in changes if due is None]:
        _forget(session, WaitingTimer, session.scalars(_DROP_TIMERS, {"case_id": case.id, "gone": gone}).all())
    for uuid, due in changes:
        if due is not None:
            moved = session.scalars(_MOVE_TIMER, {"case_id": case.id, "uuid": uuid, "due_at": due}).all()
            _forget(session, WaitingTimer, moved, expunge=False)


def _forget(session: Session, model, ids, expunge: bool = True) -> None:
    """Rows changed by plain statements: a loaded object of a deleted row leaves the session (as the ORM's own
    delete would leave it), one of a changed row is read again when next used."""
    for row_id in ids:
        loaded = session.identity_map.get(identity_key(model, row_id))
        if loaded is None:
            continue
        if expunge:
            session.expunge(loaded)
        else:
            session.expire(loaded)


# Plain statements on the index tables (the ORM's bulk delete costs several times the round trip).
_INDEX, _TIMERS = ReadyTask.__table__, WaitingTimer.__table__
_DROP_TASKS = (delete(_INDEX).where(_INDEX.c.case_id == bindparam("case_id"),
                                    _INDEX.c.task_uuid.in_(bindparam("gone", expanding=True)))
               .returning(_INDEX.c.id, _INDEX.c.bpmn_id, _INDEX.c.assigned_to_id, _INDEX.c.name))
_DROP_TIMERS = (delete(_TIMERS).where(_TIMERS.c.case_id == bindparam("case_id"),
                                      _TIMERS.c.task_uuid.in_(bindparam("gone", expanding=True)))
                .returning(_TIMERS.c.id))
_MOVE_TIMER = (update(_TIMERS).where(_TIMERS.c.case_id == bindparam("case_id"),
                                     _TIMERS.c.task_uuid == bindparam("uuid"))
               .values(due_at=bindparam("due_at")).returning(_TIMERS.c.id))


def record_event(session: Session, case: Case, actor: User | None, kind: str, summary: str,
                 details: dict[str, Any] | None = None, task_id: int | None = None) -> None:
    """A line in the case's history (about the task `task_id`, if given), and the same in the audit trail."""
    # Through the backref, so a long history is not loaded just to add a line to it.
    session.add(CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, summary=summary,
                          details=details, task_id=task_id))
    who = actor or ("customer" if kind in ("submitted", "review_requested", "withdrawn") and not case.recorded_by_id
                    else "system")
    audit(session, who, f"case {kind}", summary, case.reference)
