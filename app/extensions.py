"""Extensions, each set up with init_app: the database session, login and CSRF."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, scoped_session

from models.db import begin_writing, make_engine
from processes.engine import WorkflowEngine
from processes.messaging.messages import Site
from processes.sessions import session_factory


class Database:
    """Each app's engine and scoped session, found through the current app (tests run several apps in one
    process: the suite's, a live server's, a worker's); the session is removed after each request.

    The app's workflow engine and site live here too, and on every session it opens (processes.sessions)."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        workflow_engine = WorkflowEngine()
        site = Site(app.config["BASE_URL"], app.config["COUNCIL_NAME"])
        sessions = session_factory(engine, workflow_engine, site)
        app.extensions.update(db=self, db_engine=engine, db_sessions=sessions,
                              workflow_engine=workflow_engine, site=site)
        app.extensions["db_session"] = scoped_session(sessions)
        app.before_request(self._declare_writes)  # first, before anything reads
        app.teardown_appcontext(lambda exc: app.extensions["db_session"].remove())

    def _declare_writes(self) -> None:
        """Requests that change things (and pages that record who viewed them) say so before they read."""
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "writes_late", False):
            return
        if request.method not in ("GET", "HEAD", "OPTIONS") or getattr(view, "writes", False):
            begin_writing(self.session())

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db_engine"]

    @property
    def session(self) -> scoped_session[Session]:
        return current_app.extensions["db_session"]


def writes(view):
    """Mark a GET view that writes (an audit entry of the view, say), so its transaction is a writing one."""
    view.writes = True
    return view


def writes_late(view):
    """Mark a view that reads first and declares its own writing transactions (models.db.begin_writing),
    so that on SQLite it holds the write lock only while it writes."""
    view.writes_late = True
    return view


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
