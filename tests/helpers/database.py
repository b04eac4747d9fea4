"""The database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL), the tests' data
folder, and apps of their own for tests whose transactions must really commit."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from app import create_app
from app.cli import upgrade_database
from app.extensions import db as app_db
from models.db import make_engine
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


@contextmanager
def database_of_its_own(folder: Path, suffix: str) -> Iterator[str]:
    """The URL of an empty database on the suite's kind of database (a SQLite file in `folder`, or a
    PostgreSQL database named after the suite's with `_suffix`), dropped afterwards: for migration tests."""
    if DIALECT != "postgresql":
        yield f"sqlite:///{folder / f'{suffix}.db'}"
        return
    server, name = DATABASE_URL.rsplit("/", 1)
    admin = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    drop = text(f"DROP DATABASE IF EXISTS {name}_{suffix} WITH (FORCE)")
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(text(f"CREATE DATABASE {name}_{suffix}"))
    try:
        yield f"{server}/{name}_{suffix}"
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()
