"""One unit of work: app/ commits and rolls back only in app/unit_of_work.py, once per request, command or
timer run; a refusal is rolled back and answered in one place."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from flask import Blueprint, flash, session
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.util import immutabledict

from app import create_app
from app.unit_of_work import keep_even_if_refused, mark_refused, on_refusal, unit_of_work
from models import ClosureDay
from models.db import WRITING
from processes.errors import Conflict, InvalidInput, NotAllowed

from .helpers.database import DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "app" / "unit_of_work.py"
DAY = date(2031, 12, 29)


def test_app_commits_and_rolls_back_only_in_the_unit_of_work_helper():
    calls = re.compile(r"\.(commit|rollback)\(")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "app").rglob("*.py")) if path != HELPER
             for number, line in enumerate(path.read_text().splitlines(), 1) if calls.search(line)]
    assert not found, found
    assert calls.search(HELPER.read_text())


class _Recorded:
    """A stand-in session that records what it is asked to do."""

    def __init__(self):
        self.calls: list[str] = []
        self.execution_options = immutabledict()

    def commit(self):
        self.calls.append("commit")

    def rollback(self):
        self.calls.append("rollback")


def test_a_command_or_timer_run_commits_once_when_it_succeeds():
    recorded = _Recorded()
    with unit_of_work(recorded):
        recorded.calls.append("work")
    assert recorded.calls == ["work", "commit"]


@pytest.mark.parametrize("error", [Conflict("taken"), ValueError("broken"), KeyboardInterrupt()])
def test_a_command_or_timer_run_that_raises_is_rolled_back_and_the_error_goes_on(error):
    recorded = _Recorded()
    with pytest.raises(type(error)):
        with unit_of_work(recorded):
            raise error
    assert recorded.calls == ["rollback"]


def test_turns_commit_what_was_done_and_say_whether_the_next_transaction_writes():
    recorded = _Recorded()
    with unit_of_work(recorded) as turns:
        turns.writing(later_commit_syncs=True)
        assert recorded.execution_options[WRITING] == "later_commit_syncs"
        turns.reading()
        assert recorded.execution_options[WRITING] is False
        turns.writing()
        assert recorded.execution_options[WRITING] is True
        turns.end()
    assert recorded.calls == ["commit"] * 5


class _Counting(Session):
    """The test's rolled-back connection, counting commits and rollbacks (and failing a commit when told)."""
    commits = rollbacks = 0
    fail_commit = False

    def commit(self):
        if _Counting.fail_commit:
            raise RuntimeError("the disk is full")
        _Counting.commits += 1
        super().commit()

    def rollback(self):
        _Counting.rollbacks += 1
        super().rollback()


def _probes() -> Blueprint:
    bp = Blueprint("probe", __name__)

    def close(then_refuse=None):
        from app.extensions import db
        db.session.add(ClosureDay(day=DAY, reason="probe"))
        db.session.flush()
        if then_refuse:
            raise then_refuse

    @bp.post("/probe/done")
    def done():
        close()
        flash("Done", "success")
        return "done"

    @bp.post("/probe/refused")
    def refused():
        on_refusal("/there", referrer=True, failed="It failed")
        close(Conflict("Someone else changed it"))

    @bp.post("/probe/refused-here")
    def refused_here():
        on_refusal("/here")
        close(NotAllowed("Not you"))

    @bp.post("/probe/bad-input")
    def bad_input():
        on_refusal("/here")
        close(InvalidInput({"reason": "Enter a reason"}))

    @bp.post("/probe/bad-input-nowhere")
    def bad_input_nowhere():
        close(InvalidInput({"reason": "Enter a reason"}))

    @bp.post("/probe/kept")
    def kept():
        close()
        keep_even_if_refused()
        return "counted, and refused", 400

    @bp.post("/probe/shown")
    def shown():
        close()
        mark_refused()
        return "refused on the form's own page", 200

    @bp.post("/probe/commit-fails")
    def commit_fails():
        close()
        session["answers"] = "what they typed, taken as sent"
        flash("Sent", "success")
        _Counting.fail_commit = True
        return "sent"

    return bp


@pytest.fixture()
def probe(db):
    """An app of its own with views that write a closure day and succeed or are refused, on the test's
    rolled-back connection."""
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": DATABASE_URL,
                      "SECRET_KEY": "test-secret", "ENV": "testing", "WTF_CSRF_ENABLED": False})
    app.register_blueprint(_probes())
    connection = db.connection()
    app.extensions["db_session"] = scoped_session(lambda: _Counting(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False))
    _Counting.commits = _Counting.rollbacks = 0
    _Counting.fail_commit = False
    yield app.test_client()
    _Counting.fail_commit = False
    app.extensions["db_session"].remove()
    app.extensions["db_engine"].dispose()


def _closed(db) -> bool:
    db.expire_all()
    return db.get(ClosureDay, DAY) is not None


def _flashes(client) -> list:
    with client.session_transaction() as browser:
        return browser.get("_flashes", [])


def test_a_request_that_succeeds_is_committed_once(probe, db):
    assert probe.post("/probe/done").status_code == 200
    assert (_Counting.commits, _Counting.rollbacks) == (1, 0)
    assert _closed(db) and _flashes(probe) == [("success", "Done")]


def test_a_refusal_is_rolled_back_flashed_and_sent_back_where_the_person_came_from(probe, db):
    response = probe.post("/probe/refused", headers={"Referer": "http://localhost/from"})
    assert response.status_code == 302 and response.location == "http://localhost/from"
    assert (_Counting.commits, _Counting.rollbacks) == (0, 1) and not _closed(db)
    assert _flashes(probe) == [("error", "It failed: Someone else changed it")]
    assert probe.post("/probe/refused").location == "/there"  # the browser did not say where from


def test_a_refusal_goes_where_the_view_said_whatever_the_referrer(probe, db):
    response = probe.post("/probe/refused-here", headers={"Referer": "http://localhost/from"})
    assert response.status_code == 302 and response.location == "/here"
    assert _flashes(probe) == [("error", "Not you")] and not _closed(db)


def test_bad_input_says_its_first_problem_where_the_view_said_or_else_is_the_400_page(probe, db):
    response = probe.post("/probe/bad-input")
    assert response.status_code == 302 and response.location == "/here"
    assert _flashes(probe) == [("error", "Enter a reason")] and not _closed(db)
    response = probe.post("/probe/bad-input-nowhere")
    assert response.status_code == 400 and "Enter a reason" in response.text and not _closed(db)
    assert _Counting.commits == 0


def test_work_kept_even_if_refused_is_committed_with_the_error(probe, db):
    assert probe.post("/probe/kept").status_code == 400
    assert (_Counting.commits, _Counting.rollbacks) == (1, 0) and _closed(db)


def test_a_refusal_shown_on_a_page_of_its_own_is_rolled_back(probe, db):
    assert probe.post("/probe/shown").status_code == 200
    assert _Counting.commits == 0 and not _closed(db)


def test_a_request_whose_commit_fails_leaves_the_browser_session_as_it_came(probe, db):
    with probe.session_transaction() as browser:
        browser["answers"] = "what they typed"
    response = probe.post("/probe/commit-fails")
    assert response.status_code == 500 and "Nothing you entered was saved" in response.text
    assert _flashes(probe) == [] and not _closed(db)
    with probe.session_transaction() as browser:
        assert browser["answers"] == "what they typed"  # the public form's answers are still there


def test_a_failed_sign_in_is_counted_although_the_page_refuses(client, db, users):
    from .helpers.journeys import try_sign_in
    user = users["cro"]
    before = user.failed_logins
    assert try_sign_in(client, user.email, "not the password").status_code == 400
    db.expire_all()
    assert db.get(type(user), user.id).failed_logins == before + 1


class _TurnsSaid:
    """Turns that only note where the operation said its turns end."""

    def __init__(self):
        self.said: list[str] = []

    def reading(self):
        self.said.append("reading")

    def writing(self, later_commit_syncs=False):
        self.said.append("writing, synced later" if later_commit_syncs else "writing")


QUERY = {"comment_type": "query", "service_area": "waste", "comment": "When is collection day?",
         "customer_name": "A Resident", "customer_email": "resident@example.com",
         "preferred_contact": "email"}


def test_the_public_submission_reads_in_one_turn_and_writes_in_the_next(db):
    from processes.cases.submission import REFERENCE_TO_COME, submit_in_turns
    turns = _TurnsSaid()
    case = submit_in_turns(db, QUERY, "web", datetime.now(timezone.utc), turns)
    assert turns.said == ["reading", "writing"]
    assert case.reference.startswith("CC-") and REFERENCE_TO_COME not in case.workflow_state


def test_a_process_that_reads_its_reference_is_prepared_again_after_a_turn_that_reserves_it(app, db):
    from processes.cases.submission import ReferenceFirst, prepare_submission, submit_in_turns
    from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
    script = b'response_due = add_working_days(received_at, timescales["query_response"])'
    reads = (SHIPPED_BPMN / "query.bpmn").read_bytes().replace(
        script, script + b'\nacknowledged = "Your reference is " + reference')
    deploy_process(db, reads, app.extensions["forms"], None, "a script reads the reference")
    now = datetime.now(timezone.utc)
    assert isinstance(prepare_submission(db, QUERY, "web", now), ReferenceFirst)
    turns = _TurnsSaid()
    case = submit_in_turns(db, QUERY, "web", now, turns)
    assert turns.said == ["reading", "writing, synced later", "reading", "writing"]
    assert f"Your reference is {case.reference}" in case.workflow_state
