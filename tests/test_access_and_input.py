"""Who may see what, and bad input: clear errors, nothing saved, never a 500."""
import pytest
from sqlalchemy import func, select

from models import Case
from .helpers.journeys import submit_online, tasks_of
from .helpers.pages import error_messages


STAFF_PAGES = ["/tasks/", "/tasks/team", "/cases/new", "/cases/notifications"]


@pytest.mark.parametrize("path", STAFF_PAGES + ["/cases/"])
def test_staff_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize("who", ["frontline", "investigator", "senior", "cro", "manager", "owner", "admin", "reports"])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_role_reaches_its_pages(login_as, who, path):
    records = who not in ("owner", "reports")  # the process owner and reports readers do not record comments
    assert login_as(who).get(path).status_code == (200 if records or path != "/cases/new" else 403)


@pytest.mark.parametrize("who, status", [("cro", 200), ("admin", 200), ("frontline", 403), ("senior", 403)])
def test_only_the_cro_and_admins_see_every_open_case(login_as, who, status):
    assert login_as(who).get("/cases/").status_code == status


@pytest.mark.parametrize("path", ["/tasks/999999", "/tasks/abc", "/cases/CC-1999-000001", "/comment/nonsense"])
def test_unknown_things_are_a_plain_not_found(login_as, path):
    response = login_as("cro").get(path)
    assert response.status_code == 404
    assert "govuk-heading-l" in response.text


def test_wrong_password_is_refused_with_a_message(client):
    response = client.post("/sign-in", data={"email": "cro@example.org", "password": "wrong"})
    assert response.status_code == 400
    assert "The email address or password is not right" in response.text


def test_sign_in_redirects_only_to_this_site(client):
    for target, expected in [("/cases/", "/cases/"), ("https://evil.example/", "/tasks/"), ("//evil.example", "/tasks/")]:
        response = client.post(f"/sign-in?next={target}", data={"email": "cro@example.org", "password": "demo-password"})
        assert response.location == expected
        client.get("/sign-out")


@pytest.mark.parametrize("page, data, messages", [
    ("type", {}, ["Select whether it is a complaint, compliment, query or suggestion"]),
    ("type", {"comment_type": "threat"}, ["Select whether it is a complaint, compliment, query or suggestion"]),
    ("about-you", {"preferred_contact": "pigeon"}, ["Select how we should reply"]),
    ("service", {"service_area": ""}, ["Select the service it is about"]),
    ("comment", {"comment": "   "}, ["Enter your comment"]),
    ("comment", {"comment": "x" * 5001}, ["Your comment must be 5,000 characters or fewer"]),
    ("about-you", {"preferred_contact": "email"}, ["Enter your email address, or choose another way for us to reply"]),
    ("about-you", {"customer_email": "not-an-email"}, ["Enter an email address in the correct format, like name@example.com"]),
    ("about-you", {"customer_phone": "call me"}, ["Enter a phone number, like 01773 570222 or 07700 900 982"]),
])
def test_public_form_errors_are_shown_beside_the_field(client, page, data, messages):
    response = client.post(f"/comment/{page}", data=data)
    assert response.status_code == 400
    assert error_messages(response.text) == messages
    assert "There is a problem" in response.text and "<title>Error:" in response.text


def test_check_answers_cannot_be_skipped(client, db):
    before = db.scalar(select(func.count(Case.id)))
    assert client.post("/comment/check").location.endswith("/comment/type")
    client.post("/comment/type", data={"comment_type": "query"})
    response = client.post("/comment/check")
    assert response.status_code == 200 and "Select the service it is about" in response.text
    assert db.scalar(select(func.count(Case.id))) == before


def test_staff_record_rejects_a_future_or_impossible_date(login_as):
    officer = login_as("frontline")
    base = {"comment_type": "complaint", "channel": "letter", "service_area": "housing", "comment": "Letter."}
    bad = officer.post("/cases/new", data={**base, "received_at-day": "31", "received_at-month": "2",
                                           "received_at-year": "2026", "received_at-hour": "9", "received_at-minute": "0"})
    assert error_messages(bad.text) == ["The date and time received must be a real date and time, like 27 3 2026 and 14 30"]
    future = officer.post("/cases/new", data={**base, "received_at-day": "1", "received_at-month": "1",
                                              "received_at-year": "2099", "received_at-hour": "9", "received_at-minute": "0"})
    assert error_messages(future.text) == ["The date and time received must be in the past"]


def test_csrf_token_is_required_when_protection_is_on(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/comment/type", data={"comment_type": "complaint"})
        assert response.status_code == 400 and "Your form expired" in response.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_csrf_token_from_another_session_is_refused(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        mine, other = app.test_client(), app.test_client()
        token = mine.get("/comment/type").text.split('name="csrf_token" value="')[1].split('"')[0]
        other.get("/comment/type")
        refused = other.post("/comment/type", data={"comment_type": "complaint", "csrf_token": token})
        assert refused.status_code == 400 and "Your form expired" in refused.text
        assert mine.post("/comment/type", data={"comment_type": "complaint", "csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers_and_a_nonce_for_the_one_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/").headers["Content-Security-Policy"] != policy  # a fresh nonce each time


def test_repeated_wrong_passwords_lock_the_account_for_a_while(app, db):
    import time_machine
    from datetime import datetime, timezone
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=timezone.utc), tick=False):
        client = app.test_client()
        for _ in range(5):
            assert client.post("/sign-in", data={"email": "senior@example.org", "password": "guess"}).status_code == 400
        locked = client.post("/sign-in", data={"email": "senior@example.org", "password": "demo-password"})
        assert locked.status_code == 400 and "Too many wrong passwords. Try again after 10:15am" in locked.text
        unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": "x"})
        assert "The email address or password is not right" in unknown.text
    with time_machine.travel(datetime(2026, 5, 1, 9, 16, tzinfo=timezone.utc), tick=False):
        assert app.test_client().post("/sign-in", data={"email": "senior@example.org",
                                                        "password": "demo-password"}).status_code == 302
