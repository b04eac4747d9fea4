"""Compliments, queries and suggestions end to end through the web."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from models import Case, Notification, OutboxMessage
from processes.cases.timers import fire_due_timers

from .helpers.journeys import complete, submit_online, tasks_of


def test_compliment_is_thanked_and_passed_on(client, db, login_as):
    reference = submit_online(client, "compliment")
    case = db.scalar(select(Case).filter_by(reference=reference))
    thanks = db.scalar(select(OutboxMessage).filter_by(case_id=case.id, audience="customer"))
    assert (thanks.template, thanks.to_address) == ("compliment_thanks", "jo@example.com")
    complete(login_as("manager"), tasks_of(db, reference)["pass_on_compliment"].id,
             {"staff_named": "The Tuesday crew", "passed_on_notes": "Passed to the waste manager."})
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Compliment recorded")


def test_confirmation_page_gives_the_dates_people_read(db, login_as):
    # Received Friday 19 December 2025: respond by Wed 7 Jan (bank holidays skipped). A query has no
    # acknowledgement step, so none is promised.
    with time_machine.travel(datetime(2025, 12, 19, 10, tzinfo=timezone.utc), tick=False):
        client = login_as("frontline")
        submit_online(client, "query")
        page = client.get("/comment/sent").text
    assert "acknowledge" not in page
    assert 'by <strong data-promise="respond">Wed 7 Jan 2026</strong>' in page


def test_query_is_answered(client, db, login_as):
    reference = submit_online(client, "query")
    complete(login_as("investigator"), tasks_of(db, reference)["answer_query"].id,
             {"query_answer": "Collections are on Tuesdays.", "query_answer_method": "email"})
    assert db.scalar(select(Case).filter_by(reference=reference)).outcome == "Query answered"


def test_overdue_query_escalates_to_a_senior_officer(db, login_as):
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    case = db.scalar(select(Case).filter_by(reference=reference))
    # Received Monday 1 June 2026: day 10 is Monday 15 June; the deadline passes at midnight BST.
    assert tasks_of(db, reference)["answer_query"].due_at == datetime(2026, 6, 15, 23, tzinfo=timezone.utc)
    with time_machine.travel(datetime(2026, 6, 16, 8, tzinfo=timezone.utc), tick=False):
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (1, [])
    assert set(tasks_of(db, reference)) == {"answer_query_escalated"}
    complete(login_as("senior"), tasks_of(db, reference)["answer_query_escalated"].id,
             {"query_answer": "Sorry for the delay.", "query_answer_method": "letter"})
    assert db.scalar(select(Case).filter_by(reference=reference)).status == "closed"
    assert db.scalar(select(Notification).filter_by(case_id=case.id)).role == "customer_relations_officer"


def test_suggestion_decision_with_overdue_reminder_that_keeps_the_task(db, login_as):
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "suggestion", customer_name="Al Ideas")
    with time_machine.travel(datetime(2026, 6, 20, 9, tzinfo=timezone.utc), tick=False):
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (1, [])
        assert "consider_suggestion" in tasks_of(db, reference)  # non-interrupting: the manager keeps it
        complete(login_as("manager"), tasks_of(db, reference)["consider_suggestion"].id,
                 {"suggestion_decision": "adopted", "suggestion_reason": "Cheap and popular."})
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Suggestion answered")
    outcome = db.scalar(select(OutboxMessage).filter_by(case_id=case.id, audience="customer"))
    # Al gave a name and nothing else: the outcome is written but cannot be sent.
    assert (outcome.template, outcome.status) == ("suggestion_outcome", "no_contact")
    assert "We have decided to adopt it" in outcome.body and "Cheap and popular." in outcome.body
    # One run after the deadline: the reminder before it is stale by then and is not sent.
    assert sorted(n.message for n in db.scalars(select(Notification).filter_by(case_id=case.id))) == [
        "Suggestion decision is overdue"]
