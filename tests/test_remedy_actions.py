"""Remedies that need doing later (issue 20): the stage 1 response promises things with a date each, the
letter lists them, an officer marks each done and the customer is told; overdue ones are watched by the
worker. Everything through the pages as they render."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from models import AuditEntry, Notification, OutboxMessage, RemedyAction, User
from processes.records.retention import anonymise_case

from .helpers.forms import form_in, page_form
from .helpers.journeys import at_stage1_response, case_of, tasks_of
from .helpers.pages import error_messages
from .helpers.points import on_the_page
from .helpers.timers import worker_turn

MONDAY = datetime(2026, 12, 7, 10, tzinfo=timezone.utc)  # the response is written on Monday 7 December 2026
ANSWERS = {"stage1_outcome": "upheld", "stage1_findings": "The crew broke the bin.", "stage1_method": "email"}
BIN, PATH = "replace the broken bin", "sweep the glass from the path"


@pytest.fixture()
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def respond(client, db, reference, promises: dict, **answers):
    """The investigator's stage 1 response, with things promised for later filled in on its page."""
    form = page_form(client, f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}", button="Complete task")
    form.set_all({**ANSWERS, **answers, "point-1-outcome": "upheld", "point-1-reasons": "Seen."}
                 if "point-1-outcome" in form.names else {**ANSWERS, **answers})
    for n, (what, due) in promises.items():
        form.fill(f"Thing {n} we will do", what)
        if due is not None:
            form.fill_date(f"Date thing {n} will be done by", **dict(zip(("day", "month", "year"), due)))
    return form.submit()


def rows(db, reference) -> list[tuple]:
    case = case_of(db, reference)
    return [(a.stage, a.number, a.what, a.due_on, a.state) for a in db.scalars(
        select(RemedyAction).filter_by(case_id=case.id).order_by(RemedyAction.number))]


def customer_messages(db, reference, template) -> list[OutboxMessage]:
    case = case_of(db, reference)
    return list(db.scalars(select(OutboxMessage).filter_by(case_id=case.id, template=template,
                                                           audience="customer").order_by(OutboxMessage.id)))


def promised(client, db, login_as, *things):
    """A complaint whose stage 1 response promised `things` ((what, (day, month, year)), ...)."""
    reference, investigator = at_stage1_response(client, db, login_as)
    response = respond(investigator, db, reference, dict(enumerate(things, start=1)))
    assert response.status_code == 302, error_messages(response.text)
    return reference, investigator


def test_a_promise_is_listed_in_the_response_then_marked_done_and_the_customer_told(client, db, login_as,
                                                                                    monday):
    reference, investigator = promised(client, db, login_as, (BIN, (8, 1, 2027)),
                                       (PATH, ("11", "12", "2026")))
    assert rows(db, reference) == [("stage1", 1, BIN, date(2027, 1, 8), "open"),
                                   ("stage1", 2, PATH, date(2026, 12, 11), "open")]
    letter = customer_messages(db, reference, "stage1_response")[0].body
    assert ("What we will do next:\nWe will sweep the glass from the path by Friday 11 December 2026.\n"
            "We will replace the broken bin by Friday 8 January 2027.\n") in letter
    assert "Remedies promised for later: 2" in [e.summary for e in case_of(db, reference).events]

    record = investigator.get(f"/cases/{reference}").text
    assert "Remedies we promised" in record and "by Friday 8 January 2027" in record
    action = db.scalar(select(RemedyAction).filter_by(what=BIN))
    url = f"/cases/{reference}/remedies/{action.id}"
    assert f'href="{url}"' in record
    page = investigator.get(url).text
    assert "replace the broken bin" in page and "Not done yet" in page
    response = page_form(investigator, url, button="Mark as done") \
        .fill("What was done", "A new bin was delivered.").submit()
    assert response.status_code == 302 and response.location.endswith(f"/cases/{reference}#remedies")
    db.expire_all()
    action = db.get(RemedyAction, action.id)
    investigator_user = db.scalar(select(User).filter_by(email="investigator@example.org"))
    assert (action.state, action.done_by_id, action.done_note, action.done_at) == (
        "done", investigator_user.id, "A new bin was delivered.", MONDAY)
    (told,) = customer_messages(db, reference, "remedy_done")
    assert action.message_id == told.id and told.to_address == "jo@example.com" and told.status == "pending"
    assert "we said we would replace the broken bin by Friday 8 January 2027" in told.body
    assert "This was done on Monday 7 December 2026:\nA new bin was delivered." in told.body
    summaries = [e.summary for e in case_of(db, reference).events]
    assert f"{investigator_user.name} marked promised remedy 1 (stage 1) done" in summaries
    assert not any("new bin" in s for s in summaries)  # the note is in the line's details, never its summary
    audit = [e.action for e in db.scalars(select(AuditEntry).filter_by(case_reference=reference))]
    assert "case remedy_done" in audit
    page = investigator.get(url).text
    assert "A new bin was delivered." in page and "Mark as done" not in page


def test_each_promise_needs_its_words_and_a_real_date_not_yet_passed(client, db, login_as, monday):
    reference, investigator = at_stage1_response(client, db, login_as)
    response = respond(investigator, db, reference, {
        1: ("", (8, 1, 2027)), 2: (BIN, (31, 2, 2027)), 3: (PATH, (4, 12, 2026)), 4: ("call back", None),
        5: ("x" * 501, (8, 1, 2027))})
    assert response.status_code == 400
    assert error_messages(response.text) == [
        "Enter what we will do (thing 1)", "The date for thing 2 must be a real date, for example 8 1 2027",
        "The date for thing 3 must be today or in the future", "Enter the date we will do thing 4 by",
        "Thing 5 must be 500 characters or fewer"]
    for anchor in ("#remedy-1", "#remedy-2-due-day", "#remedy-3-due-day", "#remedy-4-due-day", "#remedy-5"):
        assert f'href="{anchor}"' in response.text
    assert 'id="remedy-2-due-day" name="remedy-2-due-day" type="text" value="31"' in response.text
    assert rows(db, reference) == [] and "respond_stage1" in tasks_of(db, reference)
    today = respond(investigator, db, reference, {1: (BIN, (7, 12, 2026))})  # today is allowed
    assert today.status_code == 302 and rows(db, reference)[0][3] == date(2026, 12, 7)


def test_a_response_promising_nothing_for_later_says_nothing_of_it(client, db, login_as, monday):
    reference, investigator = promised(client, db, login_as)
    assert rows(db, reference) == []
    assert "What we will do next" not in customer_messages(db, reference, "stage1_response")[0].body
    assert "Remedies we promised" not in investigator.get(f"/cases/{reference}").text


def test_two_officers_marking_the_same_promise_one_wins_and_the_other_is_told(client, db, login_as, monday):
    reference, investigator = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    action = db.scalar(select(RemedyAction).filter_by(what=BIN))
    url = f"/cases/{reference}/remedies/{action.id}"
    cro = login_as("cro")
    first = page_form(investigator, url, button="Mark as done").fill("What was done", "Delivered.")
    second = page_form(cro, url, button="Mark as done").fill("What was done", "Delivered too.")
    assert first.submit().status_code == 302
    late = second.submit()
    assert late.status_code == 302 and late.location.endswith(url)
    shown = cro.get(late.location).text
    assert "marked this remedy done on 7 December 2026. Nothing you entered was saved" in shown
    db.expire_all()
    assert db.get(RemedyAction, action.id).done_note == "Delivered."
    assert len(customer_messages(db, reference, "remedy_done")) == 1


def test_a_note_is_needed_and_bounded(client, db, login_as, monday):
    reference, investigator = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    url = f"/cases/{reference}/remedies/{db.scalar(select(RemedyAction.id))}"
    empty = page_form(investigator, url, button="Mark as done").fill("What was done", "  ").submit()
    assert empty.status_code == 400 and error_messages(empty.text) == ["Enter what was done"]
    long = page_form(investigator, url, button="Mark as done").fill("What was done", "y" * 2001).submit()
    assert long.status_code == 400
    assert error_messages(long.text) == ["What was done must be 2,000 characters or fewer"]
    assert rows(db, reference)[0][4] == "open" and not customer_messages(db, reference, "remedy_done")


def test_who_may_see_and_mark_a_promise(client, db, login_as, monday):
    reference, _ = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    other, _ = promised(client, db, login_as, (PATH, (9, 1, 2027)))
    action = db.scalar(select(RemedyAction).filter_by(what=BIN))
    url = f"/cases/{reference}/remedies/{action.id}"
    for who in ("owner", "reports"):  # roles that see no case
        assert login_as(who).get(url).status_code == 403
        assert login_as(who).get("/cases/remedies").status_code == 403
    for who in ("investigator", "manager", "frontline"):  # see the case, not the CRO's list
        assert login_as(who).get("/cases/remedies").status_code == 403
    assert login_as("investigator").get(f"/cases/{other}/remedies/{action.id}").status_code == 404
    admin = login_as("admin")  # sees every case, but does not work on them
    assert admin.get(url).status_code == 200 and "Mark as done" not in admin.get(url).text
    refused = admin.post(url, data={"note": "Done.", "csrf_token": _token(admin)})
    assert refused.status_code == 302
    assert "Only officers who work on cases can mark a remedy done" in admin.get(refused.location).text
    assert rows(db, reference)[0][4] == "open"


def _token(client) -> str:
    from .helpers.forms import csrf_token
    return csrf_token(client)


def test_the_cro_sees_every_open_promise_overdue_first(client, db, login_as, monday):
    later, _ = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    sooner, _ = promised(client, db, login_as, (PATH, (9, 12, 2026)))
    with time_machine.travel(datetime(2026, 12, 10, 9, tzinfo=timezone.utc), tick=False):
        page = login_as("cro").get("/cases/remedies").text
    assert page.index(PATH) < page.index(BIN)
    assert page.count("Overdue") == 1 and page.count("Not done yet") == 1
    assert "Wednesday 9 December 2026" in page and sooner in page and later in page


def test_the_worker_tells_the_officer_and_the_cro_once_when_a_promise_passes_its_date(app, client, db,
                                                                                      login_as, monday):
    reference, _ = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    case_id = case_of(db, reference).id

    def run_worker_at(moment):
        worker_turn(app, moment)
        db.expire_all()

    def told():
        notes = [n.message for n in db.scalars(select(Notification).filter_by(case_id=case_id))
                 if "Promised remedy" in n.message]
        emails = sorted(m.to_address for m in db.scalars(select(OutboxMessage).filter_by(
            case_id=case_id, audience="staff")) if "Promised remedy" in m.subject)
        return notes, emails

    run_worker_at(datetime(2027, 1, 8, 23, 59, tzinfo=timezone.utc))  # the last minute of its day
    assert told() == ([], [])
    run_worker_at(datetime(2027, 1, 9, 0, 0, 1, tzinfo=timezone.utc))
    message = "Promised remedy 1 (stage 1) was due by Friday 8 January 2027 and is not marked done"
    assert told() == ([message], ["cro@example.org", "investigator@example.org"])
    assert db.scalar(select(RemedyAction.overdue_notified_at)) == datetime(2027, 1, 9, 0, 0, 1,
                                                                             tzinfo=timezone.utc)
    run_worker_at(datetime(2027, 1, 11, 9, tzinfo=timezone.utc))  # once only
    assert told() == ([message], ["cro@example.org", "investigator@example.org"])


def test_anonymisation_erases_the_words_and_the_exports_hold_them(app, client, db, login_as, monday):
    reference, investigator = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    action = db.scalar(select(RemedyAction))
    page_form(investigator, f"/cases/{reference}/remedies/{action.id}", button="Mark as done") \
        .fill("What was done", "A new bin was delivered.").submit()
    cro = login_as("cro")
    with zipfile.ZipFile(io.BytesIO(cro.get(f"/records/case-file/{reference}.zip").data)) as archive:
        exported = json.loads(archive.read("case.json"))["remedy_actions"]
        readable = archive.read("case-file.html").decode()
    assert [(a["what"], a["due_on"], a["state"], a["done_note"]) for a in exported] == [
        (BIN, "2027-01-08", "done", "A new bin was delivered.")]
    assert "Remedies we promised" in readable and "replace the broken bin" in readable
    found = page_form(cro, "/records/subject-access", button="Find cases") \
        .fill("Email address", "jo@example.com").submit()
    subject = form_in(cro, found, "http://localhost/records/subject-access",
                      button="Download everything held (zip)").submit()
    with zipfile.ZipFile(io.BytesIO(subject.data)) as archive:
        held = json.loads(archive.read(f"{reference}/case.json"))["remedy_actions"]
    assert [a["what"] for a in held] == [BIN]
    anonymise_case(db, case_of(db, reference), datetime.now(timezone.utc))
    db.expire_all()
    action = db.get(RemedyAction, action.id)
    assert (action.what, action.done_note, action.state, action.due_on) == (None, None, "done",
                                                                           date(2027, 1, 8))
    done_message = db.get(OutboxMessage, action.message_id)
    assert BIN not in done_message.body and "new bin" not in done_message.body


def test_the_message_that_a_promise_is_done_goes_where_the_consent_says(client, db, login_as, monday):
    from .test_representatives import MP, rep_form
    reference, investigator = promised(client, db, login_as, (BIN, (8, 1, 2027)))
    assert rep_form(investigator, reference).submit().status_code == 302  # replies go to the MP
    url = f"/cases/{reference}/remedies/{db.scalar(select(RemedyAction.id))}"
    page_form(investigator, url, button="Mark as done").fill("What was done", "Delivered.").submit()
    (told,) = customer_messages(db, reference, "remedy_done")
    assert told.to_address == MP["rep_email"] and told.to_name == MP["rep_name"]
    assert told.body.startswith("You are receiving this message on behalf of Jo Bloggs")


def test_the_stage_2_response_page_offers_the_same_and_the_final_response_lists_them(client, db, login_as,
                                                                                      monday):
    reference, _ = promised(client, db, login_as)
    cro, senior = login_as("cro"), login_as("senior")
    reply = page_form(cro, f"/tasks/{tasks_of(db, reference)['record_customer_reply'].id}",
                      button="Complete task").choose("customer_reply", "stage2").submit()
    assert reply.status_code == 302
    acknowledged = page_form(senior, f"/tasks/{tasks_of(db, reference)['acknowledge_stage2'].id}",
                             button="Complete task").choose("ack_method", "email").submit()
    assert acknowledged.status_code == 302  # the stage 1 point carried to the review, as the page offers it
    form = page_form(senior, f"/tasks/{tasks_of(db, reference)['review_stage2'].id}", button="Complete task")
    answers = {"stage2_outcome": "upheld", "stage2_findings": "Reviewed.", "stage2_method": "email"}
    form.set_all({**answers, **on_the_page(form.names, answers)})  # each stage 2 point upheld, as the whole
    form.fill("Thing 1 we will do", PATH).fill_date("Date thing 1 will be done by", date(2027, 2, 5))
    assert form.submit().status_code == 302
    assert rows(db, reference) == [("stage2", 1, PATH, date(2027, 2, 5), "open")]
    final = customer_messages(db, reference, "final_response")[0].body
    assert "What we will do next:\nWe will sweep the glass from the path by Friday 5 February 2027.\n" \
        in final
