"""The session factory of one app: how its objects reach the operations without a module global.

An app (or a CLI command, the timer worker, a bench) has one workflow engine, whose parsed specs are cached
on it, and one site, whose address and council name its messages use. Both go into the `info` of every
session its factory opens, and the operations find them there (processes.engine.engine_of,
processes.messaging.messages.site_of); an operation's explicit `engine=` still wins (tests and benches pass
engines of their own). The listeners that chain audit entries and forget a transaction's stage rows are
registered on the factory, never on the Session class, so two apps in one process (the suite's, a live
server's, a worker's) share nothing but what is immutable.
"""
from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_session_factory
from processes.engine import ENGINE_KEY, WorkflowEngine
from processes.messaging.messages import SITE_KEY, Site
from processes.records import audit
from processes.reporting import facts


def session_factory(database: Engine, engine: WorkflowEngine, site: Site) -> sessionmaker[Session]:
    """Sessions on `database` that carry `engine` and `site`, chain audit entries and record facts."""
    sessions = make_session_factory(database, info={ENGINE_KEY: engine, SITE_KEY: site})
    audit.listen_on(sessions)
    facts.listen_on(sessions)
    return sessions
