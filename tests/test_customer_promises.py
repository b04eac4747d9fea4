"""What customers are promised comes from the policy in force and the case's own deadlines, never from a
number written into a page (issue 17, defect 2)."""
from datetime import datetime, timezone

import lxml.html

from .helpers.cases import at
from .helpers.journeys import case_of, choose_profile, complete, save_timescales, submit_online, tasks_of

UTC = timezone.utc



def promised(html: str, action: str) -> list[str]:
    """The texts of the page's elements marked data-promise=`action`."""
    found = lxml.html.fromstring(html).xpath(f"//*[@data-promise='{action}']")
    return [" ".join(e.text_content().split()) for e in found]


def set_stage1_response(owner, days: int) -> None:
    """The process owner sets the council profile's stage 1 response through the policy page's form."""
    response = save_timescales(owner, "council", {"stage1_response": str(days)})
    assert response.status_code == 302, response.text[:2000]


def test_after_the_owner_sets_15_days_the_pages_promise_the_case_own_15_day_deadline(client, db, login_as):
    with at(2026, 3, 2, 9):  # Monday 2 March 2026
        set_stage1_response(login_as("owner"), 15)
        start = client.get("/").text
        promise = "send a full response to a complaint within 15 working days of receiving it"
        assert promise in " ".join(start.split())
        assert "10 working days" not in start.replace("answer a question within 10 working days", "").replace(
            "suggestion within 10 working days", "")
        reference = submit_online(client)
        done = client.get("/comment/sent").text
    assert promised(done, "acknowledge") == ["Mon 9 Mar 2026"]  # day 5
    assert promised(done, "respond") == ["Mon 23 Mar 2026"]  # day 15, not day 10 (Mon 16 Mar)
    with at(2026, 3, 2, 9, 30):  # the status page gives the same two dates
        status = lxml.html.fromstring(client.get(f"/status/{case_of(db, reference).status_token}").text)
    assert [" ".join(e.text_content().split())
            for e in status.xpath("//*[@data-promise or @data-promise-then]")] \
        == ["Mon 9 Mar 2026", "Mon 23 Mar 2026"]
    with at(2026, 3, 2, 10):
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    respond = tasks_of(db, reference)["respond_stage1"]
    # the case's own deadline: the end of Mon 23 Mar
    assert respond.due_at == datetime(2026, 3, 24, tzinfo=UTC)
    stage1 = next(row for row in case_of(db, reference).stages if row.stage == "stage1")
    assert stage1.promised_response_at == respond.due_at


def test_the_start_page_shows_the_code_profile_counting_from_the_acknowledgement(client, db, login_as):
    choose_profile(login_as("owner"), "code2024")
    start = " ".join(client.get("/").text.split())
    assert "acknowledge a complaint within 5 working days" in start
    assert "send a full response to a complaint within 10 working days of our acknowledgement" in start
    submit_online(client)
    done = client.get("/comment/sent").text
    assert promised(done, "respond") == ["10 working days"]
    assert "of our acknowledgement" in done


def test_a_query_is_promised_its_answer_date_and_no_acknowledgement_it_will_not_get(client, db, login_as):
    save_timescales(login_as("owner"), "council", {"query_response": "7"})
    assert "answer a question within 7 working days" in " ".join(client.get("/").text.split())
    with at(2026, 3, 2, 9):
        reference = submit_online(client, "query")
        done = client.get("/comment/sent").text
    assert promised(done, "acknowledge") == []  # the query process has no acknowledgement step
    assert promised(done, "respond") == ["Wed 11 Mar 2026"]  # day 7
    assert tasks_of(db, reference)["answer_query"].due_at == datetime(2026, 3, 12, tzinfo=UTC)


def test_a_compliment_is_promised_the_date_it_will_be_passed_on(client, db):
    with at(2026, 3, 2, 9):
        reference = submit_online(client, "compliment")
        done = client.get("/comment/sent").text
    assert promised(done, "acknowledge") == []
    assert promised(done, "respond") == ["Mon 16 Mar 2026"]  # compliments: passed on within 10 working days
    assert tasks_of(db, reference)["pass_on_compliment"].due_at == datetime(2026, 3, 17, tzinfo=UTC)
    assert "We will pass your compliment to the service it is about by" in " ".join(done.split())
