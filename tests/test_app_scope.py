"""No process-wide mutable state: each app's workflow engine, site and session listeners are its own
(processes/sessions.py), so several apps in one process (the suite's, a live server's, a worker's) never
see each other's settings.

What is allowed at module level in processes/ and models/: constants, compiled statements and templates,
and caches of immutable data (functools.lru_cache over text or files that do not change while the process
runs). What is not: `global` statements, containers a run of the procedure changes, listeners on the
Session class.
"""
from __future__ import annotations

import ast
import copy
import importlib
import pkgutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import models
import processes
from app import create_app
from app.cli import seed_demo_users, upgrade_database
from app.extensions import db as app_db
from models import OutboxMessage
from processes.cases.submission import submit_comment
from processes.diagrams.deploy import deploy_shipped
from processes.engine import engine_of
from processes.messaging.messages import site_of
from processes.records import audit
from processes.reporting import facts

ROOT = Path(__file__).resolve().parent.parent
GONE = {"SITE", "configure_site", "default_engine", "_default_engine"}


def _app(path: Path, base_url: str, council: str):
    url = f"sqlite:///{path}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "ENV": "testing", "BASE_URL": base_url,
                      "COUNCIL_NAME": council})
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        seed_demo_users(app_db.session, app.extensions["forms"])
        app_db.session.commit()
    return app


def _submit(app, comment_type: str) -> list[str]:
    """Submit a comment through `app` and return the bodies of the messages it queued."""
    with app.app_context():
        case = submit_comment(app_db.session, None, {"comment_type": comment_type, "service_area": "waste",
                                                     "comment": "Thank you", "customer_name": "Jo",
                                                     "customer_email": "jo@example.com"},
                              "web", datetime.now(timezone.utc))
        app_db.session.commit()
        query = select(OutboxMessage.body).where(OutboxMessage.case_id == case.id)
        bodies = list(app_db.session.scalars(query))
        app_db.session.remove()
    return bodies


def test_two_apps_in_one_process_write_their_own_links_and_names(tmp_path):
    north = _app(tmp_path / "north.db", "https://north.example/", "North Council")
    south = _app(tmp_path / "south.db", "https://south.example", "South Council")
    for app, url, council, other in ((north, "https://north.example/tasks/", "North Council", "south"),
                                     (south, "https://south.example/tasks/", "South Council", "north"),
                                     (north, "https://north.example/tasks/", "North Council", "south")):
        bodies = _submit(app, "compliment")  # the customer's thanks, and the team's new task
        assert any(body.endswith(council) for body in bodies), bodies
        assert any(url in body for body in bodies), bodies
        assert not any(other in body for body in bodies), bodies
    assert north.extensions["workflow_engine"] is not south.extensions["workflow_engine"]
    for app in (north, south):
        app.extensions["db_engine"].dispose()


def test_a_session_knows_its_apps_engine_and_site(app, db):
    assert engine_of(db) is app.extensions["workflow_engine"]
    assert site_of(db) is app.extensions["site"]
    assert site_of(db).url == app.config["BASE_URL"].rstrip("/")


def test_a_session_not_opened_by_an_apps_factory_is_refused_not_given_a_default(app):
    with Session(bind=app.extensions["db_engine"]) as bare:
        for use in (engine_of, site_of, lambda s: audit.audit(s, None, "test", "lost")):
            with pytest.raises(LookupError, match="processes.sessions.session_factory"):
                use(bare)


def test_no_listener_is_registered_on_the_session_class():
    for name, listener in (("before_commit", audit._chain_pending),
                           ("after_soft_rollback", audit._forget_pending),
                           ("after_transaction_end", facts._forget_stage_rows)):
        assert not event.contains(Session, name, listener)


def _python_files():
    return [p for folder in ("app", "processes", "models", "bench") for p in (ROOT / folder).rglob("*.py")]


def _names(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add(node.name.rsplit(".", 1)[-1])
    return found


def test_no_module_keeps_global_state():
    for path in _python_files():
        tree = ast.parse(path.read_text())
        where = path.relative_to(ROOT)
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Global)], f"{where} has a global statement"
        assert not _names(tree) & GONE, f"{where} uses {_names(tree) & GONE}"


def _modules():
    for package in (processes, models):
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            yield importlib.import_module(info.name)


def _containers() -> dict[tuple[str, str], object]:
    """A copy of every dict, list, set and bytearray held at module level in processes/ and models/."""
    held = {}
    for module in _modules():
        for name, value in vars(module).items():
            if type(value) in (dict, list, set, bytearray) and not name.startswith("__"):
                held[(module.__name__, name)] = copy.deepcopy(value)
    return held


def test_running_the_procedure_changes_nothing_held_at_module_level(db, case_factory):
    before = _containers()
    case = case_factory.submit((2026, 3, 2, 9), "complaint", "waste", "web")
    case_factory.do((2026, 3, 2, 10), case, "frontline", "first_contact", first_contact_outcome="formal",
                    first_contact_notes="Formal")
    case_factory.do((2026, 3, 3, 10), case, "investigator", "acknowledge_stage1", ack_method="email")
    case_factory.extend((2026, 3, 4, 9), case, 5)
    case_factory.do((2026, 3, 12, 9), case, "investigator", "respond_stage1", stage1_outcome="upheld",
                    stage1_findings="Missed", stage1_method="email")
    assert len(before) > 10  # the copy found the modules' constants
    assert _containers() == before
