"""Recording a comment: numbering its case, running its process to the first wait, writing it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Mapping, Protocol
from uuid import uuid4

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Case, ProcessVersion, ReferenceCounter, User
from models.case import CHANNELS, COMMENT_TYPES
from processes.cases.representatives import new_representative, record_representative_line
from processes.cases.runs import apply_run, run_engine
from processes.search.cases import index_case
from processes.diagrams.deploy import latest_version
from processes.engine import Run, WorkflowEngine, engine_of
from processes.errors import ProcedureError
from processes.messaging.messages import issue_status_access
from processes.policy.calendar import WorkingCalendar
from processes.policy.settings import current_timescales, load_calendar
from processes.records.history import record_event

CASE_FIELDS = ("service_area", "category", "comment", "customer_name", "customer_email", "customer_phone",
               "customer_address", "preferred_contact", "reasonable_adjustments", "outcome_wanted")


def next_reference(session: Session, year: int) -> str:
    """CC-2026-000123: numbered from 1 each year, never reused.

    One UPDATE ... RETURNING, so two submissions at once can never take the same number."""
    counter = ReferenceCounter.__table__  # the table, not the ORM entity: nothing in the session changes
    bump = (update(counter).where(counter.c.year == year).values(last=counter.c.last + 1)
            .returning(counter.c.last))
    last = session.scalar(bump)
    # the year's first: make its row (another submission may be making it at the same moment)
    if last is None:
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
        session.execute(insert(counter).values(year=year, last=0).on_conflict_do_nothing())
        last = session.scalar(bump)
    return f"CC-{year}-{last:06d}"


def submit_comment(session: Session, actor: User | None, details: Mapping[str, Any], channel: str,
                   received_at: datetime, engine: WorkflowEngine | None = None) -> Case:
    """Record a comment and start its case on the newest version of its type's process, in one transaction.

    The public form does the same in turns (submit_in_turns), so that on SQLite the write lock is held only
    while writing."""
    reference = reserve_reference(session, received_at)
    prepared = prepare_submission(session, details, channel, received_at, reference, engine)
    assert isinstance(prepared, PreparedSubmission)  # with its reference given, it is always prepared
    return record_submission(session, actor, prepared)


class Turns(Protocol):
    """Where work done in turns ends the turn so far (the caller commits it) and says what the next one does.
    On SQLite, where one writer at a time holds the lock, a turn that only reads does not take it."""

    def reading(self) -> None: ...

    def writing(self, later_commit_syncs: bool = False) -> None: ...


def submit_in_turns(session: Session, details: Mapping[str, Any], channel: str, received_at: datetime,
                    turns: Turns, engine: WorkflowEngine | None = None) -> Case:
    """submit_comment for the public form, in short turns, so that on SQLite most of a submission's work is
    done while others write and each submission holds the write lock once, briefly.

    The policy is read and the workflow run in a reading turn, then the case is numbered and everything
    written in a writing turn, which the caller commits. A process whose diagram may read the reference from
    the start (prepare_submission answers ReferenceFirst) has one reserved first, in a writing turn of its
    own, and is prepared again with it. `turns` is the caller's (the app commits at each boundary): the
    operation says where its turns end and never commits."""
    turns.reading()
    prepared = prepare_submission(session, details, channel, received_at, engine=engine)
    if isinstance(prepared, ReferenceFirst):
        turns.writing(later_commit_syncs=True)  # the case's own commit makes it durable
        reference = reserve_reference(session, received_at)
        turns.reading()
        prepared = prepare_submission(session, details, channel, received_at, reference, engine)
    assert isinstance(prepared, PreparedSubmission)
    turns.writing()
    return record_submission(session, None, prepared)


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


@dataclass(frozen=True)
class ReferenceFirst:
    """prepare_submission's answer for a process whose code may read its reference from the start: reserve
    one, then prepare again with it."""
    version: ProcessVersion


def prepare_submission(session: Session, details: Mapping[str, Any], channel: str, received_at: datetime,
                       reference: str | None = None,
                       engine: WorkflowEngine | None = None) -> PreparedSubmission | ReferenceFirst:
    """Read the policy (newest version, timescales, calendar) and run the workflow; writes nothing.

    Without a `reference`, record_submission numbers the case in the transaction that writes it (on SQLite one
    turn with the write lock, not two), and until then the workflow's data carries REFERENCE_TO_COME. That is
    exact only if no code of the process can read `reference`: when its diagram mentions the word anywhere,
    this answers ReferenceFirst and runs nothing, and the caller reserves a reference and prepares again."""
    engine = engine or engine_of(session)
    comment_type = details["comment_type"]
    version = latest_version(session, comment_type)
    if version is None:
        raise ProcedureError(f"No process is deployed for {comment_type}s: ask the process owner to deploy "
                             f"one")
    diagram = lambda: version.bpmn_xml  # noqa: E731  (fetched only if this process has not parsed it yet)
    if reference is None and engine.mentions(diagram, version.process_key, "reference", version.content_hash):
        return ReferenceFirst(version)
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
                # its state, messages and stage: apply_run sets them before the flush
                timescales=prepared.timescales,
                ready_tasks=[], events=[], representatives=[],  # a new case's collections need no loading
                **{k: details.get(k) for k in CASE_FIELDS})
    issue_status_access(case)
    # written with its rows in apply_run's one flush: the write lock is taken there, not here
    session.add(case)
    record_event(session, case, actor, "submitted",
                 f"{COMMENT_TYPES[comment_type]} received: {CHANNELS[channel].lower()}")
    checked = details.get("representative")  # checked by representatives.check_representative
    if checked:  # before the run, so that its first messages go where the consent says
        case.representatives.append(new_representative(actor, checked))
        record_representative_line(session, case, actor, checked)
    apply_run(session, case, run, actor, prepared.calendar, new_case=True)
    index_case(session, case, new=True)
    return case
