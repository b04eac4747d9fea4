"""Two people completing one task at the same moment: one wins, the other is told, nothing is lost.

This test uses real, separate connections that commit (not the rolled-back fixture), so the two
transactions truly overlap.
"""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db as app_db
from models import Case, ReadyTask, User
from models.db import make_session_factory
from processes.errors import Conflict
from processes.procedure import complete_task, get_task, submit_comment


@pytest.fixture()
def sessions(app):
    factory = make_session_factory(app.extensions["db_engine"])
    opened = []

    def open_session():
        opened.append(factory())
        return opened[-1]
    yield open_session
    for session in opened:
        session.rollback()
        session.close()


def test_overlapping_completions_one_wins_the_other_gets_a_conflict(sessions):
    setup = sessions()
    case = submit_comment(setup, None, {"comment_type": "query", "service_area": "waste", "comment": "When?"},
                          "web", datetime.now(timezone.utc))
    setup.commit()
    task_id = setup.scalar(select(ReadyTask.id).filter_by(case_id=case.id))
    first, second = sessions(), sessions()
    users = [s.scalar(select(User).filter_by(email="investigator@example.org")) for s in (first, second)]
    # Both have loaded the task, the case and its workflow before either saves.
    for session in (first, second):
        task = get_task(session, task_id)
        assert task.case.workflow_state and task.case.row_version
    answer = MultiDict({"query_answer": "Tuesdays.", "query_answer_method": "email"})
    complete_task(first, users[0], task_id, answer, None)
    first.commit()
    with pytest.raises(Conflict, match="Someone else completed this task at the same moment"):
        complete_task(second, users[1], task_id, MultiDict({"query_answer": "Mondays.", "query_answer_method": "phone"}), None)
    second.rollback()
    check = sessions()
    saved = check.scalar(select(Case).filter_by(id=case.id))
    assert saved.status == "closed"
    answers = [e.details["values"]["query_answer"] for e in saved.events if e.kind == "completed"]
    assert answers == ["Tuesdays."]


def test_a_writing_session_holds_sqlites_write_lock_from_its_first_read(tmp_path):
    """On SQLite a transaction that reads and then writes fails whenever another writer committed in between;
    sessions that will write begin IMMEDIATE instead, so they wait for the lock rather than fail."""
    import sqlite3

    from sqlalchemy import text

    from models.db import begin_writing, make_engine
    path = tmp_path / "locks.db"
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
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


def test_requests_that_write_declare_it_before_they_read(app):
    """Posts, and the pages that audit their viewing, begin writing transactions; other pages do not."""
    from models.db import WRITING
    for method, path, writing in (("POST", "/comment/check", True), ("GET", "/tasks/", False),
                                  ("GET", "/cases/CC-2026-000001", True), ("GET", "/status/some-token", True),
                                  ("GET", "/reports/", False)):
        with app.test_request_context(path, method=method):
            app.preprocess_request()
            assert bool(app_db.session().execution_options.get(WRITING)) is writing, (method, path)
            app_db.session.remove()
