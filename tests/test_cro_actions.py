"""The CRO's case actions through the case page's rendered forms (issue 21): assigning a task to a named
officer, recording a withdrawal or stage 2 request taken by phone or letter; each with its history line and
audit entry, refused with its reason where it does not apply."""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone

import lxml.html
from sqlalchemy import select

from models import (Attachment, AuditEntry, Case, CaseEvent, CaseRemedy, OutboxMessage, User, UserRole,
                    UserServiceArea, WaitingTimer)
from processes.cases.timers import fire_due_timers
from processes.policy.calendar import LONDON
from processes.records import filestore

from .helpers.cases import SATISFIED, at, record_case
from .helpers.forms import page_form, post_by_hand
from .helpers.pages import error_messages
from .test_exports import unzip


def uk_today() -> date:
    return datetime.now(LONDON).date()


def flashed(client, response) -> str:
    """The page a redirect leads to, with its flash."""
    assert response.status_code == 302, response.text[:1000]
    return " ".join(client.get(response.location).text.split())


def linked(html: str) -> list[str]:
    """The case page's linked cases, as read."""
    return [" ".join(li.text_content().split())
            for li in lxml.html.fromstring(html).xpath("//*[@data-linked-cases]/li")]


def lines(db, case, kind: str) -> list[str]:
    return list(db.scalars(select(CaseEvent.summary).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.kind == kind)))


def audited(db, case, action: str) -> list[str]:
    return list(db.scalars(select(AuditEntry.detail).where(AuditEntry.case_reference == case.reference,
                                                           AuditEntry.action == action)))


def at_acknowledgement(db, users, case_factory):
    """A complaint past first contact: "Acknowledge the complaint" waits for the investigators."""
    case = record_case(db, users["frontline"])
    return case_factory.walk(case, "first_contact")


def new_user(db, email: str, name: str, role: str, areas=()) -> User:
    user = User(email=email, name=name, roles=[UserRole(role=role)],
                service_areas=[UserServiceArea(service_area=a) for a in areas])
    user.set_password("demo-password")
    db.add(user)
    db.commit()
    return user


def assign_form(client, case, task):
    return page_form(client, f"/cases/{case.reference}",
                     action=f"/cases/{case.reference}/tasks/{task.id}/assign")


def test_the_cro_assigns_a_task_to_a_named_officer_who_is_emailed(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    cro = login_as("cro")
    page = flashed(cro, assign_form(cro, case, task).choose("officer", "Isla Investigator").submit())
    assert "“Acknowledge the complaint” assigned to Isla Investigator: they have been emailed" in page
    task = case_factory.task(case, "acknowledge_stage1")
    assert task.assigned_to.name == "Isla Investigator"
    line = f"Carla Relations assigned “{task.name}” (Stage 1) to Isla Investigator"
    assert lines(db, case, "assigned") == [line]
    assert audited(db, case, "case assigned") == [line]
    email = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "investigator2@example.org",
                                                  OutboxMessage.subject.startswith("A task assigned")))
    assert email.subject == f"A task assigned to you: {task.name} ({case.reference})"
    assert f"/tasks/{task.id}" in email.body
    # the task is in her own list now, and she may work on it
    assert task.name in login_as("investigator2").get("/tasks/").text


def test_only_officers_of_the_team_who_may_see_the_case_are_offered(db, users, case_factory, login_as):
    parks = new_user(db, "parks.investigator@example.org", "Pat Parks", "investigating_officer", ["parks"])
    case = at_acknowledgement(db, users, case_factory)  # about waste
    task = case_factory.task(case, "acknowledge_stage1")
    cro = login_as("cro")
    form = assign_form(cro, case, task)
    offered = [o.text for o in form.element.iter("option")]
    assert offered == ["Select an officer", "Ian Investigator", "Isla Investigator"]  # no Pat, no seniors
    response = form.tamper("officer", str(parks.id)).submit()
    assert response.status_code == 400
    assert "Select an officer of this task's team who may see the case" in error_messages(response.text)
    response = assign_form(cro, case, task).submit()  # nobody chosen
    assert "Select the officer to assign this task to" in error_messages(response.text)
    assert case_factory.task(case, "acknowledge_stage1").assigned_to_id is None
    assert lines(db, case, "assigned") == []


def test_of_two_cros_assigning_at_once_the_first_wins_and_the_other_is_told(db, users, case_factory,
                                                                              login_as):
    new_user(db, "cro2@example.org", "Cleo Relations", "customer_relations_officer")
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    first, second = login_as("cro"), login_as("cro2")
    first_form = assign_form(first, case, task).choose("officer", "Ian Investigator")
    second_form = assign_form(second, case, task).choose("officer", "Isla Investigator")
    assert first_form.submit().status_code == 302
    page = flashed(second, second_form.submit())
    assert ("Someone else assigned this task while you were choosing: it is now with Ian Investigator. "
            "Nothing was changed") in page
    assert case_factory.task(case, "acknowledge_stage1").assigned_to.name == "Ian Investigator"
    assert len(lines(db, case, "assigned")) == 1


def test_an_officer_cannot_assign_tasks(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    investigator = login_as("investigator")
    assert "Assign a task" not in investigator.get(f"/cases/{case.reference}").text
    response = post_by_hand(investigator, f"/cases/{case.reference}/tasks/{task.id}/assign",
                            {"officer": str(users["investigator"].id), "seen_assignee": ""})
    assert response.status_code == 403
    assert case_factory.task(case, "acknowledge_stage1").assigned_to_id is None


def at_customer_reply(db, users, case_factory):
    """A complaint whose stage 1 response has gone: the escalation window is open."""
    case = at_acknowledgement(db, users, case_factory)
    return case_factory.walk(case, "acknowledge_stage1", "respond_stage1")


def request_form(client, case):
    """The form on its own page, reached from the case page's link."""
    link = lxml.html.fromstring(client.get(f"/cases/{case.reference}").text).xpath(
        "//a[normalize-space()='Record what the customer asked by phone or letter']/@href")
    assert link == [f"/cases/{case.reference}/customer-request"]
    return page_form(client, link[0])


def test_a_stage_2_request_by_phone_starts_stage_2_as_the_status_page_would(db, users, case_factory,
                                                                             login_as):
    case = at_customer_reply(db, users, case_factory)
    cro, today = login_as("cro"), uk_today()
    form = request_form(cro, case).choose("taken_request", "A stage 2 review of their complaint")
    form.choose("taken_how", "Phone").fill_date("taken_on", today).fill("taken_reasons", "Not answered.")
    assert "Stage 2 request recorded: stage 2 has started" in flashed(cro, form.submit())
    case = case_factory.fresh(case)
    assert [t.bpmn_id for t in case.ready_tasks] == ["acknowledge_stage2"]
    line = (f"The customer asked for a stage 2 review by phone on {today.day} {today:%B %Y}, "
            "recorded by Carla Relations")
    assert lines(db, case, "review_requested") == [line]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.case_reference == case.reference,
                                               AuditEntry.action == "case review_requested"))
    assert (entry.actor, entry.detail) == ("Carla Relations <cro@example.org>", line)


def test_a_withdrawal_by_letter_closes_the_case(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    cro = login_as("cro")
    form = request_form(cro, case).choose("taken_request", "To withdraw their comment").choose("taken_how",
                                                                                              "Letter")
    received = uk_today() - timedelta(days=1) if uk_today() > case.received_at.date() else uk_today()
    page = flashed(cro, form.fill_date("taken_on", received).submit())
    assert "Withdrawal recorded: the case is closed" in page
    case = case_factory.fresh(case)
    assert (case.status, case.outcome, case.ready_tasks) == ("closed", "Withdrawn by the customer", [])
    assert lines(db, case, "withdrawn") == [f"The customer withdrew their comment by letter on "
                                            f"{received.day} {received:%B %Y}, recorded by Carla Relations"]
    assert audited(db, case, "case withdrawn") == lines(db, case, "withdrawn")
    # closed now: the page no longer offers to record one, and one forced through is refused with the reason
    assert "Record what the customer asked" not in cro.get(f"/cases/{case.reference}").text
    forced = post_by_hand(cro, f"/cases/{case.reference}/customer-request",
                          {"taken_request": "withdraw", "taken_how": "phone", "taken_on-day": received.day,
                           "taken_on-month": received.month, "taken_on-year": received.year})
    assert "This case is closed: the customer can no longer withdraw it or ask for stage 2" \
        in flashed(cro, forced)


def test_the_request_form_says_what_is_missing_beside_each_field(db, users, case_factory, login_as):
    case = at_customer_reply(db, users, case_factory)
    cro = login_as("cro")
    response = request_form(cro, case).submit()
    assert response.status_code == 400
    assert error_messages(response.text) == [
        "Select what the customer asked for", "Select how the customer asked",
        "Enter the date it was received as a real date, like 27 3 2026"]
    tomorrow = uk_today() + timedelta(days=1)
    form = request_form(cro, case).choose("taken_request", "stage2").choose("taken_how", "phone")
    response = form.fill_date("taken_on", tomorrow).fill("taken_reasons", "x" * 5001).submit()
    assert error_messages(response.text) == ["The date it was received must be today or in the past",
                                             "The reasons must be 5,000 characters or fewer"]
    assert case_factory.fresh(case).awaits("stage2_requested")
    assert lines(db, case, "review_requested") == []


def test_an_officer_cannot_record_a_customer_request(db, users, case_factory, login_as):
    case = at_customer_reply(db, users, case_factory)
    investigator = login_as("investigator")
    assert "Record what the customer asked" not in investigator.get(f"/cases/{case.reference}").text
    today = uk_today()
    response = post_by_hand(investigator, f"/cases/{case.reference}/customer-request",
                            {"taken_request": "withdraw", "taken_how": "phone", "taken_on-day": today.day,
                             "taken_on-month": today.month, "taken_on-year": today.year})
    assert response.status_code == 403
    assert case_factory.fresh(case).status == "open"


def reopen_form(client, case):
    return page_form(client, f"/cases/{case.reference}", action=f"/cases/{case.reference}/reopen")


def test_a_complaint_resolved_at_first_contact_by_mistake_is_reopened_there(db, users, case_factory,
                                                                            login_as):
    case = record_case(db, users["frontline"])
    case_factory.do(None, case, "frontline", "first_contact", **SATISFIED, first_contact_notes="Sorted.")
    assert case_factory.fresh(case).outcome == "Resolved at first contact"
    cro = login_as("cro")
    response = reopen_form(cro, case).submit()
    assert error_messages(response.text) == ["Enter the reason for reopening the case"]
    form = reopen_form(cro, case).fill("reopen_reason", "The customer rang back: it was not sorted.")
    assert "Case reopened: “Try to resolve at first contact” is waiting again" \
        in flashed(cro, form.submit())
    case = case_factory.fresh(case)
    assert (case.status, case.outcome, case.closed_at) == ("open", None, None)
    assert [t.bpmn_id for t in case.ready_tasks] == ["first_contact"]
    line = ("Carla Relations reopened the case at “Try to resolve at first contact” "
            "(it had closed: Resolved at first contact)")
    assert lines(db, case, "reopened") == [line] and audited(db, case, "case reopened") == [line]
    # worked again to its end, the case is still one case with one stage 1 row in the figures
    case_factory.walk(case, "first_contact", "acknowledge_stage1")
    assert [row.stage for row in case_factory.fresh(case).stages] == ["stage1"]


def test_a_withdrawal_recorded_by_mistake_is_undone_at_the_task_it_closed(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    cro = login_as("cro")
    form = request_form(cro, case).choose("taken_request", "withdraw").choose("taken_how", "phone")
    flashed(cro, form.fill_date("taken_on", uk_today()).submit())
    flashed(cro, reopen_form(cro, case).fill("reopen_reason", "Wrong case: another customer.").submit())
    case = case_factory.fresh(case)
    assert case.status == "open" and [t.bpmn_id for t in case.ready_tasks] == ["acknowledge_stage1"]
    assert lines(db, case, "reopened") == [
        "Carla Relations reopened the case at “Acknowledge the complaint” (it had closed: Withdrawn by the "
        "customer)"]
    assert "Reopen the case" not in cro.get(f"/cases/{case.reference}").text  # open again: no form
    forced = post_by_hand(cro, f"/cases/{case.reference}/reopen", {"reopen_reason": "Again"})
    assert "This case is open: there is nothing to reopen" in flashed(cro, forced)


def test_an_officer_cannot_reopen_a_case(db, users, case_factory, login_as):
    case = record_case(db, users["frontline"])
    case_factory.do(None, case, "frontline", "first_contact", **SATISFIED, first_contact_notes="Sorted.")
    frontline = login_as("frontline")
    assert "Reopen the case" not in frontline.get(f"/cases/{case.reference}").text
    response = post_by_hand(frontline, f"/cases/{case.reference}/reopen", {"reopen_reason": "Mistake"})
    assert response.status_code == 403
    assert case_factory.fresh(case).status == "closed"


def closed_after_the_window(db, users, case_factory):
    """A complaint answered at stage 1 in March 2026 whose escalation window closed without a request."""
    case = case_factory.submit((2026, 3, 2, 9))
    case_factory.do((2026, 3, 2, 10), case, "frontline", "first_contact", first_contact_outcome="formal",
                    first_contact_notes="Formal.")
    case_factory.do((2026, 3, 3, 10), case, "investigator", "acknowledge_stage1", ack_method="email")
    case_factory.do((2026, 3, 4, 10), case, "investigator", "respond_stage1", stage1_outcome="not_upheld",
                    stage1_findings="Collected.", stage1_method="email")
    with at(2026, 6, 1, 9):
        fire_due_timers(db, datetime.now(timezone.utc), commit=db.flush)
        db.commit()
    case = case_factory.fresh(case)
    assert (case.status, case.outcome) == ("closed", "Closed: no request for stage 2")
    return case


def test_a_late_stage_2_request_accepted_starts_stage_2_with_deadlines_from_today(db, users, case_factory,
                                                                                 login_as, client):
    case = closed_after_the_window(db, users, case_factory)
    with at(2026, 6, 1, 10):  # Monday 1 June 2026: the customer asks on their status page, too late
        token = case.status_token
        status = page_form(client, f"/status/{token}", action=f"/status/{token}/review")
        assert status.submit().status_code == 302
        cro = login_as("cro")
        form = page_form(cro, f"/cases/{case.reference}", action=f"/cases/{case.reference}/late-review")
        assert error_messages(form.submit().text) == ["Enter the reason for accepting the late request"]
        form.fill("late_reason", "The customer was in hospital when the window closed.")
        page = flashed(cro, form.submit())
    assert "Late stage 2 request accepted: stage 2 has started, its deadlines counted from today" in page
    case = case_factory.fresh(case)
    assert (case.status, case.outcome, case.stage) == ("open", None, "stage2")
    [ack] = case.ready_tasks
    assert ack.bpmn_id == "acknowledge_stage2"
    assert ack.due_at == datetime(2026, 6, 8, 23, tzinfo=timezone.utc)  # day 5 from Mon 1 Jun, BST midnight
    line = ("Carla Relations accepted a stage 2 request made after the escalation window closed (the "
            "complaint had closed: Closed: no request for stage 2)")
    assert lines(db, case, "late_review_accepted") == [line]
    assert audited(db, case, "case late_review_accepted") == [line]
    timers = db.scalars(select(WaitingTimer.bpmn_id).filter_by(case_id=case.id)).all()
    assert "escalation_window_closed" not in timers  # the window's timer went with the request
    assert "Accept a late stage 2 request" not in cro.get(f"/cases/{case.reference}").text


def test_a_late_request_is_refused_where_it_does_not_apply(db, users, case_factory, login_as):
    resolved = record_case(db, users["frontline"])
    case_factory.do(None, resolved, "frontline", "first_contact", **SATISFIED, first_contact_notes="Sorted.")
    cro = login_as("cro")
    assert "Accept a late stage 2 request" not in cro.get(f"/cases/{resolved.reference}").text
    forced = post_by_hand(cro, f"/cases/{resolved.reference}/late-review", {"late_reason": "Asked"})
    assert ("This complaint was resolved at first contact, so it has no stage 1 response to review: reopen "
            "it to handle it at stage 1") in flashed(cro, forced)
    open_case = at_customer_reply(db, users, case_factory)
    forced = post_by_hand(cro, f"/cases/{open_case.reference}/late-review", {"late_reason": "Asked"})
    assert "This complaint is still open" in flashed(cro, forced)
    assert lines(db, resolved, "late_review_accepted") == lines(db, open_case, "late_review_accepted") == []
    response = post_by_hand(login_as("senior"), f"/cases/{resolved.reference}/late-review",
                            {"late_reason": "Asked"})
    assert response.status_code == 403


def test_a_case_moved_to_another_service_area_is_seen_by_that_area_s_officers(db, users, case_factory,
                                                                             login_as):
    new_user(db, "parks.officer@example.org", "Pat Parks", "investigating_officer", ["parks"])
    new_user(db, "waste.officer@example.org", "Wes Waste", "investigating_officer", ["waste"])
    case = at_acknowledgement(db, users, case_factory)  # about waste
    cro = login_as("cro")
    form = page_form(cro, f"/cases/{case.reference}", action=f"/cases/{case.reference}/service-area")
    assert error_messages(form.submit().text) == ["Select the service area the comment is about"]
    page = flashed(cro, form.choose("new_area", "Parks, leisure and open spaces").submit())
    assert "Case moved to Parks, leisure and open spaces: its officers can see it now" in page
    case = case_factory.fresh(case)
    assert (case.service_area, [t.service_area for t in case.ready_tasks]) == ("parks", ["parks"])
    line = "Carla Relations moved the case from Bins, waste and recycling to Parks, leisure and open spaces"
    assert lines(db, case, "reclassified") == [line] and audited(db, case, "case reclassified") == [line]
    assert login_as("parks.officer@example.org").get(f"/cases/{case.reference}").status_code == 200
    assert "Acknowledge the complaint" in login_as("parks.officer@example.org").get("/tasks/team").text
    assert login_as("waste.officer@example.org").get(f"/cases/{case.reference}").status_code == 403


def test_a_complaint_re_recorded_as_a_query_is_a_linked_new_case(app, db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    stored = filestore.store(app.config["ATTACHMENTS_DIR"], io.BytesIO(b"%PDF-1.4\n%%EOF\n"), 1000)
    db.add(Attachment(case_id=case.id, sha256=stored.sha256, original_name="letter.pdf", kind="PDF",
                      mime="application/pdf", size=stored.size, scan_state="clean"))
    db.commit()
    cro = login_as("cro")
    form = page_form(cro, f"/cases/{case.reference}", action=f"/cases/{case.reference}/type")
    assert error_messages(form.submit().text) == ["Select the type the comment should be"]
    response = form.choose("new_type", "Query").submit()
    new = db.scalar(select(Case).where(Case.rerecorded_from_id == case.id))
    assert f"Re-recorded as {new.reference}: this case is closed" in flashed(cro, response)
    old = case_factory.fresh(case)
    assert (old.status, old.ready_tasks) == ("closed", [])
    assert old.outcome == f"Re-recorded as query {new.reference}"
    assert (new.comment_type, new.comment, new.customer_name, new.received_at, new.service_area) == (
        "query", old.comment, old.customer_name, old.received_at, old.service_area)
    assert [t.bpmn_id for t in new.ready_tasks] == ["answer_query"]
    assert [(a.sha256, a.original_name) for a in new.attachments] == [(stored.sha256, "letter.pdf")]
    assert lines(db, old, "rerecorded") == [
        f"Carla Relations re-recorded the case as a query: {new.reference}"]
    assert audited(db, new, "case rerecorded_from") == [
        f"Carla Relations re-recorded a complaint {old.reference} as this query"]
    assert linked(cro.get(f"/cases/{old.reference}").text) == [f"Re-recorded as query {new.reference}"]
    assert linked(cro.get(f"/cases/{new.reference}").text) == [f"Re-recorded from complaint {old.reference}"]
    for ref, link, other, kind in ((old.reference, "re-recorded as", new.reference, "query"),
                                   (new.reference, "re-recorded from", old.reference, "complaint")):
        [entry] = json.loads(unzip(cro.get(f"/records/case-file/{ref}.zip"))["case.json"])["linked_cases"]
        assert (entry["link"], entry["reference"], entry["comment_type"]) == (link, other, kind)
    # The closed case's page offers neither form: these are forced through by hand, and refused with reasons.
    closed = post_by_hand(cro, f"/cases/{old.reference}/type", {"new_type": "suggestion"})
    assert "This case is closed: reopen it first if it needs reclassifying" in flashed(cro, closed)
    reopened = post_by_hand(cro, f"/cases/{old.reference}/reopen", {"reopen_reason": "Mistake"})
    assert f"This case was re-recorded as {new.reference}: work on that case" in flashed(cro, reopened)


def test_an_officer_cannot_reclassify(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    investigator = login_as("investigator")
    assert "Reclassify" not in investigator.get(f"/cases/{case.reference}").text
    for path, data in (("type", {"new_type": "query"}), ("service-area", {"new_area": "parks"})):
        response = post_by_hand(investigator, f"/cases/{case.reference}/{path}", data)
        assert response.status_code == 403
    case = case_factory.fresh(case)
    assert (case.comment_type, case.service_area, case.status) == ("complaint", "waste", "open")


def test_a_final_response_given_again_after_reopening_counts_once(db, users, case_factory, login_as):
    case = case_factory.walk(at_customer_reply(db, users, case_factory), "record_customer_reply",
                             "acknowledge_stage2")
    case_factory.do(None, case, "senior", "review_stage2", stage2_outcome="upheld", stage2_findings="Missed.",
                    stage2_remedies=["apology", "financial"], stage2_financial_amount="40",
                    stage2_method="email")
    assert case_factory.fresh(case).outcome == "Final response sent"
    cro = login_as("cro")
    form = reopen_form(cro, case).fill("reopen_reason", "The response went to the wrong address.")
    assert "is waiting again" in flashed(cro, form.submit())
    case = case_factory.fresh(case)
    assert [t.bpmn_id for t in case.ready_tasks] == ["review_stage2"]
    case_factory.do(None, case, "senior2", "review_stage2", stage2_outcome="partly_upheld",
                    stage2_findings="Partly.", stage2_remedies=["explanation"], stage2_method="letter")
    case = case_factory.fresh(case)
    stage2 = [row for row in case.stages if row.stage == "stage2"]
    assert len(stage2) == 1 and stage2[0].outcome == "partly_upheld"
    remedies = db.scalars(select(CaseRemedy.remedy).where(CaseRemedy.case_id == case.id,
                                                          CaseRemedy.stage == "stage2")).all()
    assert remedies == ["explanation"]
