"""Service areas decide which cases an officer sees; administrators manage accounts; stale sessions end."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from models import AuditEntry, Case, Notification, ReadyTask, User

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import sign_in, submit_online, tasks_of, try_sign_in
from .helpers.pages import error_messages

PASSWORD = "a-long-enough-password"


def create_account(admin, email, roles, areas, password=PASSWORD):
    data = {"name": email.split("@")[0].title(), "email": email, "roles": roles, "service_areas": areas,
            "active": "yes", "password": password}
    return page_form(admin, "/admin/users/new", button="Create account").set_all(data).submit()


def change_account(admin, user_id: int, changes: dict):
    """Change some of an account's details on its page; the rest are sent as the page shows them."""
    return page_form(admin, f"/admin/users/{user_id}", button="Save changes").set_all(changes).submit()


def signed_in(app, email, password=PASSWORD):
    return sign_in(app.test_client(), email, password)


def test_an_officer_sees_only_their_service_areas_and_what_is_assigned_to_them(app, client, db, login_as):
    admin = login_as("admin")
    assert create_account(admin, "hana@example.org", ["front_line_officer"], ["housing"]).status_code == 302
    assert create_account(admin, "wes@example.org", ["front_line_officer"], ["waste"]).status_code == 302
    reference = submit_online(client)  # about waste
    task = tasks_of(db, reference)["first_contact"]
    housing, waste = signed_in(app, "hana@example.org"), signed_in(app, "wes@example.org")

    for path in (f"/cases/{reference}", f"/cases/{reference}/diagram.bpmn", f"/tasks/{task.id}"):
        assert housing.get(path).status_code == 403, path
        assert waste.get(path).status_code == 200, path
    # Refused the task page, she has no button to read: a hand-made post, as someone forcing it would send.
    assert post_by_hand(housing, f"/tasks/{task.id}/claim").status_code == 403
    assert reference not in housing.get("/tasks/team").text
    assert reference in waste.get("/tasks/team").text
    assert login_as("cro").get(f"/cases/{reference}").status_code == 200

    hana = db.scalar(select(User).filter_by(email="hana@example.org"))
    db.add(Notification(case_id=task.case_id, role="front_line_officer", message="Waste case note"))
    db.commit()
    assert "Waste case note" not in housing.get("/cases/notifications").text
    assert "Waste case note" in waste.get("/cases/notifications").text

    db.get(ReadyTask, task.id).assigned_to_id = hana.id  # assigned to her: she sees it, whatever its area
    db.commit()
    assert housing.get(f"/cases/{reference}").status_code == 200
    assert reference in housing.get("/tasks/").text


def test_the_process_owner_and_reports_readers_see_no_case(client, db, login_as):
    reference = submit_online(client)
    for who in ("owner", "reports"):
        assert login_as(who).get(f"/cases/{reference}").status_code == 403
        assert login_as(who).get("/cases/new").status_code == 403


def test_an_administrator_creates_an_account_and_mistakes_are_shown_back(app, db, login_as):
    admin = login_as("admin")
    # "nowhere" is no service area the page offers: sent as someone editing the page would.
    response = page_form(admin, "/admin/users/new", button="Create account").fill("Email address",
                                                                                  "not-an-email") \
        .fill("Password", "short").tamper("service_areas", "nowhere").submit()
    assert response.status_code == 400
    assert error_messages(response.text) == [
        "Enter the full name", "Enter an email address in the correct format, like name@example.org",
        "Select at least one role", "Select service areas from the list",
                                             "Enter a password of at least 12 characters"]
    assert 'value="not-an-email"' in response.text  # what was typed is kept
    duplicate = create_account(admin, "CRO@example.org", ["front_line_officer"], [])
    assert "Another account already uses this email address" in error_messages(duplicate.text)

    assert create_account(admin, "new@example.org", ["investigating_officer", "service_manager"],
                          ["housing", "parks"]).status_code == 302
    user = db.scalar(select(User).filter_by(email="new@example.org"))
    assert user.role_names == {"investigating_officer", "service_manager"}
    assert user.service_area_names == {"housing", "parks"}
    assert "new@example.org" in admin.get("/admin/users").text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "account created")).one()
    assert "new@example.org" in entry.detail and entry.actor == "Ada Admin <admin@example.org>"
    signed_in(app, "new@example.org")


def test_deactivating_or_changing_a_password_ends_sessions_at_once(app, db, login_as):
    admin = login_as("admin")
    create_account(admin, "leaver@example.org", ["front_line_officer"], ["waste"])
    leaver = signed_in(app, "leaver@example.org")
    assert leaver.get("/tasks/").status_code == 200
    user = db.scalar(select(User).filter_by(email="leaver@example.org"))
    assert change_account(admin, user.id,
                          {"active": "yes", "password": "a-new-password-1"}).status_code == 302
    assert "/sign-in" in leaver.get("/tasks/").location  # the old session no longer counts
    leaver = signed_in(app, "leaver@example.org", "a-new-password-1")

    assert change_account(admin, user.id, {"active": "no"}).status_code == 302
    assert "/sign-in" in leaver.get("/tasks/").location
    refused = try_sign_in(app.test_client(), "leaver@example.org", "a-new-password-1")
    assert "The email address or password is not right" in refused.text
    assert "Deactivated" in admin.get("/admin/users").text


def test_an_administrator_cannot_lock_themselves_out(db, login_as):
    admin = login_as("admin")
    me = db.scalar(select(User).filter_by(email="admin@example.org"))
    response = change_account(admin, me.id, {"roles": ["administrator"], "active": "no"})
    assert response.status_code == 400
    assert error_messages(response.text) == ["You cannot remove your own administrator access"]
    assert db.scalar(select(User.active).filter_by(email="admin@example.org"))


def test_a_session_left_idle_ends_and_sign_in_returns_to_the_page(app, client, db):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        officer = signed_in(app, "frontline@example.org", "demo-password")
        assert officer.get("/tasks/team").status_code == 200
        traveller.move_to(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1))
        assert officer.get("/tasks/team").status_code == 200  # activity keeps it alive
        traveller.move_to(start + timedelta(minutes=2 * app.config["SESSION_IDLE_MINUTES"] + 1))
        stale = officer.get("/tasks/team")
        assert stale.status_code == 302 and stale.location.endswith("/sign-in?next=/tasks/team")
        page = officer.get(stale.location)
        assert "You were signed out because you had not done anything for a while" in page.text
        assert officer.get("/tasks/team").status_code == 302  # and it stays signed out


def test_a_tampered_session_cookie_is_not_a_sign_in(app):
    client = app.test_client()
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    response = client.get("/tasks/")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_cases_without_a_visible_area_stay_hidden_from_list_queries(db, users):
    """The SQL rule and the one-case rule agree."""
    from processes.access import can_view_case, visible_cases
    cases = db.scalars(select(Case)).all()
    for who in ("frontline", "owner", "reports", "cro"):
        visible = set(db.scalars(select(Case.id).where(visible_cases(users[who]))))
        assert visible == {c.id for c in cases if can_view_case(db, users[who], c)}


def test_task_lists_come_a_page_at_a_time_soonest_due_first_then_undated(db, login_as):
    from bench.clone import clone_cases
    from processes.cases.queries import PAGE_SIZE
    ids = clone_cases(db, PAGE_SIZE + 7, datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    undated = db.scalars(select(ReadyTask).where(ReadyTask.case_id.in_(ids[:3]))).all()
    for task in undated:
        task.due_at = None
    db.commit()
    officer = login_as("investigator")  # the query's task lands with the investigating officers
    first, second = officer.get("/tasks/team"), officer.get("/tasks/team?page=2")
    assert f"Showing 1 to {PAGE_SIZE} of {PAGE_SIZE + 7} tasks" in first.text
    assert f"Showing {PAGE_SIZE + 1} to {PAGE_SIZE + 7} of {PAGE_SIZE + 7} tasks" in second.text
    assert 'class="govuk-pagination' in first.text and "?page=2" in first.text
    on_first, on_second = first.text.count("data-task-id="), second.text.count("data-task-id=")
    assert (on_first, on_second) == (PAGE_SIZE, 7)
    last_ids = [int(x) for x in second.text.split('data-task-id="')[1:] for x in [x.split('"')[0]]]
    assert last_ids[-3:] == sorted(t.id for t in undated)  # no due date: after every dated task
    assert officer.get("/tasks/team?page=99").text.count("data-task-id=") == 7  # past the end: the last page


def test_a_long_task_list_counts_up_to_a_bound_and_pages_on_past_it(db, login_as, monkeypatch):
    """Past COUNT_UP_TO (or the page asked for) the count stops: "more than"; the pages are still all
    there."""
    from bench.clone import clone_cases
    from processes.cases import queries
    monkeypatch.setattr(queries, "COUNT_UP_TO", 20)  # below one page: the bound is then the page's end
    ids = clone_cases(db, queries.PAGE_SIZE + 7, datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    db.commit()  # the sign-in page's GET ends the session: what is not committed is gone
    officer = login_as("investigator")
    first, second = officer.get("/tasks/team"), officer.get("/tasks/team?page=2")
    assert f"Showing 1 to {queries.PAGE_SIZE} of more than {queries.PAGE_SIZE} tasks" in first.text
    assert "?page=2" in first.text and first.text.count("data-task-id=") == queries.PAGE_SIZE
    assert f"of {queries.PAGE_SIZE + 7} tasks" in second.text  # counted to the page's end: exact again
    assert second.text.count("data-task-id=") == 7 and "more than" not in second.text
    assert officer.get("/tasks/team?page=99").text.count("data-task-id=") == 7  # past the end: the last page
    shown = {int(x.split('"')[0]) for page in (first, second) for x in page.text.split('data-task-id="')[1:]}
    assert shown == set(db.scalars(select(ReadyTask.id).where(ReadyTask.case_id.in_(ids))))


def test_a_page_of_only_undated_tasks_starts_where_the_dated_ones_ended(db, login_as):
    from bench.clone import clone_cases
    from processes.cases.queries import PAGE_SIZE
    ids = clone_cases(db, PAGE_SIZE + 7, datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    tasks = db.scalars(select(ReadyTask).where(ReadyTask.case_id.in_(ids)).order_by(ReadyTask.id)).all()
    for task in tasks[10:]:  # 10 with a due date, 47 without
        task.due_at = None
    db.commit()
    officer = login_as("investigator")
    second = officer.get("/tasks/team?page=2")  # no dated task on it: it counts the dated ones before it
    on_second = [int(x.split('"')[0]) for x in second.text.split('data-task-id="')[1:]]
    assert on_second == [t.id for t in tasks[-7:]]


# Whatever a mail system would not read as one address: a second header, a second address, a display name,
# and addresses a pattern of "something@something.something" lets through.
NOT_ONE_ADDRESS = ["x@y\nBcc: z", "x@y.org\r\nBcc: z@example.org", "not-an-email", "Jo <jo@example.org>",
                   "jo@example.org, z@example.org", "jo@@example.org", "jo..bloggs@example.org",
                   "<jo>@example.org", "jo@example..org", "jo@-example.org", "jo@example.org;bcc"]


def test_a_staff_account_email_must_be_one_address_as_mail_systems_read_it(db, login_as):
    admin = login_as("admin")
    me = db.scalar(select(User).filter_by(email="frontline@example.org"))
    for address in NOT_ONE_ADDRESS:
        # An email box sends no line break: a tampered post, as someone editing the request would send it.
        created = page_form(admin, "/admin/users/new", button="Create account") \
            .set_all({"name": "Nia New", "roles": ["front_line_officer"], "password": PASSWORD}) \
            .tamper("email", address).submit()
        changed = page_form(admin, f"/admin/users/{me.id}", button="Save changes").tamper("email", address) \
            .submit()
        for response in (created, changed):
            assert response.status_code == 400, address
            assert error_messages(response.text) == [
                "Enter an email address in the correct format, like name@example.org"], address
            assert 'id="email-error"' in response.text, address  # beside the field, GOV.UK style
    assert db.scalar(select(User).filter_by(name="Nia New")) is None
    assert db.scalar(select(User.email).filter_by(id=me.id)) == "frontline@example.org"
