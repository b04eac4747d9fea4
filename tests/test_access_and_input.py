"""Who may see what, and bad input: clear errors, nothing saved, never a 500."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.cli import DEMO_PASSWORD
from models import Case

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import answer_page, sign_out, try_sign_in
from .helpers.pages import error_messages

STAFF_PAGES = ["/tasks/", "/tasks/team", "/cases/new", "/cases/notifications"]


@pytest.mark.parametrize("path", STAFF_PAGES + ["/cases/"])
def test_staff_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize("who", ["frontline", "investigator", "senior", "cro", "manager", "owner", "admin",
                                 "reports"])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_role_reaches_its_pages(login_as, who, path):
    records = who not in ("owner", "reports")  # the process owner and reports readers do not record comments
    assert login_as(who).get(path).status_code == (200 if records or path != "/cases/new" else 403)


@pytest.mark.parametrize("who, status", [("cro", 200), ("admin", 200), ("frontline", 403), ("senior", 403)])
def test_only_the_cro_and_admins_see_every_open_case(login_as, who, status):
    assert login_as(who).get("/cases/").status_code == status


@pytest.mark.parametrize("path",
                         ["/tasks/999999", "/tasks/abc", "/cases/CC-1999-000001", "/comment/nonsense"])
def test_unknown_things_are_a_plain_not_found(login_as, path):
    response = login_as("cro").get(path)
    assert response.status_code == 404
    assert "govuk-heading-l" in response.text


def test_wrong_password_is_refused_with_a_message(client):
    response = try_sign_in(client, "cro@example.org", "wrong")
    assert response.status_code == 400
    assert "The email address or password is not right" in response.text


def test_sign_in_redirects_only_to_this_site(client):
    # An unsafe target: the CRO's own landing page (All open cases) instead.
    for target, expected in [("/audit/", "/audit/"), ("https://evil.example/", "/cases/"),
                             ("//evil.example", "/cases/"), ("/\\evil.example", "/cases/")]:
        response = try_sign_in(client, "cro@example.org", DEMO_PASSWORD, f"/sign-in?next={target}")
        assert response.location == expected
        sign_out(client)


@pytest.mark.parametrize("page, data, tampered, messages", [
    ("type", {}, {}, ["Select whether it is a complaint, compliment, query or suggestion"]),
    ("type", {}, {"comment_type": "threat"},
     ["Select whether it is a complaint, compliment, query or suggestion"]),
    ("about-you", {}, {"preferred_contact": "pigeon"}, ["Select how we should reply"]),
    ("service", {}, {}, ["Select the service it is about"]),
    ("comment", {"comment": "   "}, {}, ["Enter your comment"]),
    ("comment", {"comment": "x" * 5001}, {}, ["Your comment must be 5,000 characters or fewer"]),
    ("about-you", {"preferred_contact": "email"}, {},
     ["Enter your email address, or choose another way for us to reply"]),
    ("about-you", {"customer_email": "not-an-email"}, {},
     ["Enter an email address in the correct format, like name@example.com"]),
    ("about-you", {"customer_phone": "call me"}, {},
     ["Enter a phone number, like 01773 570222 or 07700 900 982"]),
])
def test_public_form_errors_are_shown_beside_the_field(client, page, data, tampered, messages):
    """`tampered`: a choice the page does not offer, as someone editing the page would send it."""
    form = page_form(client, f"/comment/{page}", button="Continue").set_all(data)
    for name, value in tampered.items():
        form.tamper(name, value)
    response = form.submit()
    assert response.status_code == 400
    assert error_messages(response.text) == messages
    assert "There is a problem" in response.text and "<title>Error:" in response.text


def test_check_answers_cannot_be_skipped(client, db):
    before = db.scalar(select(func.count(Case.id)))
    # With no answers there is no check page to read: a hand-made post, as someone skipping ahead would send.
    assert post_by_hand(client, "/comment/check").location.endswith("/comment/type")
    answer_page(client, "/comment/type", {"comment_type": "query"})
    response = page_form(client, "/comment/check", button="Send").submit()
    assert response.status_code == 200 and "Select the service it is about" in response.text
    assert db.scalar(select(func.count(Case.id))) == before


def test_staff_record_rejects_a_future_or_impossible_date(login_as):
    officer = login_as("frontline")
    base = {"comment_type": "complaint", "channel": "letter", "service_area": "housing", "comment": "Letter."}
    bad = page_form(officer, "/cases/new").set_all(base) \
        .fill_date("received_at", day=31, month=2, year=2026, hour=9, minute=0).submit()
    assert error_messages(bad.text) == ["The date and time received must be a real date and time, like 27 3 "
                                        "2026 and 14 30"]
    future = page_form(officer, "/cases/new").set_all(base).fill_date("received_at",
                                                                      datetime(2099, 1, 1, 9, 0)).submit()
    assert error_messages(future.text) == ["The date and time received must be in the past"]


def test_csrf_token_is_required(client):
    # Hand-made on purpose: a post without the page's token, as another site would send it.
    response = client.post("/comment/type", data={"comment_type": "complaint"})
    assert response.status_code == 400 and "Your form expired" in response.text


def test_a_csrf_token_from_another_session_is_refused(app):
    mine, other = app.test_client(), app.test_client()
    token = page_form(mine, "/comment/type").hidden("csrf_token")
    # Hand-made on purpose: another session's token put in this session's form.
    refused = page_form(other, "/comment/type").choose("comment_type", "complaint").tamper("csrf_token",
                                                                                           token).submit()
    assert refused.status_code == 400 and "Your form expired" in refused.text
    assert page_form(mine, "/comment/type").choose("comment_type", "complaint").submit().status_code == 302


def test_security_headers_and_a_nonce_for_the_one_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert ("default-src 'self'" in policy and "frame-ancestors 'none'" in policy
            and "object-src 'none'" in policy)
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/").headers["Content-Security-Policy"] != policy  # a fresh nonce each time


def test_repeated_wrong_passwords_slow_the_account_down_but_never_lock_it_out(app, db):
    from datetime import datetime, timezone

    import time_machine
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=timezone.utc), tick=False):
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"  # elsewhere; the officer is in the office
        for _ in range(5):
            assert try_sign_in(stranger, "senior@example.org", "guess").status_code == 400
        too_soon = try_sign_in(app.test_client(), "senior@example.org", DEMO_PASSWORD)
        assert (too_soon.status_code == 400
                and "Too many wrong passwords. Try again after 10:00:15am" in too_soon.text)
        for _ in range(10):  # guesses while it waits are not checked and do not lengthen the wait
            assert "Try again after 10:00:15am" in try_sign_in(stranger, "senior@example.org", "guess").text
        stranger.environ_base["REMOTE_ADDR"] = "203.0.113.10"  # the next address: see the address cap test
        unknown = try_sign_in(stranger, "nobody@example.org", "x")
        assert "The email address or password is not right" in unknown.text
    with time_machine.travel(datetime(2026, 5, 1, 9, 0, 15, tzinfo=timezone.utc), tick=False):
        assert try_sign_in(stranger, "senior@example.org", "guess").status_code == 400
        assert "Try again after 10:00:45am" in try_sign_in(stranger, "senior@example.org", "guess").text
    # The stranger keeps guessing as soon as each wait ends; the officer waits at most a minute, and then
    # their own password signs them in.
    with time_machine.travel(datetime(2026, 5, 1, 9, 0, 45, tzinfo=timezone.utc), tick=False):
        for _ in range(3):
            assert try_sign_in(stranger, "senior@example.org", "guess").status_code == 400
    with time_machine.travel(datetime(2026, 5, 1, 9, 1, 45, tzinfo=timezone.utc), tick=False):
        assert try_sign_in(app.test_client(), "senior@example.org", DEMO_PASSWORD).status_code == 302
