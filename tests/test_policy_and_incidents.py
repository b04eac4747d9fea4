"""The process owner's calendar and timescales, and failed timers the CRO can retry."""
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from models import Case, ClosureDay, Incident
from processes.cases.timers import fire_due_timers

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import add_closure, choose_profile, save_timescales, submit_online, tasks_of
from .helpers.pages import error_messages


def close_of_business(client, time: str):
    return page_form(client, "/policy/", button="Save close of business").fill("Close of business (UK time)",
                                                                               time).submit()


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("cro", 403), ("frontline", 403)])
def test_only_the_process_owner_edits_policy(login_as, who, status):
    assert login_as(who).get("/policy/").status_code == status
    assert login_as(who).get("/policy/functions").status_code == status


def test_closure_days_move_deadlines_worked_out_afterwards(db, login_as):
    owner = login_as("owner")
    for day in (date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)):
        assert add_closure(owner, day).status_code == 302
    page = owner.get("/policy/").text
    assert "Mon 29 Dec 2025" in page and "Wed 31 Dec 2025" in page
    with time_machine.travel(datetime(2025, 12, 19, 10, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    # Day 0 Fri 19 Dec; 22, 23, 24 Dec; closed 29-31 Dec; 1 Jan bank holiday; 2, 5, 6, 7, 8, 9, 12 Jan.
    assert tasks_of(db, reference)["answer_query"].due_at == datetime(2026, 1, 13, tzinfo=timezone.utc)
    assert page_form(owner, "/policy/", button="Remove 30 December 2025").submit().status_code == 302
    assert db.get(ClosureDay, date(2025, 12, 30)) is None


def test_bad_closure_day_input_is_explained(login_as):
    owner = login_as("owner")
    bad = page_form(owner, "/policy/", button="Add closure day").fill_date("Add a closure day", day=31,
                                                                           month=2, year=2026) \
        .fill("Reason", "x").submit()
    assert bad.status_code == 400 and error_messages(bad.text) == ["Enter a real date, like 29 12 2026"]
    add_closure(owner, date(2026, 12, 29))
    again = add_closure(owner, date(2026, 12, 29), reason="")
    assert again.status_code == 400
    assert error_messages(again.text) == ["29 December 2026 is already a closure day",
                                          "Enter why the council is closed that day"]


def test_timescale_inputs_are_checked(login_as):
    response = save_timescales(login_as("owner"), "council", {"stage1_response": "ten", "stage1_ack": "999"})
    assert response.status_code == 400
    assert "Enter a whole number of working days, like 10" in error_messages(response.text)
    refused = "Stage 1: acknowledge within must be between 0 and 250 working days"
    assert refused in error_messages(response.text)


def test_choosing_the_code_profile_is_recorded_for_new_cases(client, db, login_as):
    owner = login_as("owner")
    assert choose_profile(owner, "code2024").status_code == 302
    reference = submit_online(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.timescales["stage2_response"] == 20
            and case.timescales["stage2_response_from"] == "acknowledgement")
    assert choose_profile(owner, "council").status_code == 302
    later = db.scalar(select(Case).filter_by(reference=submit_online(client)))
    assert later.timescales["stage2_response"] == 10
    assert case.timescales["stage2_response"] == 20  # the earlier case keeps its own


def test_a_failing_timer_raises_an_incident_and_leaves_the_case_untouched(db, login_as, app):
    from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
    broken = (SHIPPED_BPMN / "query.bpmn").read_bytes().replace(
        b'notify("customer_relations_officer", '
        b'"Query answer deadline passed: escalated to a senior officer")',
        b'notify("customer_relations_officer", missing_variable)')
    assert b"missing_variable" in broken
    deploy_process(db, broken, app.extensions["forms"], None, "a broken escalation script")
    db.commit()
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tick=False):
        fired, errors = fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit)
        assert fired == 0 and len(errors) == 1 and "missing_variable" in errors[0]
        # held, not retried
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (0, [])
    assert "answer_query" in tasks_of(db, reference)
    cro = login_as("cro")
    page = cro.get("/cases/incidents").text
    assert reference in page and "missing_variable" in page
    retried = page_form(cro, "/cases/incidents", button=f"Retry {reference}").submit(follow_redirects=True)
    assert "It failed again" in retried.text and reference in retried.text
    assert db.scalar(select(Incident).where(Incident.resolved_at.is_(None))) is not None  # still open


def test_retry_runs_a_held_case_and_closes_its_incident(db, login_as):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    case = db.scalar(select(Case).filter_by(reference=reference))
    db.add(Incident(case_id=case.id, error="The database went away"))  # as after an outage
    db.commit()
    assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (0, [])
    incident = db.scalar(select(Incident).filter_by(case_id=case.id))
    cro = login_as("cro")
    done = page_form(cro, "/cases/incidents", button=f"Retry {reference}").submit(follow_redirects=True)
    assert "The timers ran" in done.text
    assert "answer_query_escalated" in tasks_of(db, reference)
    assert db.get(Incident, incident.id).resolved_at is not None
    # The front line officer is offered no retry button: a hand-made post, as someone forcing it would send.
    assert post_by_hand(login_as("frontline"), f"/cases/incidents/{incident.id}/retry").status_code == 403


def test_close_of_business_decides_the_day_of_receipt(db, login_as):
    owner = login_as("owner")
    bad = close_of_business(owner, "5pm")
    assert bad.status_code == 400 and error_messages(bad.text) == ["Enter a time in 24-hour form, like 17:00"]
    assert close_of_business(owner, "16:00").status_code == 302
    assert "after close of business (16:00 UK time)" in owner.get("/policy/").text
    # 16:30 GMT, Monday
    with time_machine.travel(datetime(2026, 3, 2, 16, 30, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    # Counts from Tuesday 3 March: day 10 is Tuesday 17 March.
    assert tasks_of(db, reference)["answer_query"].due_at == datetime(2026, 3, 18, tzinfo=timezone.utc)
