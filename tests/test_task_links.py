"""A task's link (/tasks/<id>, in the email that announced it) is never reused, and once the task is done it
says what became of it: completed by whom and when, or closed by a timer, the customer or an extension."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import lxml.html
import time_machine
from alembic import command
from sqlalchemy import create_engine, select, text

from app.cli import alembic_config
from models import Case, ReadyTask, WaitingTimer
from processes.cases.timers import fire_due_timers

from .helpers.cases import SATISFIED, record_case
from .helpers.forms import page_form
from .helpers.journeys import complete as complete_task

MONDAY = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _open(db, case: Case) -> dict[str, ReadyTask]:
    """The case's open tasks by diagram id, read again (a request ends the session the test's objects were
    in)."""
    fresh = db.scalar(select(Case).filter_by(reference=case.reference))
    db.refresh(fresh)
    return {t.bpmn_id: t for t in fresh.ready_tasks}


def _text(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


def test_the_newest_task_deleted_its_id_is_never_handed_out_again(db, users):
    case = record_case(db, users["frontline"])
    newest = max(case.ready_tasks, key=lambda t: t.id)
    gone = newest.id
    db.delete(newest)
    db.flush()
    again = ReadyTask(case=case, task_uuid=str(uuid4()), bpmn_id="first_contact", name="Again",
                      role="front_line_officer")
    db.add(again)
    db.flush()
    assert again.id > gone  # SQLite without AUTOINCREMENT gave the deleted row's id again


def test_a_finished_tasks_link_never_opens_another_cases_task(db, users, login_as):
    first = record_case(db, users["frontline"])
    link = _open(db, first)["first_contact"].id
    officer = login_as("frontline")
    complete_task(officer, link, {**SATISFIED, "first_contact_notes": "Collected."})
    second = record_case(db, users["frontline"], customer_name="Sam Other")
    assert _open(db, second)["first_contact"].id != link
    page = officer.get(f"/tasks/{link}")
    assert page.status_code == 200
    assert first.reference in page.text and second.reference not in page.text


def test_a_completed_tasks_link_says_who_completed_it_and_when_with_its_case(db, users, login_as):
    with time_machine.travel(MONDAY, tick=False):
        case = record_case(db, users["frontline"], received_at=MONDAY)
        task = _open(db, case)["first_contact"].id
        complete_task(login_as("frontline"), task, {"first_contact_outcome": "formal",
                                                    "first_contact_notes": "Wants an investigation."})
    page = login_as("investigator").get(f"/tasks/{task}")
    assert page.status_code == 200
    words = _text(page.text)
    assert "“Try to resolve at first contact” has been completed" in words
    assert "Completed by Fran Front" in words and "Completed on 2 March 2026 at 9:00am" in words
    links = lxml.html.fromstring(page.text).xpath("//main//a/@href")
    assert f"/cases/{case.reference}" in links
    assert f"/tasks/{_open(db, case)['acknowledge_stage1'].id}" in links  # what is open now


def test_an_escalated_tasks_link_says_the_deadline_timer_closed_it(db, users, login_as):
    with time_machine.travel(MONDAY, tick=False):
        case = record_case(db, users["frontline"], received_at=MONDAY)
        complete_task(login_as("frontline"), _open(db, case)["first_contact"].id,
                      {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
        investigator = login_as("investigator")
        complete_task(investigator, _open(db, case)["acknowledge_stage1"].id, {"ack_method": "email"})
        respond = _open(db, case)["respond_stage1"].id
        assert page_form(investigator, f"/tasks/{respond}",
                         button="Take this task").submit().status_code == 302
    timers = dict(db.execute(select(WaitingTimer.bpmn_id,
                                    WaitingTimer.due_at).filter_by(case_id=case.id)).all())
    for due in (timers["stage1_reminder"], timers["stage1_response_overdue"]):  # as the worker meets them
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (1, [])
    page = login_as("investigator").get(f"/tasks/{respond}")  # signed in again: months have passed
    assert page.status_code == 200
    words = _text(page.text)
    assert "“Investigate and respond” was closed" in words
    assert "What happened The timer “Response deadline passed” moved the case on" in words
    assert "Respond to the overdue complaint (Senior officer team)" in words
    history = _text(login_as("cro").get(f"/cases/{case.reference}").text)
    closed = "“Investigate and respond” closed: the timer “Response deadline passed” moved the case on"
    assert closed in history


def test_a_withdrawn_cases_task_link_says_the_customer_withdrew(db, users, login_as, client):
    case = record_case(db, users["frontline"])
    task = _open(db, case)["first_contact"].id
    from processes.cases.customer import withdraw_case
    withdraw_case(db, case)
    db.commit()  # what a request does next must see it
    words = _text(login_as("frontline").get(f"/tasks/{task}").text)
    assert ("The customer withdrew their comment" in words
            and "the case is closed (Withdrawn by the customer)" in words)


def test_only_those_who_may_see_the_case_learn_what_became_of_its_task(db, users, login_as):
    case = record_case(db, users["frontline"])
    task = _open(db, case)["first_contact"].id
    complete_task(login_as("frontline"), task,
                  {**SATISFIED, "first_contact_notes": "Done."})
    for who in ("owner", "reports"):  # they see no case they have not worked on
        refused = login_as(who).get(f"/tasks/{task}")
        assert refused.status_code == 403 and case.reference not in refused.text
    assert login_as("cro").get(f"/tasks/{task}").status_code == 200
    assert login_as("frontline").get("/tasks/987654321").status_code == 404  # never a task


def test_the_upgrade_rebuilds_the_task_table_to_never_reuse_an_emailed_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "7c2e4b9d1a53")  # the release before
    engine = create_engine(url)
    with engine.begin() as connection:  # an email announced task 41, whose row has since gone
        connection.execute(text(
            "INSERT INTO outbox_message (audience, channel, template, subject, body, status, attempts, "
            "created_at) "
            "VALUES ('staff', 'email', 'staff_new_task', 'New task', 'Open it: https://x.example/tasks/41', "
            "'sent', 1, '2026-01-01 09:00:00')"))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        schema = connection.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ready_task'"))
        indexes = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE tbl_name = 'ready_task' "
                                              "AND type = 'index' AND sql IS NOT NULL")))
        seq = connection.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'ready_task'"))
    engine.dispose()
    assert "AUTOINCREMENT" in schema and seq == 41
    assert indexes == {"ix_ready_task_case_id", "ix_ready_task_assignee_due", "ix_ready_task_team_due",
                       "ix_ready_task_team_area"}
