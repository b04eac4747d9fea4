"""Every timer of the procedure by time travel, asserting stored due dates exactly."""
from datetime import datetime, timezone

from sqlalchemy import select

from models import Case

from .helpers.cases import at
from .helpers.forms import post_by_hand
from .helpers.journeys import (agree_extension, choose_profile, complete, save_timescales, submit_online,
                               take, tasks_of)
from .helpers.pages import error_messages
from .helpers.timers import fire, formal_complaint, notes, timers

UTC = timezone.utc


def test_late_acknowledgement_alerts_the_cro_and_the_officer_keeps_the_task(db, login_as):
    reference = formal_complaint(db, login_as)
    # day 5: Mon 9 Mar
    assert timers(db, reference) == {"stage1_ack_overdue": datetime(2026, 3, 10, tzinfo=UTC)}
    with at(2026, 3, 10, 0, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference) == ["Stage 1 acknowledgement is overdue"]
    assert "acknowledge_stage1" in tasks_of(db, reference)


def test_cro_extension_moves_the_deadline_and_rearms_the_timers(db, login_as):
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 3, 9):  # sign in inside the travelled time: session cookies carry a timestamp
        investigator, cro = login_as("investigator"), login_as("cro")
        complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id, {"ack_method": "email"})
        respond = tasks_of(db, reference)["respond_stage1"]
        take(investigator, respond)
        assert respond.due_at == datetime(2026, 3, 17, tzinfo=UTC)  # day 10: Mon 16 Mar
        page = cro.get(f"/cases/{reference}").text
        assert "Agree an extension" in page and "Up to 10 working days at this stage." in page
        refused = agree_extension(cro, reference, "11", "")
        assert refused.status_code == 400
        assert error_messages(refused.text) == ["Enter a number of working days from 1 to 10",
                                                "Enter the reason for the extension: the customer will be "
                                                "told it"]
        agreed = agree_extension(cro, reference, "5", "Waiting for the contractor's report",
                                 follow_redirects=True)
        assert "Extension agreed" in agreed.text
    moved = tasks_of(db, reference)["respond_stage1"]
    assert moved.due_at == datetime(2026, 3, 24, tzinfo=UTC)  # five working days later: Mon 23 Mar
    assert moved.assigned_to.name == "Ian Investigator"  # still with the same officer
    assert timers(db, reference) == {"stage1_response_overdue": datetime(2026, 3, 24, tzinfo=UTC),
                                     "stage1_reminder": datetime(2026, 3, 19, tzinfo=UTC)}
    cro = login_as("cro")
    assert "Up to 5 working days at this stage." in cro.get(f"/cases/{reference}").text
    # The investigator's case page offers no extension form: a hand-made post, as someone forcing it would
    # send.
    refused = post_by_hand(login_as("investigator"), f"/cases/{reference}/extension",
                           data={"working_days": "1", "reason": "x"},
                                            follow_redirects=True)
    assert "Only the Customer Relations Officer can agree an extension" in refused.text
    with at(2026, 3, 17, 0, 0, 1):
        assert fire(db) == (0, [])  # the old deadline no longer fires
    with at(2026, 3, 24, 0, 0, 1):
        assert fire(db) == (1, [])
    assert set(tasks_of(db, reference)) == {"respond_stage1_escalated"}


def test_escalation_window_closes_stage_1_when_no_review_is_asked_for(db, login_as):
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    # Responded Friday 6 March: the window is 20 working days, to Tuesday 7 April (Good Friday 3 April
    # and Easter Monday 6 April are bank holidays); the clocks have gone forward, so midnight is 23:00 UTC.
    with at(2026, 3, 6, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["respond_stage1"].id,
                 {"stage1_outcome": "not_upheld", "stage1_findings": "Correct.", "stage1_method": "email"})
    assert timers(db, reference) == {"escalation_window_closed": datetime(2026, 4, 7, 23, tzinfo=UTC)}
    with at(2026, 4, 7, 22, 59):
        assert fire(db) == (0, [])
    with at(2026, 4, 7, 23, 0, 1):
        assert fire(db) == (1, [])
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Closed: no request for stage 2")


def test_stage_2_timers_reminder_extension_and_overdue_alert(db, login_as):
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 3, 9):
        investigator = login_as("investigator")
        complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id, {"ack_method": "email"})
        complete(investigator, tasks_of(db, reference)["respond_stage1"].id,
                 {"stage1_outcome": "not_upheld", "stage1_findings": "Correct.", "stage1_method": "email"})
    with at(2026, 3, 9, 10):  # asks for stage 2 on Monday 9 March
        complete(login_as("cro"), tasks_of(db, reference)["record_customer_reply"].id,
                 {"customer_reply": "stage2"})
        complete(login_as("senior"), tasks_of(db, reference)["acknowledge_stage2"].id,
                 {"ack_method": "email"})
    # Council profile: 10 working days from the request, Monday 23 March.
    assert timers(db, reference) == {"stage2_response_overdue": datetime(2026, 3, 24, tzinfo=UTC),
                                     "stage2_reminder": datetime(2026, 3, 19, tzinfo=UTC)}
    with at(2026, 3, 19, 0, 0, 1):
        assert fire(db) == (1, [])
    with at(2026, 3, 20, 9):
        assert agree_extension(login_as("cro"), reference, "3", "Site visit").status_code == 302
    assert timers(db, reference) == {"stage2_response_overdue": datetime(2026, 3, 27, tzinfo=UTC),
                                     "stage2_reminder": datetime(2026, 3, 24, tzinfo=UTC)}
    with at(2026, 3, 27, 0, 0, 1):
        # The overdue alert; the re-armed reminder (due 24 March) is stale once the deadline has passed: not
        # sent.
        assert fire(db) == (1, [])
    assert sorted(notes(db, reference)) == ["Reminder: the stage 2 final response is due soon",
                                            "Stage 2 final response is overdue"]
    assert "review_stage2" in tasks_of(db, reference)


def test_code_profile_counts_the_response_from_the_acknowledgement(db, login_as):
    assert choose_profile(login_as("owner"), "code2024").status_code == 302
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 6, 9):  # acknowledged on Friday 6 March (day 4 from receipt)
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    # 10 working days from the acknowledgement: Friday 20 March (from receipt it would be Mon 16 March).
    assert tasks_of(db, reference)["respond_stage1"].due_at == datetime(2026, 3, 21, tzinfo=UTC)


def test_changed_timescale_applies_to_cases_that_start_afterwards(db, login_as):
    with at(2026, 3, 2, 9):
        before = submit_online(login_as("frontline"), "query")
    assert save_timescales(login_as("owner"), "council", {"query_response": "15"}).status_code == 302
    with at(2026, 3, 2, 9):
        after = submit_online(login_as("frontline"), "query")
    assert tasks_of(db, before)["answer_query"].due_at == datetime(2026, 3, 17, tzinfo=UTC)  # 10: Mon 16 Mar
    assert tasks_of(db, after)["answer_query"].due_at == datetime(2026, 3, 24, tzinfo=UTC)   # 15: Mon 23 Mar


def test_query_reminder_then_escalation(db, login_as):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "query")
    assert timers(db, reference) == {"query_overdue": datetime(2026, 3, 17, tzinfo=UTC),
                                     "query_reminder": datetime(2026, 3, 12, tzinfo=UTC),
                                     "query_ack_due": datetime(2026, 3, 10, tzinfo=UTC)}
    with at(2026, 3, 10, 0, 0, 1):  # not answered within 5 working days: the customer is sent a holding reply
        assert fire(db) == (1, [])
    with at(2026, 3, 12, 0, 0, 1):
        assert fire(db) == (1, [])
    assert "answer_query" in tasks_of(db, reference)
    with at(2026, 3, 17, 0, 0, 1):
        assert fire(db) == (1, [])
    assert set(tasks_of(db, reference)) == {"answer_query_escalated"}
    assert notes(db, reference) == ["Reminder: a query answer is due soon",
                                    "Query answer deadline passed: escalated to a senior officer"]


def test_after_downtime_every_overdue_timer_fires_once_oldest_first(db, login_as):
    with at(2026, 3, 2, 9):
        older = submit_online(login_as("frontline"), "query")
    with at(2026, 3, 4, 9):
        newer = submit_online(login_as("frontline"), "suggestion")
    with at(2026, 6, 1, 9):  # the worker was down for weeks
        from processes.cases.timers import due_case_ids
        ids = due_case_ids(db, datetime.now(UTC))
        refs = [db.get(Case, i).reference for i in ids]
        assert refs.index(older) < refs.index(newer)
        assert fire(db) == (len(ids), [])
        assert fire(db) == (0, [])
    assert notes(db, older).count("Query answer deadline passed: escalated to a senior officer") == 1
