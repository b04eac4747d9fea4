"""What completing a task asks of the database: which statements, and in which order.

Each statement is a round trip to PostgreSQL; these tests keep a step from quietly reading back what the
engine already knows (its ready tasks and timers before the run) or locking rows in an order that could
deadlock with the timer worker (which locks the case row first).
"""
import re
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from models import ReadyTask, WaitingTimer
from processes.cases.submission import submit_comment
from processes.cases.tasks import complete_task

from .helpers.forms import page_form
from .helpers.journeys import submit_online, tasks_of

COMPLAINT = {"comment_type": "complaint", "service_area": "waste", "comment": "Missed bin.",
             "customer_name": "Jo", "customer_email": "jo@example.com"}


WRITES = [("INSERT", r"INSERT INTO (\w+)"), ("UPDATE", r"UPDATE (\w+) SET"), ("DELETE", r"DELETE FROM (\w+)")]


def classify(statement: str) -> list[tuple[str, str]]:
    """(verb, table) of each write in a statement (PostgreSQL's audit append is an INSERT and an UPDATE in
    one), or of the read: the first table a SELECT reads."""
    text = " ".join(statement.split())
    writes = [(verb, table) for verb, pattern in WRITES for table in re.findall(pattern, text)]
    if writes or not text.startswith("SELECT"):  # savepoints and PRAGMAs are neither
        return writes
    while (outer := re.sub(r"\([^()]*\)", "", text)) != text:  # the outer query's table, not a subquery's
        text = outer
    return [("SELECT", re.search(r"FROM (\w+)", text).group(1))]


@contextmanager
def statements(app):
    """The statements run inside the block, as (verb, table) pairs in order."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.extend(classify(statement))
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def first_contact(db, users):
    case = submit_comment(db, None, COMPLAINT, "web", datetime.now(timezone.utc))
    db.commit()
    task = db.scalar(select(ReadyTask).filter_by(case_id=case.id, bpmn_id="first_contact"))
    task_id, officer = task.id, users["frontline"]
    db.expunge_all()  # as a request starts: nothing of the case loaded
    return case.id, task_id, db.merge(officer, load=False)


def test_a_completion_reads_everything_it_needs_in_one_query(app, db, users):
    case_id, task_id, officer = first_contact(db, users)
    with statements(app) as seen:
        complete_task(db, officer, task_id, MultiDict({"first_contact_outcome": "formal",
                                                       "first_contact_notes": "Formal complaint"}), None)
        db.commit()
    reads = [table for verb, table in seen if verb == "SELECT"]
    # The task with its case, workflow state, version (forms), stage rows, representatives (whom the
    # customer's messages go to) and the calendar; the audit head.
    assert reads == ["ready_task", "audit_head"], seen
    # The indexes were brought into step all the same: the acknowledgement is ready, first contact gone.
    assert {t.bpmn_id
            for t in db.scalars(select(ReadyTask).filter_by(case_id=case_id))} == {"acknowledge_stage1"}
    assert db.scalars(select(WaitingTimer.bpmn_id).filter_by(case_id=case_id)).all()


def test_the_case_row_is_written_before_index_rows_are_removed(app, db, users):
    _, task_id, officer = first_contact(db, users)
    with statements(app) as seen:
        complete_task(db, officer, task_id, MultiDict({"first_contact_outcome": "formal",
                                                       "first_contact_notes": "Formal complaint"}), None)
    writes = [(verb, table) for verb, table in seen if verb in ("UPDATE", "DELETE")]
    assert writes.index(("UPDATE", "comment_case")) < writes.index(("DELETE", "ready_task")), seen


def test_the_staff_emails_of_a_new_task_are_written_without_reading_the_staff_first(app, db, users):
    _, task_id, officer = first_contact(db, users)
    with statements(app) as seen:
        complete_task(db, officer, task_id, MultiDict({"first_contact_outcome": "formal",
                                                       "first_contact_notes": "Formal complaint"}), None)
    assert ("INSERT", "outbox_message") in seen
    assert not [s for s in seen if s[0] == "SELECT" and s[1] in ("user_account", "user_role")], seen


def test_a_completion_through_the_task_page_reads_the_officer_the_task_and_the_step(app, db, login_as):
    reference = submit_online(app.test_client())
    officer = login_as("frontline")
    task = tasks_of(db, reference)["first_contact"]
    form = page_form(officer, f"/tasks/{task.id}", button="Complete task") \
        .choose("first_contact_outcome", "formal").fill("first_contact_notes", "Formal complaint")
    with statements(app) as seen:
        response = form.submit()
    assert response.status_code == 302
    # The officer with roles and areas (Flask-Login); the task with its case (may they see it?); the step.
    assert [table for verb, table in seen if verb == "SELECT"] == ["user_account", "ready_task", "ready_task",
                                                                   "audit_head"], seen


def test_a_new_case_is_written_by_one_flush_once_its_rows_are_built(app, db):
    """On SQLite the write lock is taken at the first write: the case is numbered, then everything it makes,
    built before, is written at once."""
    from sqlalchemy.orm import Session

    from processes.cases.submission import prepare_submission, record_submission
    received = datetime.now(timezone.utc)
    prepared = prepare_submission(db, COMPLAINT, "web", received)
    db.commit()
    flushes = []

    def count(session, context, instances):
        flushes.append(len(session.new))
    event.listen(Session, "before_flush", count)
    try:
        with statements(app) as seen:
            case = record_submission(db, None, prepared)
    finally:
        event.remove(Session, "before_flush", count)
    assert len(flushes) == 1 and flushes[0] >= 5  # the case, its history, stage row and task, at once
    # numbered first (the year's first case also makes its row)
    assert seen[0] == ("UPDATE", "reference_counter")
    seen = [statement for statement in seen if statement[1] != "reference_counter"]
    tables = [table for _, table in seen]
    # the staff emails follow the flush, and then the case's search entry (its keys and words), by its id
    assert tables[0] == "comment_case" and tables[-3:] == ["outbox_message", "case_search_key",
                                                           "case_search_text"]
    assert set(tables) == {"comment_case", "case_event", "case_stage", "ready_task", "waiting_timer",
                           "outbox_message", "case_search_key", "case_search_text"}
    assert all(verb == "INSERT" for verb, _ in seen)  # nothing read: the rows name the case by relationship
    db.commit()
    assert db.scalar(select(ReadyTask.case_id).filter_by(case_id=case.id)) == case.id


def test_a_new_case_that_notifies_at_once_writes_the_notice_and_emails_with_its_id(app, db, users):
    from models import CaseEvent, Notification, OutboxMessage
    from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
    script = b'response_due = add_working_days(received_at, timescales["query_response"])'
    query = (SHIPPED_BPMN / "query.bpmn").read_bytes()
    assert query.count(script) == 1
    deploy_process(db,
                   query.replace(script, script + b'\nnotify("customer_relations_officer", "A new query")'),
                   app.extensions["forms"], None, "tell the CRO of every query")
    db.commit()
    case = submit_comment(db, None, {**COMPLAINT, "comment_type": "query"}, "web", datetime.now(timezone.utc))
    db.commit()
    assert db.scalars(select(Notification.message).filter_by(case_id=case.id)).all() == ["A new query"]
    emailed = db.scalars(select(OutboxMessage.to_address).filter_by(case_id=case.id, audience="staff")
                         .where(OutboxMessage.body.contains("A new query"))).all()
    assert users["cro"].email in emailed
    assert db.scalar(select(CaseEvent.summary).filter_by(case_id=case.id, kind="notified")) == \
        "Told the customer relations officer: A new query"
