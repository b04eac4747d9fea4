"""Extensions, each set up with init_app: the database session, login and CSRF."""
from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session, scoped_session

from models.db import make_engine, make_session_factory


class Database:
    """One engine and one scoped session per app; the session is removed after each request."""

    def __init__(self):
        self.engine = None
        self.session: scoped_session[Session] | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session = scoped_session(make_session_factory(self.engine))
        app.extensions["db"] = self
        app.teardown_appcontext(lambda exc: self.session.remove())


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
