"""No message or page promises a date already past, and a reminder made stale by its deadline is not sent
(issue 17, defect 3). Time travels; nothing sleeps."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import Notification, OutboxMessage
from processes.cases.timers import fire_due_timers
from processes.messaging.messages import MessageTemplateError, render

from .helpers.cases import at
from .helpers.journeys import case_of, complete, submit_online, tasks_of

UTC = timezone.utc



def formal(db, client, login_as) -> str:
    """A complaint received Monday 2 March 2026 (response due by Monday 16 March) taken into stage 1."""
    with at(2026, 3, 2, 9):
        reference = submit_online(client)
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    return reference


def customer_mail(db, reference: str, template: str) -> OutboxMessage:
    return db.scalar(select(OutboxMessage).filter_by(case_id=case_of(db, reference).id, template=template))


def notes(db, reference: str) -> list[str]:
    query = select(Notification.message).filter_by(case_id=case_of(db,
                                                                   reference).id).order_by(Notification.id)
    return list(db.scalars(query))


def test_a_late_acknowledgement_says_the_response_is_overdue_and_who_has_it(db, client, login_as):
    reference = formal(db, client, login_as)
    with at(2026, 3, 20, 9):  # Friday 20 March: the full response was due by Monday 16 March
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    body = customer_mail(db, reference, "acknowledgement").body
    assert "our full response was due by Monday 16 March 2026 and is now overdue" in body
    assert "Your complaint is now with a senior officer, who will send you our full response" in body
    assert "Ian Investigator" not in body and "We will send you a full response by" not in body
    with at(2026, 3, 20, 9, 1):
        fire_due_timers(db, datetime.now(UTC), commit=db.commit)  # the passed deadline escalated it already
        page = " ".join(client.get(f"/status/{case_of(db, reference).status_token}").text.split())
    assert set(t.bpmn_id for t in case_of(db, reference).ready_tasks) == {"respond_stage1_escalated"}
    assert "Our response was due by Mon 16 Mar 2026 and is late. We are sorry." in page
    assert "Your complaint is now with a senior officer, who will be in touch as soon as they can." in page
    assert "Our response is due" not in page and "data-promise" not in page


def test_an_acknowledgement_in_time_promises_the_date(db, client, login_as):
    reference = formal(db, client, login_as)
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
        page = " ".join(client.get(f"/status/{case_of(db, reference).status_token}").text.split())
    body = customer_mail(db, reference, "acknowledgement").body
    assert ("Ian Investigator is looking into it. "
            "We will send you a full response by Monday 16 March 2026." in body)
    assert "We will send you our response by Mon 16 Mar 2026." in page


def test_a_worker_catching_up_after_the_deadline_sends_no_stale_reminder(db, client, login_as):
    reference = formal(db, client, login_as)
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    # the worker was down from before the reminder (Thu 12 Mar) to after the deadline
    with at(2026, 3, 20, 9):
        assert fire_due_timers(db, datetime.now(UTC), commit=db.commit) == (1, [])
    assert notes(db, reference) == ["Stage 1 response deadline passed: escalated to a senior officer"]
    assert set(t.bpmn_id for t in case_of(db, reference).ready_tasks) == {"respond_stage1_escalated"}
    dropped = [e for e in case_of(db, reference).events if e.kind == "timer dropped"]
    assert [e.summary for e in dropped] == [  # the history says why nobody was reminded
        "Reminder before the deadline: not sent, the deadline it warned of had passed"]
    page = login_as("cro").get(f"/cases/{reference}").text
    assert "Reminder before the deadline: not sent, the deadline it warned of had passed" in page


def test_a_reminder_fired_in_its_time_is_still_sent(db, client, login_as):
    reference = formal(db, client, login_as)
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with at(2026, 3, 13, 9):  # Friday 13 March: the reminder (from Thursday 12) is due, the deadline is not
        assert fire_due_timers(db, datetime.now(UTC), commit=db.commit) == (1, [])
    assert notes(db, reference) == ["Reminder: the stage 1 response is due soon"]


def test_templates_can_ask_whether_a_date_is_past():
    template = {"subject": "x",
                "body": "{% if due is past %}overdue{% else %}by {{ due | due_date }}{% endif %}"}
    with at(2026, 3, 16, 12):
        assert render(template, {"due": "2026-03-17T00:00:00+00:00"})[1] == "by Monday 16 March 2026"
    with at(2026, 3, 17, 0, 0, 1):
        assert render(template, {"due": "2026-03-17T00:00:00+00:00"})[1] == "overdue"


@pytest.mark.parametrize("body",
                         ["{% if customer_name is past %}late{% endif %}", "{{ customer_name | due_date }}",
                                  "{{ 3 | when }}"])
def test_a_date_filter_given_what_is_not_a_date_is_refused_with_a_reason(body):
    """The process owner writes templates: a filter or test given a name or a number is a clear refusal."""
    with pytest.raises(MessageTemplateError, match="a message could not be written"):
        render({"subject": "x", "body": body}, {"customer_name": "Jo"})
