"""Deploying diagrams as immutable, content-addressed process versions with their forms."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ProcessVersion, User
from processes.diagrams.deploy_checks import DiagramRefused, find_problems
from processes.engine import WorkflowEngine, engine_of
from processes.messaging.messages import load_templates
from processes.records.audit import audit

SHIPPED_BPMN = Path(__file__).resolve().parents[2] / "bpmn"
SHIPPED_FORMS = Path(__file__).resolve().parents[2] / "forms"


def deploy_process(session: Session, xml: bytes, forms: Mapping[str, Any], actor: User | None,
                   comment: str, engine: WorkflowEngine | None = None,
                   messages: Mapping[str, Any] | None = None) -> list[ProcessVersion]:
    """Deploy a diagram the deploy checks pass; DiagramRefused, with each problem, if they find any."""
    engine = engine or engine_of(session)
    messages = load_templates() if messages is None else messages
    problems = find_problems(engine, xml, forms, messages)
    if problems:
        raise DiagramRefused(problems)
    return deploy_checked(session, engine, xml, forms, messages, actor, comment)


def deploy_checked(session: Session, engine: WorkflowEngine, xml: bytes, forms: Mapping[str, Any],
                   messages: Mapping[str, Any], actor: User | None, comment: str) -> list[ProcessVersion]:
    """Store each process of a diagram just checked with these forms and templates, unless already
    deployed."""
    # The hash covers the forms and templates each version keeps: new wording of a form is a new version.
    versions = []
    for process_id in engine.process_ids(xml):
        used = {t["properties"]["form"] for t in engine.describe_user_tasks(xml, process_id)}
        sends = engine.send_templates(xml, process_id)
        snapshot = {"forms": {name: forms[name] for name in sorted(used)},
                    "messages": {name: messages[name] for name in sorted(set(sends.values()))},
                    "categories": carried_categories(session, process_id)}
        digest = content_digest(xml, snapshot)
        versions.append(_store_version(session, engine, xml, process_id, snapshot, digest, actor, comment))
    return versions


def content_digest(xml: bytes, snapshot: Mapping[str, Any]) -> str:
    """The version's content hash: its diagram and its snapshot (forms, templates, categories)."""
    return hashlib.sha256(xml + json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def _store_version(session, engine, xml, process_id, snapshot, digest, actor, comment) -> ProcessVersion:
    existing = session.scalar(select(ProcessVersion).filter_by(process_key=process_id,
                                                               content_hash=digest).limit(1))
    if existing:
        return existing
    return new_version(session, engine, xml, process_id, snapshot, digest, actor, comment)


def new_version(session, engine, xml, process_id, snapshot, digest, actor, comment) -> ProcessVersion:
    """Store the next version number of a process (a rollback may repeat an older version's content)."""
    number = (session.scalar(select(func.max(ProcessVersion.number)).filter_by(process_key=process_id))
              or 0) + 1
    spec_name = engine.process_names(xml).get(process_id, process_id)
    version = ProcessVersion(process_key=process_id, name=spec_name, number=number, content_hash=digest,
                             bpmn_xml=xml, forms=snapshot["forms"], messages=snapshot["messages"],
                             categories=snapshot.get("categories"),
                             comment=comment, deployed_by_id=actor.id if actor else None)
    session.add(version)
    session.flush()
    audit(session, actor, "deploy", f"Deployed {process_id} version {number} ({digest[:12]}): {comment}")
    return version


def carried_categories(session: Session, process_id: str) -> dict[str, Any]:
    from processes.diagrams.categories import carried_categories as carried  # it builds on this module
    return carried(session, process_id)


def latest_version(session: Session, process_key: str) -> ProcessVersion | None:
    return session.scalar(select(ProcessVersion).filter_by(process_key=process_key)
                          .order_by(ProcessVersion.number.desc()).limit(1))


def deploy_shipped(session: Session, forms: Mapping[str, Any], actor: User | None = None,
                   engine: WorkflowEngine | None = None) -> list[ProcessVersion]:
    """Deploy every diagram in bpmn/ (a no-op for those already deployed)."""
    versions = []
    for path in sorted(SHIPPED_BPMN.glob("*.bpmn")):
        versions += deploy_process(session, path.read_bytes(), forms, actor, f"Shipped {path.name}", engine)
    return versions
