"""A case's stage is stored as a key and shown as its label; the messages its workflow awaits are a list,
found in SQL by whole names. The upgrade turns the release before's labels and comma strings into them, and
back."""
from __future__ import annotations

from datetime import datetime, timezone

import lxml.html
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app.cli import alembic_config, seed_demo_users
from app.extensions import db as app_db
from models import Base, Case, User
from models.db import make_engine
from models.search import described_by_models
from processes.cases.queries import open_case_counts

from .helpers.cases import SATISFIED, CaseFactory, record_case
from .helpers.database import deployed_app, database_of_its_own

BEFORE = "5e7a1c3d9b42"  # the release before: labels and comma strings
BOTH = ["extension_agreed", "stage2_requested"]


def _waiting_for_customer(db) -> int:
    return open_case_counts(db, datetime.now(timezone.utc)).waiting_for_customer


def test_a_case_stores_its_stage_key_and_shows_its_label(db, users, login_as):
    case = CaseFactory(db, users).walk(record_case(db, users["frontline"]), "first_contact")
    assert db.scalar(select(Case.stage).where(Case.id == case.id)) == "stage1"
    assert case.stage_label == "Stage 1"
    row = lxml.html.fromstring(login_as("cro").get("/cases/").text).xpath(
        f"//tr[.//a[normalize-space()='{case.reference}']]")[0]
    assert "Stage 1" in row.text_content() and "stage1" not in row.text_content()


def test_the_awaited_messages_are_a_list_counted_by_whole_names(db, users):
    before = _waiting_for_customer(db)
    cases = [record_case(db, users["frontline"]) for _ in range(3)]
    for case, names in zip(cases, (BOTH, ["stage2_requested_late"], ["xstage2_requested"])):
        db.execute(update(Case).where(Case.id == case.id).values(awaiting_messages=names))
    db.commit()
    assert db.scalar(select(Case.awaiting_messages).where(Case.id == cases[0].id)) == BOTH
    assert db.get(Case, cases[0].id).awaits("stage2_requested")
    assert _waiting_for_customer(db) - before == 1  # a name that merely contains it is another message


def test_a_stage_no_table_names_is_refused_by_the_database(db, users):
    case = record_case(db, users["frontline"])
    with pytest.raises(IntegrityError):
        db.execute(update(Case).where(Case.id == case.id).values(stage="Stage 1"))
        db.flush()
    db.rollback()


@pytest.fixture()
def upgrade_url(tmp_path):
    """A database of its own for the migration, on the suite's kind of database."""
    with database_of_its_own(tmp_path, "keys") as url:
        yield url


def _cases_made(app) -> dict[int, tuple]:
    """Cases at stage 1, waiting for the customer's reply, and closed; one awaiting two messages."""
    with app.app_context():
        session = app_db.session
        seed_demo_users(session, app.extensions["forms"])
        users = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
        cases = CaseFactory(session, users)
        at_stage1 = cases.walk(record_case(session, users["frontline"]), "first_contact")
        waiting = cases.walk(record_case(session, users["frontline"]), "first_contact", "acknowledge_stage1",
                             "respond_stage1")
        closed = cases.do(None, record_case(session, users["frontline"]), "frontline", "first_contact",
                          first_contact_notes="Sorted on the phone.", **SATISFIED)
        session.execute(update(Case).where(Case.id == at_stage1.id).values(awaiting_messages=BOTH))
        session.commit()
        made = {c.id: (c.stage, c.awaiting_messages) for c in session.scalars(
            select(Case).where(Case.id.in_([at_stage1.id, waiting.id, closed.id])).execution_options(
                populate_existing=True))}
        session.remove()
    return made


def test_the_upgrade_turns_labels_and_comma_strings_into_keys_and_lists_and_back(upgrade_url):
    app = deployed_app(upgrade_url)
    made = _cases_made(app)
    assert sorted(made.values()) == [("closed", []), ("stage1", BOTH), ("stage1", ["stage2_requested"])]
    config = alembic_config(upgrade_url)
    config.attributes["skip_logging"] = True
    engine = make_engine(upgrade_url)
    command.downgrade(config, BEFORE)
    with engine.connect() as conn:
        old = dict((i, (s, a)) for i, s, a in conn.execute(text(
            "SELECT id, stage, awaiting_messages FROM comment_case")))
    assert {old[i] for i in made} == {("Closed", ""), ("Stage 1", "extension_agreed,stage2_requested"),
                                      ("Stage 1", "stage2_requested")}
    command.upgrade(config, "head")
    with app.app_context():
        again = {c.id: (c.stage, c.awaiting_messages) for c in app_db.session.scalars(select(Case))}
        assert _waiting_for_customer(app_db.session) == 2
        app_db.session.remove()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"include_name": described_by_models}), Base.metadata)
    engine.dispose()
    app.extensions["db_engine"].dispose()
    assert again == made and diff == []
