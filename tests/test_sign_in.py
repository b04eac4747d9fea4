"""Signing in and out as a penetration test would try it: timing, guessing from one address, old cookies."""
from __future__ import annotations

from sqlalchemy import select

import processes.accounts as accounts
from app.cli import DEMO_PASSWORD
from models import AuditEntry

from .helpers.journeys import sign_in, sign_out, try_sign_in


def test_an_unknown_email_costs_the_same_hash_check_as_a_wrong_password(client, monkeypatch, users):
    checked = []

    def counting(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", counting)
    assert try_sign_in(client, "nobody@example.org", "guess").status_code == 400
    assert try_sign_in(client, "cro@example.org", "guess").status_code == 400
    assert try_sign_in(client, "someone.else@example.org", "guess").status_code == 400
    dummy, real_hash, dummy_again = checked
    assert real_hash == users["cro"].password_hash
    assert dummy.split("$")[0] == real_hash.split("$")[0]  # the same method and cost (scrypt)
    assert dummy_again == dummy  # made once


def test_too_many_failures_from_one_address_stop_it_for_a_while(app, db):
    import time_machine
    from datetime import datetime, timezone
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=timezone.utc), tick=False):
        guesser = app.test_client()
        for number in range(20):  # spread over accounts, so no one account slows down
            assert "not right" in try_sign_in(guesser, f"person{number}@example.org", "guess").text
        stopped = try_sign_in(guesser, "cro@example.org", DEMO_PASSWORD)
        assert (stopped.status_code == 400 and "Too many failed sign-ins from your network. Try again after "
                "10:15:00am" in stopped.text)
        office = app.test_client()
        office.environ_base["REMOTE_ADDR"] = "10.1.2.3"
        assert sign_in(office, "cro")  # other addresses still can
    with time_machine.travel(datetime(2026, 5, 1, 9, 15, tzinfo=timezone.utc), tick=False):
        assert sign_in(guesser, "cro")


def test_failed_sign_ins_are_still_audited(client, db):
    try_sign_in(client, "nobody@example.org", "guess")
    try_sign_in(client, "cro@example.org", "guess")
    details = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "sign-in failed")).all()
    assert "Unknown or inactive account: nobody@example.org" in details and "Wrong password" in details


def test_sign_out_is_a_post_with_the_csrf_token(login_as):
    officer = login_as("cro")
    assert officer.get("/sign-out").status_code == 405
    assert officer.get("/cases/").status_code == 200  # still signed in
    # Hand-made on purpose: a post without the token, as another site would send it.
    assert officer.post("/sign-out").status_code == 400
    assert officer.get("/cases/").status_code == 200
    sign_out(officer)
    assert "/sign-in" in officer.get("/cases/").location


def test_a_cookie_copied_before_sign_out_no_longer_works(app, login_as):
    officer = login_as("cro")
    cookie = officer.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/cases/").status_code == 200
    sign_out(officer)
    assert copy.get("/cases/").status_code == 302 and "/sign-in" in copy.get("/cases/").location
    assert sign_in(officer, "cro").get("/cases/").status_code == 200  # signing in again works

