"""Moving running cases to the newest version of their process: explicit, checked and recorded."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ProcessVersion, User
from processes.access import require
from processes.cases.runs import apply_run, diagram_of
from processes.diagrams.deploy import latest_version
from processes.engine import MigrationRefused, WorkflowEngine, WorkflowError, engine_of
from processes.errors import Conflict, ProcedureError
from processes.policy.settings import current_timescales, load_calendar
from processes.records.audit import audit
from processes.records.history import record_event


@dataclass
class Outcome:
    moved: bool
    reason: str = ""


@dataclass
class BatchOutcome:
    moved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)


def _form_problems(case: Case, target: ProcessVersion) -> list[str]:
    """The forms of the tasks waiting now must be the same in the new version: a half-filled task keeps its
    form."""
    problems = []
    for task in case.ready_tasks:
        old, new = case.process_version.forms.get(task.form_name), (target.forms or {}).get(task.form_name)
        if task.form_name and old != new:
            problems.append(f"the form “{task.form_name}” of “{task.name}” " +
                            ("is not in the new version" if new is None else "changed"))
    return problems


def migrate_case(session: Session, actor: User, case: Case, engine: WorkflowEngine | None = None) -> Outcome:
    """Move one open case to the newest version, or record why not; both go in its history."""
    require(actor, "move_cases",
            "Only the Customer Relations Officer or the process owner can move a case to a new version")
    target = latest_version(session, case.process_version.process_key)
    if case.status != "open":
        raise Conflict("This case is closed: it stays on the version it ran on")
    if target.id == case.process_version_id:
        raise Conflict(f"This case is already on the newest version ({target.number})")
    source = case.process_version.number
    problems = _form_problems(case, target)
    try:
        if problems:
            raise MigrationRefused("; ".join(problems))
        run = (engine or engine_of(session)).migrate(case.workflow_state, target.bpmn_xml, target.process_key,
                                                   load_calendar(session), diagram_of(case),
                                                   target.content_hash, current_timescales(session))
    except (MigrationRefused, WorkflowError) as exc:
        reason = f"Not moved from version {source} to version {target.number}: {exc}"
        record_event(session, case, actor, "migration refused", reason, {"from": source, "to": target.number})
        session.flush()
        return Outcome(False, str(exc))
    case.process_version = target
    record_event(session, case, actor, "migrated", f"Moved from version {source} to version {target.number}",
                 {"from": source, "to": target.number})
    apply_run(session, case, run, actor, because=f"the case moved to version {target.number}")
    session.flush()
    return Outcome(True)


def migrate_cases(session: Session, actor: User, version: ProcessVersion,
                  engine: WorkflowEngine | None = None) -> BatchOutcome:
    """Move every open case on `version` to the newest version, each in its own savepoint."""
    require(actor, "move_cases",
            "Only the Customer Relations Officer or the process owner can move cases to a new version")
    if latest_version(session, version.process_key).id == version.id:
        raise Conflict(f"Version {version.number} is the newest: its cases have nowhere newer to move to")
    result = BatchOutcome()
    cases = session.scalars(select(Case).filter_by(process_version_id=version.id,
                                                   status="open").order_by(Case.id))
    for case in list(cases):
        try:
            with session.begin_nested():
                outcome = migrate_case(session, actor, case, engine)
        except ProcedureError as exc:  # the savepoint is rolled back: this case is as it was
            outcome = Outcome(False, str(exc))
        if outcome.moved:
            result.moved.append(case.reference)
        else:
            result.refused.append((case.reference, outcome.reason))
    audit(session, actor, "migrate cases", f"{version.process_key} version {version.number}: moved "
          f"{len(result.moved)}, refused {len(result.refused)}")
    return result
