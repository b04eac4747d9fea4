"""Every user task with a due date has a timer watching it: first contact, the stage 2 acknowledgement, work
taken over by a senior officer (the CRO told, then the director), and the holding replies to queries and
suggestions. By time travel, with the stored due dates asserted exactly."""
from datetime import datetime, timezone

from .helpers.cases import at
from .helpers.journeys import complete, submit_online, tasks_of
from .helpers.timers import customer_subjects, fire, formal_complaint, notes, timers

UTC = timezone.utc


def test_a_complaint_left_at_first_contact_past_its_acknowledgement_date_is_reported_to_the_cro(db, login_as):
    with at(2026, 3, 2, 9):  # Monday 2 March: acknowledgement due by Monday 9 March
        reference = submit_online(login_as("frontline"))
    assert timers(db, reference) == {"first_contact_ack_overdue": datetime(2026, 3, 10, tzinfo=UTC)}
    with at(2026, 3, 9, 23, 59):
        assert fire(db) == (0, [])
    with at(2026, 3, 10, 0, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference) == [
        "A complaint is still at first contact and its acknowledgement is overdue"]
    assert set(tasks_of(db, reference)) == {"first_contact"}  # the officer keeps it
    with at(2026, 3, 10, 9):
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    assert "first_contact_ack_overdue" not in timers(db, reference)


def at_stage2(db, login_as):
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 3, 9):
        investigator = login_as("investigator")
        complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id, {"ack_method": "email"})
        complete(investigator, tasks_of(db, reference)["respond_stage1"].id,
                 {"stage1_outcome": "not_upheld", "stage1_findings": "Correct.", "stage1_method": "email"})
    with at(2026, 3, 9, 10):  # asks for stage 2 on Monday 9 March: acknowledge by Monday 16 March
        complete(login_as("cro"), tasks_of(db, reference)["record_customer_reply"].id,
                 {"customer_reply": "stage2"})
    return reference


def test_an_unacknowledged_stage_2_request_is_reported_to_the_cro(db, login_as):
    reference = at_stage2(db, login_as)
    assert timers(db, reference) == {"stage2_ack_overdue": datetime(2026, 3, 17, tzinfo=UTC)}
    with at(2026, 3, 17, 0, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference)[-1] == "Stage 2 acknowledgement is overdue"
    assert "acknowledge_stage2" in tasks_of(db, reference)
    with at(2026, 3, 17, 9):
        complete(login_as("senior"), tasks_of(db, reference)["acknowledge_stage2"].id,
                 {"ack_method": "email"})
    assert "stage2_ack_overdue" not in timers(db, reference)


def test_work_taken_over_when_late_has_its_own_deadline_then_the_director_is_told(db, login_as):
    reference = formal_complaint(db, login_as)
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with at(2026, 3, 17, 0, 0, 1):  # the response deadline (Monday 16 March) passed: a senior officer has it
        assert fire(db) == (1, [])
    assert set(tasks_of(db, reference)) == {"respond_stage1_escalated"}
    # 5 working days from Tuesday 17 March: Tuesday 24 March; then 5 more: Tuesday 31 March (in summer time).
    assert timers(db, reference) == {"stage1_escalated_overdue": datetime(2026, 3, 25, tzinfo=UTC),
                                     "stage1_escalated_overdue_again": datetime(2026, 3, 31, 23, tzinfo=UTC)}
    with at(2026, 3, 25, 0, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference)[-1] == (
        "The overdue stage 1 response taken over by a senior officer is late too")
    with at(2026, 3, 31, 23, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference)[-1] == ("A complaint's stage 1 response is still not sent after it was taken "
                                        "over by a senior officer")
    assert set(tasks_of(db, reference)) == {"respond_stage1_escalated"}


def test_a_query_not_answered_in_5_working_days_gets_a_holding_reply_then_its_watchers(db, login_as):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "query")
    with at(2026, 3, 10, 0, 0, 1):
        assert fire(db) == (1, [])
    assert customer_subjects(db, reference)[-1] == f"We are still working on your query {reference}"
    with at(2026, 3, 17, 0, 0, 1):  # the reminder (12 March) is stale by now: only the escalation
        assert fire(db) == (1, [])
    assert timers(db, reference) == {"query_escalated_overdue": datetime(2026, 3, 25, tzinfo=UTC),
                                     "query_escalated_overdue_again": datetime(2026, 3, 31, 23, tzinfo=UTC)}
    with at(2026, 3, 31, 23, 0, 1):  # a worker down since before both: the later watcher speaks, once
        assert fire(db) == (1, [])
    assert notes(db, reference)[-1] == (
        "A query is still not answered after it was taken over by a senior officer")
    assert "The overdue query answer taken over by a senior officer is late too" not in notes(db, reference)
    assert timers(db, reference) == {}


def test_a_query_answered_in_time_gets_no_holding_reply(db, login_as):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "query")
        complete(login_as("investigator"), tasks_of(db, reference)["answer_query"].id,
                 {"query_answer": "Here is the answer.", "query_answer_method": "email"})
    assert timers(db, reference) == {}
    assert not any("still working" in subject for subject in customer_subjects(db, reference))


def test_a_suggestion_not_decided_in_5_working_days_gets_a_holding_reply(db, login_as):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "suggestion")
    assert timers(db, reference)["suggestion_ack_due"] == datetime(2026, 3, 10, tzinfo=UTC)
    with at(2026, 3, 10, 0, 0, 1):
        assert fire(db) == (1, [])
    assert customer_subjects(db, reference)[-1] == f"We are still considering your suggestion {reference}"
