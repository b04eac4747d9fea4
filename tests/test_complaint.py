"""The complaint procedure end to end through the web, as the roles involved."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from models import Case, Notification, WaitingTimer
from processes.cases.timers import fire_due_timers

from .helpers.cases import SATISFIED
from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import at_stage1_response, complete, submit_online, take, tasks_of
from .helpers.pages import error_messages


def test_public_submission_gives_a_reference_and_a_first_task(client, db, login_as):
    reference = submit_online(client)
    assert reference.startswith(f"CC-{datetime.now(timezone.utc).year}-")
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.channel, case.customer_name, case.status) == ("web", "Jo Bloggs", "open")
    team = login_as("frontline").get("/tasks/team").text
    assert reference in team and "Try to resolve at first contact" in team and "Jo Bloggs" in team


def test_resolved_at_first_contact_closes_the_case(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    task = tasks_of(db, reference)["first_contact"]
    complete(officer, task.id, {**SATISFIED, "first_contact_notes": "Arranged a collection."})
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Resolved at first contact")
    assert tasks_of(db, reference) == {}
    assert db.scalars(select(WaitingTimer).filter_by(case_id=case.id)).all() == []


def test_formal_complaint_through_stage_2_with_independent_reviewer(client, db, login_as):
    reference = submit_online(client)
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Wants a formal investigation."})
    investigator = login_as("investigator")
    ack = tasks_of(db, reference)["acknowledge_stage1"]
    take(investigator, ack)
    assert reference in investigator.get("/tasks/").text
    complete(investigator, ack.id, {"ack_method": "email"})
    complete(investigator, tasks_of(db, reference)["respond_stage1"].id,
             {"stage1_outcome": "partly_upheld", "stage1_findings": "Crew missed the street.",
              "stage1_remedies": ["apology", "financial"], "stage1_financial_amount": "25",
              "stage1_method": "email"})
    complete(login_as("cro"), tasks_of(db, reference)["record_customer_reply"].id,
             {"customer_reply": "stage2"})
    senior = login_as("senior")
    complete(senior, tasks_of(db, reference)["acknowledge_stage2"].id, {"ack_method": "letter"})
    complete(senior, tasks_of(db, reference)["review_stage2"].id,
             {"stage2_outcome": "upheld", "stage2_findings": "Agreed in full.", "stage2_method": "letter"})
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Final response sent")
    history = login_as("cro").get(f"/cases/{reference}").text
    for step in ("Acknowledge the complaint", "Investigate and respond", "Review and send the final response",
                 "Case closed: Final response sent"):
        assert step in history


def test_complaint_escalates_when_the_response_deadline_passes(db, login_as, users):
    # Received by phone at 10:00 on Friday 19 December 2025: day 10 is Wednesday 7 January 2026
    # (Christmas, Boxing Day and New Year's Day are bank holidays), so the deadline passes at midnight.
    with time_machine.travel(datetime(2025, 12, 19, 11, tzinfo=timezone.utc), tick=False):
        front = login_as("frontline")
        response = page_form(front, "/cases/new").set_all({
            "comment_type": "complaint", "channel": "phone", "service_area": "housing",
            "received_at": datetime(2025, 12, 19, 10, 0), "comment": "Repair not done.",
            "customer_name": "Pat Caller", "customer_phone": "01773 570222",
                                                           "preferred_contact": "phone"}).submit()
        reference = response.location.rsplit("/", 1)[1]
        complete(front, tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Needs investigating."})
        investigator = login_as("investigator")
        complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id, {"ack_method": "phone"})
        respond = tasks_of(db, reference)["respond_stage1"]
        take(investigator, respond)
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert respond.due_at == datetime(2026, 1, 8, tzinfo=timezone.utc)
    timers = {t.bpmn_id: t.due_at for t in db.scalars(select(WaitingTimer).filter_by(case_id=case.id))}
    # The reminder comes at the start of the second working day before the due day (Mon 5 Jan).
    assert timers == {"stage1_response_overdue": datetime(2026, 1, 8, tzinfo=timezone.utc),
                      "stage1_reminder": datetime(2026, 1, 5, tzinfo=timezone.utc)}

    with time_machine.travel(datetime(2026, 1, 5, 0, 0, 1, tzinfo=timezone.utc), tick=False):
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (1, [])
    reminded = tasks_of(db, reference)["respond_stage1"]
    assert reminded.assigned_to.name == "Ian Investigator"  # the reminder leaves the task where it was
    with time_machine.travel(datetime(2026, 1, 7, 23, 59, tzinfo=timezone.utc), tick=False):
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (0, [])
    with time_machine.travel(datetime(2026, 1, 8, 0, 0, 1, tzinfo=timezone.utc), tick=False):
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (1, [])
        assert fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit) == (0, [])  # fires once
        senior_tasks = login_as("senior").get("/tasks/team").text
        assert reference in senior_tasks and "Respond to the overdue complaint" in senior_tasks
        assert "1 working day overdue" in senior_tasks or "overdue" in senior_tasks
        assert "respond_stage1" not in tasks_of(db, reference)
        assert reference not in login_as("investigator").get("/tasks/").text
        notes = db.scalars(select(Notification).filter_by(case_id=case.id).order_by(Notification.id)).all()
        assert [(n.role, n.message) for n in notes] == [
            ("investigating_officer", "Reminder: the stage 1 response is due soon"),
            ("customer_relations_officer", "Stage 1 response deadline passed: escalated to a senior officer")]
        assert "escalated to a senior officer" in login_as("cro").get("/cases/notifications").text


def test_stage_2_reviewer_is_never_the_stage_1_handler(db, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"))
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=timezone.utc), tick=False):
        fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit)
        db.commit()
        senior = login_as("senior")
        complete(senior, tasks_of(db, reference)["respond_stage1_escalated"].id,
                 {"stage1_outcome": "not_upheld", "stage1_findings": "Service was correct.",
                  "stage1_method": "email"})
        complete(login_as("cro"), tasks_of(db, reference)["record_customer_reply"].id,
                 {"customer_reply": "stage2"})
        review_ack = tasks_of(db, reference)["acknowledge_stage2"]
        page = senior.get(f"/tasks/{review_ack.id}").text
        assert "You handled Stage 1 of this case" in page
        # The page offers the stage 1 handler no form: these posts are hand-made, as a person forcing it
        # would.
        assert post_by_hand(senior, f"/tasks/{review_ack.id}/claim").status_code == 302
        assert tasks_of(db, reference)["acknowledge_stage2"].assigned_to_id is None
        assert post_by_hand(senior, f"/tasks/{review_ack.id}",
                            data={"ack_method": "email"}).status_code == 403
        complete(login_as("senior2"), review_ack.id, {"ack_method": "email"})
        assert "review_stage2" in tasks_of(db, reference)


def test_two_officers_completing_one_task_one_wins_the_other_is_told(client, db, login_as):
    reference = submit_online(client)
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    task = tasks_of(db, reference)["acknowledge_stage1"]
    ian, isla = login_as("investigator"), login_as("investigator2")
    ians, islas = (page_form(who, f"/tasks/{task.id}", button="Complete task") for who in (ian, isla))
    assert ians.hidden("row_version") == islas.hidden("row_version")  # both have the same form open
    assert ians.choose("ack_method", "email").fill("ack_notes", "Ian's").fill("Point 1", "Bin missed") \
        .submit().status_code == 302
    loser = islas.choose("ack_method", "letter").fill("ack_notes", "Isla's").fill("Point 1", "Bins").submit()
    assert loser.status_code == 404
    assert "already been completed, perhaps by someone else" in loser.text
    case = db.scalar(select(Case).filter_by(reference=reference))
    acks = [e.details["values"] for e in case.events if e.kind == "completed"
            and e.details["element"] == "acknowledge_stage1"]
    assert acks == [{"ack_method": "email", "ack_notes": "Ian's"}]


def test_a_task_taken_by_someone_else_cannot_be_completed(client, db, login_as):
    reference = submit_online(client)
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    task = tasks_of(db, reference)["acknowledge_stage1"]
    ian, isla = login_as("investigator"), login_as("investigator2")
    take(ian, task)
    assert "This task is assigned to Ian Investigator" in isla.get(f"/tasks/{task.id}").text
    # Isla's page offers no form: the posts are hand-made, as someone forcing them would send them.
    assert post_by_hand(isla, f"/tasks/{task.id}", data={"ack_method": "email"}).status_code == 403
    claim = post_by_hand(isla, f"/tasks/{task.id}/claim", follow_redirects=True)
    assert "This task is assigned to Ian Investigator" in claim.text
    assert tasks_of(db, reference)["acknowledge_stage1"].assigned_to.name == "Ian Investigator"


def test_stale_form_is_refused_and_nothing_is_saved(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    task = tasks_of(db, reference)["first_contact"]
    form = page_form(officer, f"/tasks/{task.id}", button="Complete task")
    stale = int(form.hidden("row_version")) - 1  # the form as it was rendered before the case last changed
    response = form.choose("first_contact_outcome", "resolved").fill("first_contact_notes", "x") \
        .tamper("row_version", stale).submit(follow_redirects=True)
    assert "changed while you were working on it" in response.text
    assert "first_contact" in tasks_of(db, reference)


def test_invalid_task_form_shows_errors_and_saves_nothing(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    task = tasks_of(db, reference)["first_contact"]
    response = complete(officer, task.id, {"first_contact_outcome": "signpost",
                                           "first_contact_notes": "x" * 5001}, expect_status=400)
    assert error_messages(response.text) == ["What you did must be 5,000 characters or fewer",
                                             "Select why it is not for this procedure"]
    assert "There is a problem" in response.text
    assert ('value="signpost" checked' in response.text.replace("\n", " ").replace("  ", " ")
            or "checked" in response.text)
    assert "first_contact" in tasks_of(db, reference)
    assert [e.kind
            for e in db.scalar(select(Case).filter_by(reference=reference)).events].count("completed") == 0


def test_release_returns_a_task_to_the_team(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    task = tasks_of(db, reference)["first_contact"]
    take(officer, task)
    assert reference not in officer.get("/tasks/team").text
    released = page_form(officer, f"/tasks/{task.id}",
                         button="Release to the team").submit(follow_redirects=True)
    assert "Task released to the team" in released.text and reference in released.text
    assert tasks_of(db, reference)["first_contact"].assigned_to_id is None
    # The investigator is offered no release button: a hand-made post, as someone forcing it would send it.
    refused = post_by_hand(login_as("investigator"), f"/tasks/{task.id}/release", follow_redirects=True)
    assert "You can only release a task assigned to you" in refused.text


def test_wrong_types_in_a_task_form_are_explained(client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    form = page_form(investigator, f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}",
                     button="Complete task")
    # Values the page does not offer, as someone editing the page would send them.
    response = form.set_all({"stage1_outcome": "upheld", "stage1_findings": "Yes.",
                             "point-1-outcome": "upheld", "point-1-reasons": "Missed.",
                             "stage1_financial_amount": "lots"}) \
        .tamper("stage1_method", "fax").tamper("stage1_remedies", "financial", "bribe").submit()
    assert response.status_code == 400
    assert error_messages(response.text) == [
        "Select one of the options for remedies offered",
        "Financial remedy must be an amount in pounds, like 50 or 125.50",
        "Select how you sent the response"]
    assert "respond_stage1" in tasks_of(db, reference)


def test_timer_worker_command_fires_what_is_due(app, db, login_as):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    with time_machine.travel(datetime(2026, 2, 17, 9, tzinfo=timezone.utc), tick=False):
        result = app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "fired timers on 1 case(s)" in result.output
    assert set(tasks_of(db, reference)) == {"answer_query_escalated"}
