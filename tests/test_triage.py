"""Triage at first contact: a request for service, a complaint not for this procedure with a reason from the
form's list, and a duplicate linked to the case it repeats; each through the form the task page renders."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import delete, select

from models import CaseLink, OutboxMessage, UserServiceArea
from processes.cases.triage import ITSELF, NOT_FOUND
from processes.reporting.figures import Filters, dashboard

from .helpers.cases import record_case
from .helpers.journeys import submit_online, tasks_of
from .helpers.pages import error_messages
from .test_exports import unzip
from .test_first_contact import case_of, customer_messages, first_contact_form, stage1

NOTE = "Collect the missed bin from 4 Elm Road and check the round sheet."


def test_each_outcome_asks_for_what_it_needs_beside_its_field(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    asked = {}
    for outcome in ("service_request", "signpost", "duplicate"):
        response = first_contact_form(officer, db, reference).choose("first_contact_outcome", outcome) \
            .fill("first_contact_notes", "Talked it through.").submit()
        assert response.status_code == 400
        asked[outcome] = error_messages(response.text)
    assert asked == {"service_request": ["Enter what the service should do"],
                     "signpost": ["Select why it is not for this procedure"],
                     "duplicate": ["Enter the reference of the case it repeats"]}
    assert set(tasks_of(db, reference)) == {"first_contact"}
    assert customer_messages(db, case_of(db, reference)) == []


def test_a_request_for_service_is_passed_to_the_service_and_the_customer_told_how_to_complain(
        client, db, login_as):
    reference = submit_online(client)
    first_contact_form(login_as("frontline"), db, reference) \
        .choose("first_contact_outcome", "service_request") \
        .fill("first_contact_notes", "First time reported.").fill("service_request_note", NOTE).submit()
    case = case_of(db, reference)
    assert (case.status, case.outcome) == ("closed", "Passed to the service as a request for service")
    [letter] = customer_messages(db, case)
    assert (letter.template, letter.to_address) == ("service_request", "jo@example.com")
    assert letter.subject == f"Your request {reference} has been passed to the service"
    assert "as a request for service rather than a complaint" in letter.body and NOTE in letter.body
    assert "If it is not put right" in letter.body and "you can then make a complaint" in letter.body
    told = [m for m in db.scalars(select(OutboxMessage).filter_by(case_id=case.id, audience="staff"))
            if m.subject.startswith("A request for service was passed to you")]
    assert {m.to_address for m in told} == {"manager@example.org"}
    assert NOTE in login_as("manager").get(f"/cases/{reference}").text  # in what was recorded
    row = stage1(db, case)
    assert (row.outcome, row.not_taken_reason) == ("service_request", None) and row.responded_at is not None


def test_signposting_offers_the_owners_reasons_and_the_letter_names_where_to_go(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    page = officer.get(f"/tasks/{tasks_of(db, reference)['first_contact'].id}").text
    assert "Councillor conduct" in page and "the Planning Inspectorate, who decide appeals" in page
    first_contact_form(officer, db, reference).choose("first_contact_outcome", "signpost") \
        .fill("first_contact_notes", "An appeal against a refusal.") \
        .choose("signpost_reason", "Planning appeal").submit()
    case = case_of(db, reference)
    assert (case.status, case.outcome) == ("closed", "Signposted: not for this procedure")
    [letter] = customer_messages(db, case)
    assert (letter.template, letter.subject) == ("signposting", f"Your comment {reference}: where to take it")
    assert "not something our complaints procedure can deal with: Planning appeal." in letter.body
    assert ("Please take it to the Planning Inspectorate, who decide appeals against planning decisions "
            "(www.gov.uk/appeal-planning-decision).") in letter.body
    assert (stage1(db, case).outcome, stage1(db, case).not_taken_reason) == ("signposted", "planning_appeal")


def test_a_duplicate_names_a_case_the_officer_may_see_and_both_case_pages_show_the_link(
        client, db, users, login_as):
    first = record_case(db, users["frontline"])
    hidden = record_case(db, users["investigator"], service_area="housing")
    reference = submit_online(client)
    # The front line officer works for waste only here, and has not handled the housing case.
    db.execute(delete(UserServiceArea).where(UserServiceArea.user_id == users["frontline"].id,
                                             UserServiceArea.service_area != "waste"))
    db.commit()
    db.expire_all()
    officer = login_as("frontline")
    refused = {}
    for typed in ("CC-2099-999999", hidden.reference, reference):
        response = first_contact_form(officer, db, reference).choose("first_contact_outcome", "duplicate") \
            .fill("first_contact_notes", "Rang again.").fill("duplicate_of", typed).submit()
        assert response.status_code == 400 and 'id="duplicate_of-error"' in response.text, typed
        refused[typed] = error_messages(response.text)
    assert refused == {"CC-2099-999999": [NOT_FOUND.format(reference="CC-2099-999999")],
                       hidden.reference: [NOT_FOUND.format(reference=hidden.reference)],  # as if unknown
                       reference: [ITSELF]}
    typed = f"  {first.reference.lower()} "
    first_contact_form(officer, db, reference).choose("first_contact_outcome", "duplicate") \
        .fill("first_contact_notes", "Rang again about the same bin.").fill("duplicate_of", typed).submit()
    case = case_of(db, reference)
    assert (case.status, case.outcome) == ("closed", f"Duplicate of {first.reference}")
    [link] = db.scalars(select(CaseLink)).all()
    assert (link.case_id, link.linked_case_id, link.kind) == (case.id, first.id, "duplicate_of")
    [letter] = customer_messages(db, case)
    assert letter.template == "duplicate_notice" and first.reference in letter.subject
    assert f"repeats a case we already have, {first.reference}" in letter.body
    assert stage1(db, case).outcome == "duplicate"
    assert f"Linked as a duplicate of {first.reference}" in [e.summary for e in case.officer_history()]
    repeated = case_of(db, first.reference)
    assert f"{reference} was linked to this case as a duplicate of it" in [
        e.summary for e in repeated.officer_history()]
    shown = {ref: officer.get(f"/cases/{ref}").text for ref in (reference, first.reference)}
    assert f'href="/cases/{first.reference}">{first.reference}</a>' in shown[reference]
    assert "Duplicate of" in shown[reference]
    assert f'href="/cases/{reference}">{reference}</a>' in shown[first.reference]
    assert "Repeated by" in shown[first.reference]
    cro = login_as("cro")  # the Ombudsman's case file of each names the other
    for ref, link, other in ((reference, "duplicate of", first.reference), (first.reference, "repeated by",
                                                                            reference)):
        files = unzip(cro.get(f"/records/case-file/{ref}.zip"))
        [entry] = json.loads(files["case.json"])["linked_cases"]
        assert (entry["link"], entry["reference"], entry["comment_type"]) == (link, other, "complaint")
        assert f"<li>{link.capitalize()} complaint {other}</li>" in files["case-file.html"].decode()


def test_the_dashboard_counts_requests_for_service_by_service_area_exactly(db, case_factory):
    c = case_factory
    for day, area in ((2, "waste"), (3, "waste"), (4, "housing")):
        case = c.submit((2026, 3, day, 9), "complaint", area, "phone")
        c.do((2026, 3, day, 10), case, "frontline", "first_contact", first_contact_outcome="service_request",
             first_contact_notes="First report.", service_request_note=NOTE)
    april = c.submit((2026, 4, 1, 9), "complaint", "waste", "phone")  # outside the period
    c.do((2026, 4, 1, 10), april, "frontline", "first_contact", first_contact_outcome="service_request",
         first_contact_notes="First report.", service_request_note=NOTE)
    signposted = c.submit((2026, 3, 5, 9), "complaint", "waste", "phone")
    c.do((2026, 3, 5, 10), signposted, "frontline", "first_contact", first_contact_outcome="signpost",
         first_contact_notes="Not ours.", signpost_reason="foi")
    repeat = c.submit((2026, 3, 6, 9), "complaint", "waste", "phone")
    c.do((2026, 3, 6, 10), repeat, "frontline", "first_contact", first_contact_outcome="duplicate",
         first_contact_notes="Again.", duplicate_of=signposted.reference)
    db.commit()
    areas = {"waste": "Waste", "housing": "Housing"}
    got = {t.key: t.rows for t in dashboard(db, Filters(date(2026, 3, 1), date(2026, 3, 31)),
                                            date(2026, 4, 2), areas)}
    assert got["service-requests"] == [["Waste", 2], ["Housing", 1]]
    assert got["outcomes"] == [["Housing", "Stage 1", "Passed to the service as a request", 1],
                               ["Waste", "Stage 1", "Duplicate", 1],
                               ["Waste", "Stage 1", "Passed to the service as a request", 2],
                               ["Waste", "Stage 1", "Signposted", 1]]
    assert got["acknowledged"] == []  # none was a complaint to acknowledge
    housing = {t.key: t.rows for t in dashboard(
        db, Filters(date(2026, 3, 1), date(2026, 3, 31), service_area="housing"), date(2026, 4, 2), areas)}
    assert housing["service-requests"] == [["Housing", 1]]
