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
