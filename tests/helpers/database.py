"""The database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL), the tests' data
folder, and apps of their own for tests whose transactions must really commit."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app import create_app
from app.cli import upgrade_database
from app.extensions import db as app_db
from processes.diagrams.deploy import deploy_shipped

DATA = Path(__file__).resolve().parents[1] / "data"


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tempfile.mkdtemp(prefix='cc-tests-')}/test.db"


DATABASE_URL = _database_url()
DIALECT = DATABASE_URL.split(":", 1)[0].split("+", 1)[0]


def deployed_app(url: str, secret: str = "test"):
    """An app on its own database (migrated, the shipped processes deployed), outside the rolled-back
    fixture: for tests whose transactions must really commit and overlap."""
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "ENV": "testing"})
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        app_db.session.commit()
    return app
