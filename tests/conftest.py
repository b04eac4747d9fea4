"""Fixtures: one app and schema per run (SQLite by default, PostgreSQL with TEST_DATABASE_URL), a
transaction rolled back after each test, a client and `login_as`."""
from __future__ import annotations

import os
import html as html_lib
import re
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, scoped_session

from app import create_app
from app.cli import DEMO_PASSWORD, DEMO_USERS, seed_demo_users, upgrade_database
from app.extensions import db as app_db
from models import User
from models.db import make_engine
from processes.deploy import deploy_shipped

DATA = Path(__file__).parent / "data"


def deployed_app(url: str, secret: str = "test"):
    """An app on its own database (migrated, the shipped processes deployed), outside the rolled-back
    fixture: for tests whose transactions must really commit and overlap."""
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "ENV": "testing"})
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        app_db.session.commit()
    return app


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tempfile.mkdtemp(prefix='cc-tests-')}/test.db"


DATABASE_URL = _database_url()
DIALECT = DATABASE_URL.split(":", 1)[0].split("+", 1)[0]


def pytest_report_header(config):
    return f"database: {DIALECT} ({make_engine(DATABASE_URL).url.render_as_string(hide_password=True)})"


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"These tests ran on {DIALECT.upper()}: "
                                f"{make_engine(DATABASE_URL).url.render_as_string(hide_password=True)}")


def _fresh_schema(url: str) -> None:
    if DIALECT == "postgresql":
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade_database(url)


@pytest.fixture(scope="session")
def app():
    _fresh_schema(DATABASE_URL)
    app = create_app({"TESTING": True, "DATABASE_URL": DATABASE_URL, "SECRET_KEY": "test-secret",
                      "WTF_CSRF_ENABLED": False, "ENV": "testing"})
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        seed_demo_users(app_db.session, app.extensions["forms"])
        app_db.session.commit()
        app_db.session.remove()
    return app


@pytest.fixture()
def db(app):
    """A session whose work is rolled back after the test; the app's commits become savepoints."""
    connection = app.extensions["db_engine"].connect()
    outer = connection.begin()
    original = app.extensions["db_session"]
    session = scoped_session(lambda: Session(bind=connection, join_transaction_mode="create_savepoint",
                                             expire_on_commit=False))
    app.extensions["db_session"] = session
    try:
        yield session
    finally:
        session.remove()
        app.extensions["db_session"] = original
        outer.rollback()
        connection.close()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def users(db) -> dict[str, User]:
    """Demo users by the first part of their email: frontline, investigator, senior, senior2, cro, ..."""
    return {u.email.split("@")[0]: u for u in db.scalars(select(User))}


@pytest.fixture()
def login_as(app, db):
    """login_as("cro") gives a fresh client signed in as that demo user."""
    def login(who: str):
        client = app.test_client()
        response = client.post("/sign-in", data={"email": f"{who}@example.org", "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"could not sign in as {who}: {error_messages(response.text)}"
        return client
    return login


def task_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-task-id="(\d+)"', html)]


def row_version(html: str) -> str:
    return re.search(r'name="row_version" value="(\d+)"', html).group(1)


def complete(client, task_id: int, data: dict, expect_status: int = 302):
    """Open the task page and submit its form, as a person would."""
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200, page.text[:500]
    response = client.post(f"/tasks/{task_id}", data={**data, "row_version": row_version(page.text)})
    assert response.status_code == expect_status, response.text[:2000]
    return response


def answer_public_query(client) -> None:
    """Walk the public form for a query up to its last step, "check your answers"."""
    client.post("/comment/type", data={"comment_type": "query"})
    client.post("/comment/service", data={"service_area": "waste"})
    client.post("/comment/comment", data={"comment": "When is the bin collected?"})
    client.post("/comment/about-you", data={"customer_name": "Jo", "customer_email": "jo@example.com",
                                            "preferred_contact": "email"})


def error_messages(html: str) -> list[str]:
    """The GOV.UK error messages shown beside fields."""
    return [html_lib.unescape(m.strip()) for m in re.findall(r'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>([^<]*)', html)]


ALL_DEMO = [email.split("@")[0] for email, _, _ in DEMO_USERS]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for every browser test of the run."""
    from playwright.sync_api import sync_playwright

    from .helpers.browser import launch
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """One live app (its own SQLite file, the shipped processes, the demo accounts) shared by the browser tests
    that need nothing prepared."""
    from .helpers.browser import start_live_app
    live_app, _ = start_live_app(tmp_path_factory.mktemp("live"))
    yield live_app
    live_app.stop()


@pytest.fixture()
def live_server(live) -> str:
    """The shared live app's base URL."""
    return live.base
