"""Stage 2 is reviewed by someone more senior than whoever handled stage 1, not only someone else: each
account has a grade (recorded by an administrator, or that of its highest role)."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from models import User
from processes.cases.timers import fire_due_timers

from .helpers.forms import page_form
from .helpers.journeys import complete, sign_in, submit_online, take, tasks_of
from .helpers.pages import error_messages

PASSWORD = "a-long-enough-password"


def account_page(admin, url, data, button):
    return page_form(admin, url, button=button).set_all(data).submit()


def stage1_answered_by_a_senior_officer(db, login_as):
    """A complaint whose stage 1 response was late and answered by Sam Senior (grade 3, his role's), then
    taken to stage 2."""
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"))
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=timezone.utc), tick=False):
        fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit)
        complete(login_as("senior"), tasks_of(db, reference)["respond_stage1_escalated"].id,
                 {"stage1_outcome": "not_upheld", "stage1_findings": "Service was correct.",
                  "stage1_method": "email"})
        complete(login_as("cro"), tasks_of(db, reference)["record_customer_reply"].id,
                 {"customer_reply": "stage2"})
    return reference


def test_a_reviewer_of_the_same_grade_as_the_stage_1_handler_is_refused_with_the_reason(app, db, login_as):
    reference = stage1_answered_by_a_senior_officer(db, login_as)
    admin = login_as("admin")
    created = account_page(admin, "/admin/users/new", {
        "name": "Sol Senior", "email": "sol@example.org", "roles": ["senior_officer"],
        "service_areas": ["waste"], "active": "yes", "password": PASSWORD, "grade": "3"}, "Create account")
    assert created.status_code == 302
    sol = sign_in(app.test_client(), "sol@example.org", PASSWORD)
    review_ack = tasks_of(db, reference)["acknowledge_stage2"]
    page = sol.get(f"/tasks/{review_ack.id}").text  # the page says why, and offers no button to take it
    assert "Take this task" not in page
    assert ("This review needs an officer more senior than Sam Senior, who handled Stage 1 (grade 3); "
            "your grade is 3") in page
    assert tasks_of(db, reference)["acknowledge_stage2"].assigned_to_id is None

    sol_id = db.scalar(select(User.id).filter_by(email="sol@example.org"))
    assert account_page(admin, f"/admin/users/{sol_id}", {"grade": "5"}, "Save changes").status_code == 302
    take(sol, review_ack)
    complete(sol, review_ack.id, {"ack_method": "email"})
    assert "review_stage2" in tasks_of(db, reference)


def test_the_demo_reviewer_of_a_higher_grade_takes_the_review(db, login_as):
    reference = stage1_answered_by_a_senior_officer(db, login_as)
    complete(login_as("senior2"), tasks_of(db, reference)["acknowledge_stage2"].id, {"ack_method": "email"})
    assert "review_stage2" in tasks_of(db, reference)


def test_a_grade_must_be_a_whole_number_from_1_to_10(db, login_as):
    admin = login_as("admin")
    for wrong in ("11", "0", "two", "٣"):
        response = account_page(admin, "/admin/users/new", {
            "name": "Gil Grade", "email": "gil@example.org", "roles": ["senior_officer"],
            "service_areas": ["waste"], "active": "yes", "password": PASSWORD, "grade": wrong},
            "Create account")
        assert response.status_code == 400, wrong
        assert error_messages(response.text) == ["Grade must be a whole number from 1 to 10"]
        assert f'value="{wrong}"' in response.text  # what was typed is shown again
