"""Another app on the suite's database whose sessions join the running test's transaction (rolled back with
it): for settings the suite's app does not have (TRUSTED_PROXIES, REDIS_URL), or two app servers at once."""
from __future__ import annotations

from sqlalchemy.orm import scoped_session

from app import create_app

from .database import DATABASE_URL


def app_on_the_tests_transaction(db, settings: dict):
    """An app with these settings; what its requests commit becomes savepoints of the test's transaction."""
    app = create_app({"TESTING": True, "DATABASE_URL": DATABASE_URL, "SECRET_KEY": "test-secret",
                      "ENV": "testing", **settings})
    connection, sessions = db.get_bind(), app.extensions["db_sessions"]
    app.extensions["db_session"] = scoped_session(
        lambda: sessions(bind=connection, join_transaction_mode="create_savepoint"))
    return app
