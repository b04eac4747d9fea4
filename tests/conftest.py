"""Fixtures: one app and schema per run (SQLite by default, PostgreSQL with TEST_DATABASE_URL), a
transaction rolled back after each test, a client and `login_as`."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import scoped_session

from app import create_app
from app.cli import seed_demo_users, upgrade_database
from app.extensions import db as app_db
from models import User
from models.db import make_engine
from processes.diagrams.deploy import deploy_shipped

from .helpers import clamd
from .helpers.cases import SATISFIED, CaseFactory
from .helpers.database import DATABASE_URL, DIALECT
from .helpers.journeys import forget_counts, sign_in


def pytest_report_header(config):
    return f"database: {DIALECT} ({make_engine(DATABASE_URL).url.render_as_string(hide_password=True)})"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out the browser tests: each drives a live app on a SQLite file of its own
    (tests/helpers/browser.py start_live_app), so the SQLite pass has already run exactly them."""
    if DIALECT != "postgresql":
        return
    browser = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if item not in set(browser)]
        config._cc_browser_left_out = len(browser)


def pytest_terminal_summary(terminalreporter):
    left_out = getattr(terminalreporter.config, "_cc_browser_left_out", 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} browser tests left out: their live apps run on SQLite files "
                                    "of their own, and the SQLite pass ran them")
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
def scanner(tmp_path_factory):
    """The run's clamd (the shipped EICAR signature only) and a temporary attachments folder: the settings
    every app of the run is given. Stopped when the run ends."""
    folder = tmp_path_factory.mktemp("clamd")
    clamd.SETTINGS.update(CLAMD_SOCKET=clamd.start(folder),
                          ATTACHMENTS_DIR=tmp_path_factory.mktemp("attachments"))
    yield clamd.SETTINGS
    clamd.stop(folder)
    clamd.SETTINGS.clear()


@pytest.fixture(scope="session")
def app(scanner):
    _fresh_schema(DATABASE_URL)
    app = create_app({"TESTING": True, "DATABASE_URL": DATABASE_URL, "SECRET_KEY": "test-secret",
                      "ENV": "testing", **scanner})
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
    sessions = app.extensions["db_sessions"]  # the app's factory: its engine, site and listeners
    session = scoped_session(lambda: sessions(bind=connection, join_transaction_mode="create_savepoint"))
    app.extensions["db_session"] = session
    # The caps' counts are kept in the limiter's storage, not in the database: forgotten with the test too.
    forget_counts(app)
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


SIGNED_IN: dict[str, dict] = {}  # who -> the session a sign-in through the page gave, for the suite's app


@pytest.fixture()
def login_as(app, db):
    """login_as("cro") gives a fresh client signed in as that demo user: through the sign-in page the first
    time in a run, then with the session that sign-in gave (its scrypt check costs 80 ms, a tenth of the
    suite). The session stays good: it names the account's stamp (password, active, session version), which
    every test's rollback restores. The idle clock (`seen_at`) is left out, so it starts at the first request,
    in whatever time the test has travelled to. Tests of signing in itself use journeys.sign_in."""
    def signed_in(who: str):
        client = app.test_client()
        if who not in SIGNED_IN:
            sign_in(client, who)
            with client.session_transaction() as session:
                SIGNED_IN[who] = {k: v for k, v in session.items() if k not in ("seen_at", "_flashes")}
            return client
        with client.session_transaction() as session:
            session.update(SIGNED_IN[who])
        return client
    return signed_in



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
def live(tmp_path_factory, scanner):
    """One live app (its own SQLite file, the shipped processes, the demo accounts) shared by the browser
    tests that need nothing prepared."""
    from .helpers.browser import start_live_app
    live_app, _ = start_live_app(tmp_path_factory.mktemp("live"))
    yield live_app
    live_app.stop()


@pytest.fixture()
def live_server(live) -> str:
    """The shared live app's base URL."""
    return live.base


@pytest.fixture()
def case_factory(db, users) -> CaseFactory:
    """Cases made through the real operations (submit_comment, complete_task): see tests/helpers/cases.py."""
    return CaseFactory(db, users)


@pytest.fixture()
def hand_built(db, case_factory):
    """Six cases: A late over Christmas, B extended over Easter then stage 2, C first contact, D, E, F."""
    c = case_factory
    a = c.submit((2025, 12, 19, 10), "complaint", "waste", "phone")  # Fri: day 5 Tue 30 Dec, day 10 Wed 7 Jan
    c.do((2025, 12, 19, 11), a, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal")
    c.do((2025, 12, 29, 10), a, "investigator", "acknowledge_stage1", ack_method="email")
    c.do((2026, 1, 8, 10), a, "senior", "respond_stage1_escalated", stage1_outcome="upheld",
         stage1_findings="Missed", stage1_remedies=["apology", "financial"], stage1_financial_amount="50",
         stage1_method="email")
    b = c.submit((2026, 4, 2, 15), "complaint", "housing", "web")  # Thu before Good Friday, 4pm BST
    c.do((2026, 4, 2, 16), b, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal")
    c.do((2026, 4, 7, 8), b, "investigator", "acknowledge_stage1", ack_method="email")
    c.extend((2026, 4, 15, 9), b, 5)  # due Mon 20 Apr becomes Mon 27 Apr
    c.do((2026, 4, 24, 9), b, "investigator", "respond_stage1", stage1_outcome="partly_upheld",
         stage1_findings="Partly", stage1_remedies=["explanation"], stage1_method="email")
    c.do((2026, 4, 27, 9), b, "cro", "record_customer_reply", customer_reply="stage2")
    c.do((2026, 5, 6, 9), b, "senior", "acknowledge_stage2", ack_method="letter")  # due Tue 5 May: late
    c.do((2026, 5, 11, 9), b, "senior", "review_stage2", stage2_outcome="not_upheld", stage2_findings="Fair",
         stage2_method="letter")
    cc = c.submit((2026, 3, 2, 9), "complaint", "waste", "web")
    c.do((2026, 3, 2, 10), cc, "frontline", "first_contact", first_contact_notes="Sorted",
         **SATISFIED)
    d = c.submit((2026, 3, 2, 9), "query", "council_tax", "email")
    c.do((2026, 3, 9, 9), d, "investigator", "answer_query", query_answer="Yes", query_answer_method="email")
    e = c.submit((2026, 3, 3, 9), "suggestion", "parks", "letter")
    c.do((2026, 3, 5, 9), e, "manager", "consider_suggestion", suggestion_decision="adopted",
         suggestion_reason="Good")
    f = c.submit((2026, 3, 4, 9), "compliment", "parks", "in_person")
    c.do((2026, 3, 4, 12), f, "manager", "pass_on_compliment", staff_named="Sam", passed_on_notes="Sent on")
    db.commit()
    return {"A": a, "B": b, "C": cc, "D": d, "E": e, "F": f}
