"""The process owner's editor and the CLI: what the editor opens, and deploying once every check passes."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ProcessVersion, User
from processes.access import require
from processes.diagrams.deploy import deploy_checked, latest_version
from processes.diagrams.problems import Problem
from processes.diagrams.validation import sample_case_data, validate_process
from processes.engine import WorkflowEngine, engine_of
from processes.errors import InvalidInput
from processes.messaging.messages import load_templates
from processes.policy.settings import current_timescales

MAX_COMMENT = 2000


class NotValid(Exception):
    """The diagram or its forms have problems; nothing was deployed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def newest_versions(session: Session) -> list[ProcessVersion]:
    """The newest version of every deployed process, by name."""
    versions = session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                               ProcessVersion.number.desc())).all()
    newest = {v.process_key: v for v in reversed(versions)}
    return sorted(newest.values(), key=lambda v: v.name)


def editable_forms(version: ProcessVersion | None, shipped: Mapping[str, Any]) -> dict[str, Any]:
    """Every form the editor offers: the shipped folder, overlaid with the newest version's snapshot."""
    return {**shipped, **(version.forms if version else {})}


def check_diagram(session: Session, xml: bytes, forms: Mapping[str, Any],
                  engine: WorkflowEngine | None = None, comment_type: str = "complaint",
                  templates: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every deploy check, trials included, against sample case data built from the timescales in force."""
    sample = sample_case_data(current_timescales(session), comment_type)
    return validate_process(engine or engine_of(session), xml, forms, sample, templates)


def check_edited_process(session: Session, process_key: str, xml: bytes, forms: Mapping[str, Any],
                         engine: WorkflowEngine | None = None,
                         templates: Mapping[str, Any] | None = None) -> list[Problem]:
    """Check an edited diagram, which must still define the process it was opened as."""
    engine = engine or engine_of(session)
    problems = check_diagram(session, xml, forms, engine, process_key, templates)
    if not problems and process_key not in engine.process_ids(xml):
        problems.append(Problem("", "", f"The diagram does not define the process “{process_key}”"))
    return problems


def deploy_diagram(session: Session, actor: User | None, xml: bytes, forms: Mapping[str, Any], comment: str,
                   engine: WorkflowEngine | None = None) -> list[ProcessVersion]:
    """Run every deploy check once, trials included, then deploy each process of a diagram (the CLI)."""
    engine, templates = engine or engine_of(session), load_templates()
    problems = check_diagram(session, xml, forms, engine, templates=templates)
    if problems:
        raise NotValid(problems)
    return deploy_checked(session, engine, xml, forms, templates, actor, comment)


def deploy_edited_process(session: Session, actor: User, process_key: str, xml: bytes,
                          forms: Mapping[str, Any], comment: str,
                          engine: WorkflowEngine | None = None) -> tuple[ProcessVersion, bool]:
    """Check, then deploy as a new version; returns the version and whether it is new."""
    require(actor, "change_process", "Only the process owner can deploy a process")
    comment = (comment or "").strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise InvalidInput({"comment": "Enter what changed and why" if not comment
                            else f"The comment must be {MAX_COMMENT:,} characters or fewer"},
                           {"comment": comment})
    engine, templates = engine or engine_of(session), load_templates()
    problems = check_edited_process(session, process_key, xml, forms, engine, templates)
    if problems:
        raise NotValid(problems)
    before = latest_version(session, process_key)
    versions = deploy_checked(session, engine, xml, forms, templates, actor, comment)
    version = next(v for v in versions if v.process_key == process_key)
    return version, before is None or version.id != before.id
