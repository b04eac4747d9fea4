"""Two people completing one task at the same moment: one wins, the other is told, nothing is lost.

This test uses real, separate connections that commit (not the rolled-back fixture), so the two
transactions truly overlap.
"""
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db as app_db
from models import Case, ReadyTask, ReferenceCounter, User
from models.db import make_session_factory
from processes.cases import tasks
from processes.cases.submission import submit_comment
from processes.cases.tasks import complete_task
from processes.errors import Conflict, NotFound

from .helpers.database import deployed_app
from .helpers.forms import page_form
from .helpers.journeys import answer_public_query


@pytest.fixture()
def sessions(app):
    factory = app.extensions["db_sessions"]
    opened = []

    def open_session():
        opened.append(factory())
        return opened[-1]
    yield open_session
    for session in opened:
        session.rollback()
        session.close()


def _a_query_and_two_officers(sessions):
    """A query waiting for an answer, and two investigating officers, each in a session of their own."""
    setup = sessions()
    case = submit_comment(setup, None, {"comment_type": "query", "service_area": "waste", "comment": "When?"},
                          "web", datetime.now(timezone.utc))
    setup.commit()
    task_id = setup.scalar(select(ReadyTask.id).filter_by(case_id=case.id))
    first, second = sessions(), sessions()
    users = [s.scalar(select(User).filter_by(email="investigator@example.org")) for s in (first, second)]
    return case, task_id, (first, second), users


def test_overlapping_completions_one_wins_the_other_gets_a_conflict(sessions, monkeypatch):
    case, task_id, (first, second), users = _a_query_and_two_officers(sessions)
    complete_task(first, users[0], task_id,
                  MultiDict({"query_answer": "Tuesdays.", "query_answer_method": "email"}),
                  None)  # written, not yet committed
    # The second officer's step reads the task while the first's is still open, then the first commits.
    read, outcome = threading.Event(), {}

    def load_then_signal(session, ready_task_id, load=tasks.load_step):
        loaded = load(session, ready_task_id)
        read.set()
        return loaded
    monkeypatch.setattr(tasks, "load_step", load_then_signal)

    def other_officer():
        try:
            complete_task(second, users[1], task_id,
                          MultiDict({"query_answer": "Mondays.", "query_answer_method": "phone"}), None)
        except Exception as exc:  # noqa: BLE001  (the assertion below names what was expected)
            outcome["error"] = exc
        else:
            outcome["error"] = None
    other = threading.Thread(target=other_officer)
    other.start()
    assert read.wait(10), "the second step did not read the task"
    first.commit()
    other.join(30)
    assert isinstance(outcome["error"], Conflict), outcome
    assert "Someone else completed this task at the same moment" in str(outcome["error"])
    second.rollback()
    check = sessions()
    saved = check.scalar(select(Case).filter_by(id=case.id))
    assert saved.status == "closed"
    answers = [e.details["values"]["query_answer"] for e in saved.events if e.kind == "completed"]
    assert answers == ["Tuesdays."]


def test_a_step_begun_after_the_other_committed_is_told_the_task_is_done(sessions):
    _, task_id, (first, second), users = _a_query_and_two_officers(sessions)
    second.commit()  # the second officer's request begins after the first's has committed
    complete_task(first, users[0], task_id,
                  MultiDict({"query_answer": "Tuesdays.", "query_answer_method": "email"}), None)
    first.commit()
    with pytest.raises(NotFound,
                       match="already been completed, perhaps by someone else. Nothing you entered"):
        complete_task(second, users[1], task_id,
                      MultiDict({"query_answer": "Mondays.", "query_answer_method": "phone"}), None)


def _counter_database(path):
    """A SQLite file with one counter row, its engine and a session factory."""
    from models.db import make_engine
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    return engine, make_session_factory(engine)


def test_a_writing_session_holds_sqlites_write_lock_from_its_first_read(tmp_path):
    """On SQLite a transaction that reads and then writes fails whenever another writer committed in between;
    sessions that will write begin IMMEDIATE instead, so they wait for the lock rather than fail."""
    import sqlite3

    from sqlalchemy import text

    from models.db import begin_writing
    path = tmp_path / "locks.db"
    engine, factory = _counter_database(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)

    reader = factory()  # an ordinary transaction: reads take no write lock, and its later write is refused
    assert reader.scalar(text("SELECT n FROM counter")) == 0
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE counter SET n = n + 1")
    other.execute("COMMIT")
    with pytest.raises(Exception, match="locked"):
        reader.execute(text("UPDATE counter SET n = n + 1"))
    reader.rollback()

    writer = factory()
    begin_writing(writer)
    assert writer.scalar(text("SELECT n FROM counter")) == 1
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")  # the writer has the lock since its read
    writer.execute(text("UPDATE counter SET n = n + 1"))
    writer.commit()
    assert writer.scalar(text("SELECT n FROM counter")) == 2  # its next transaction writes too
    writer.rollback()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    for session in (reader, writer):
        session.close()
    other.close()
    engine.dispose()


def test_requests_that_write_declare_it_before_they_read(app, monkeypatch):
    """Posts, and the pages that audit their viewing, begin writing transactions; other pages do not."""
    from models.db import WRITING
    # The hooks are run on bare request contexts, with no page and so no token: the CSRF check is not the
    # point.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    # The public form's last step declares its own writing transactions (test_submission_in_two_transactions).
    for method, path, writing in (("POST", "/comment/about-you", True), ("POST", "/comment/check", False),
                                  ("GET", "/tasks/", False),
                                  ("GET", "/cases/CC-2026-000001", True), ("GET", "/status/some-token", True),
                                  ("GET", "/reports/", False)):
        with app.test_request_context(path, method=method):
            app.preprocess_request()
            assert bool(app_db.session().execution_options.get(WRITING)) is writing, (method, path)
            app_db.session.remove()


def _sqlite_app(tmp_path):
    """An app on its own SQLite file (whichever database the suite runs on), and the file."""
    return deployed_app(f"sqlite:///{tmp_path / 'cc.db'}"), tmp_path / "cc.db"


def test_submission_in_two_transactions_holds_the_write_lock_only_to_write(tmp_path):
    """The public form reads the policy and runs the workflow while another writer holds SQLite's lock, then
    numbers the case and writes it in one turn with the lock; the case's commit waits for the disk."""
    import json
    import sqlite3

    from sqlalchemy import text

    from models.db import begin_reading, begin_writing
    from processes.cases.submission import REFERENCE_TO_COME, prepare_submission, record_submission
    app, path = _sqlite_app(tmp_path)
    answers = {"comment_type": "complaint", "service_area": "waste", "comment": "Missed bin.",
               "customer_name": "A Resident", "customer_email": "resident@example.com",
               "preferred_contact": "email"}
    now = datetime.now(timezone.utc)
    with app.app_context():
        session = app_db.session
        other = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # someone else is writing
        begin_reading(session)
        prepared = prepare_submission(session, answers, "web", now)  # not held up, and not numbered yet
        session.commit()
        assert (prepared.reference is None
                and [t.name for t in prepared.run.ready] == ["Try to resolve at first contact"])
        assert json.dumps(REFERENCE_TO_COME) in prepared.run.state

        released = threading.Event()

        def finish_the_other_write():
            other.execute("ROLLBACK")
            released.set()
        threading.Timer(0.3, finish_the_other_write).start()
        begin_writing(session)
        case = record_submission(session, None, prepared)
        assert released.is_set()  # it waited for the other writer: the number is taken with the lock
        assert session.scalar(text("PRAGMA synchronous")) == 2  # FULL: the case's commit waits for the disk
        session.commit()
        assert case.reference == f"CC-{now.year}-000001"
        assert [t.name for t in case.ready_tasks] == ["Try to resolve at first contact"]
        assert case.stage == "stage1" and case.stage_label == "Stage 1"
        # The saved workflow carries the case's reference wherever it carried the placeholder, as if given at
        # once.
        assert REFERENCE_TO_COME not in case.workflow_state
        carried = _saved_values(case.workflow_state, "reference")
        assert carried == {case.reference}
    app.extensions["db_engine"].dispose()


def _saved_values(state: str, name: str) -> set:
    """The values a saved workflow's tasks hold for one variable (SpiffWorkflow keeps each task's data, or
    what the task changed)."""
    import json
    return {held[name] for task in json.loads(state)["tasks"].values()
            for held in (task["data"], task.get("delta", {}).get("updates", {})) if name in held}


def _writing_turns(app, post):
    """The transactions that took SQLite's write lock while `post()` ran, each as the `synchronous` setting
    its commit ran with (FULL: it waits for the disk), and the response."""
    from sqlalchemy import event
    turns = []

    def seen(conn, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            turns.append(conn.connection.info.get("synchronous", "FULL"))  # as models/db.py reads it
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = post()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return turns, response


def test_a_public_submission_takes_the_write_lock_once_and_a_failed_one_takes_no_number(tmp_path):
    from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
    app, _ = _sqlite_app(tmp_path)
    year = datetime.now(timezone.utc).year
    client = app.test_client()
    answer_public_query(client)
    turns, response = _writing_turns(app, page_form(client, "/comment/check", button="Send").submit)
    assert response.location.endswith("/comment/sent") and turns == ["FULL"]
    assert f"CC-{year}-000001" in client.get("/comment/sent").text

    script = b'response_due = add_working_days(received_at, timescales["query_response"])'
    broken = (SHIPPED_BPMN / "query.bpmn").read_bytes().replace(script, script + b"\nnothing_is_called_this")
    with app.app_context():
        deploy_process(app_db.session, broken, app.extensions["forms"], None, "a script that fails")
        app_db.session.commit()
    answer_public_query(client)
    turns, response = _writing_turns(app, page_form(client, "/comment/check", button="Send").submit)
    assert response.status_code == 503 and "nothing_is_called_this" in response.text and turns == []
    with app.app_context():
        assert app_db.session.scalar(select(Case.reference).order_by(Case.id.desc())) == f"CC-{year}-000001"
        assert app_db.session.scalar(select(ReferenceCounter.last).filter_by(year=year)) == 1  # no gap
    app.extensions["db_engine"].dispose()


def test_a_process_that_may_read_its_reference_is_numbered_before_it_runs(tmp_path):
    """A diagram that mentions `reference` gets it in its data from the start: the public form reserves it in
    a transaction of its own first, as a sequence number (a failure after it leaves a gap)."""
    from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
    app, _ = _sqlite_app(tmp_path)
    script = b'response_due = add_working_days(received_at, timescales["query_response"])'
    reads = (SHIPPED_BPMN / "query.bpmn").read_bytes().replace(
        script, script + b'\nacknowledged = "Your reference is " + reference')
    with app.app_context():
        deploy_process(app_db.session, reads, app.extensions["forms"], None, "a script reads the reference")
        app_db.session.commit()
    client = app.test_client()
    answer_public_query(client)
    turns, response = _writing_turns(app, page_form(client, "/comment/check", button="Send").submit)
    # The reference, committed without waiting for the disk (the case's commit, later in the log, syncs it);
    # then the case.
    assert response.location.endswith("/comment/sent") and turns == ["NORMAL", "FULL"]
    with app.app_context():
        case = app_db.session.scalar(select(Case))
        assert f"Your reference is {case.reference}" in _saved_values(case.workflow_state, "acknowledged")
    app.extensions["db_engine"].dispose()


def test_a_reference_reserved_by_a_failed_submission_is_skipped_never_reused(tmp_path):
    from processes.cases.submission import reserve_reference, submit_comment
    app, _ = _sqlite_app(tmp_path)
    now = datetime.now(timezone.utc)
    with app.app_context():
        session = app_db.session
        assert reserve_reference(session, now) == f"CC-{now.year}-000001"
        session.commit()  # and nothing more: the submission failed after reserving
        case = submit_comment(session, None,
                              {"comment_type": "query", "service_area": "waste", "comment": "When?"}, "web",
                              now)
        session.commit()
        assert case.reference == f"CC-{now.year}-000002"
    app.extensions["db_engine"].dispose()


def test_sqlite_writers_queue_on_an_os_lock_released_when_the_connection_is_returned(tmp_path):
    import fcntl
    import os

    from sqlalchemy import text

    from models.db import WriterQueue, begin_writing
    path = tmp_path / "queue.db"
    engine, factory = _counter_database(path)
    probe = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT)

    def queue_is_free() -> bool:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True

    reader = factory()
    assert reader.scalar(text("SELECT n FROM counter")) == 0 and queue_is_free()  # readers do not queue
    reader.rollback()
    writer = factory()
    begin_writing(writer)
    writer.execute(text("UPDATE counter SET n = n + 1"))
    assert not queue_is_free()  # held from the transaction's start...
    writer.commit()
    assert queue_is_free()  # ...to its commit, when the connection goes back to the pool
    writer.execute(text("UPDATE counter SET n = n + 1"))
    assert not queue_is_free()
    writer.rollback()
    assert queue_is_free()

    # A thread already in the queue does not queue again behind itself (SQLite's own timeout then decides).
    queue = WriterQueue(str(path))
    first, second = {}, {}
    queue.enter(first)
    queue.enter(second)
    assert "writer_fd" in first and "writer_fd" not in second and not queue_is_free()
    queue.leave(second)
    queue.leave(first)
    assert queue_is_free() and not queue.holders

    # A writer stuck in its transaction holds the queue: after the timeout the next goes on to SQLite's own
    # wait (which reports "database is locked" when it too runs out) instead of waiting for ever.
    fcntl.flock(probe, fcntl.LOCK_EX)
    patient = WriterQueue(str(path), timeout=0.05)
    third = {}
    patient.enter(third)
    assert "writer_fd" not in third and not patient.holders
    fcntl.flock(probe, fcntl.LOCK_UN)
    os.close(probe)
    for session in (reader, writer):
        session.close()
    engine.dispose()
