"""Guessing is capped (issue 19, item 1): wrong status codes per reference and per client address, failed
sign-ins per address, comments sent per address, all on one Flask-Limiter (in memory here; in Redis in
tests/test_guessing_redis.py); failed guesses audited without flooding the trail; X-Forwarded-For believed
only behind TRUSTED_PROXIES proxies."""
from __future__ import annotations

import pytest
from limits import RateLimitItemPerMinute
from sqlalchemy import select

from app.limits import LimiterCap
from models import AuditEntry

from .helpers.cases import at
from .helpers.forms import page_form
from .helpers.journeys import answer_public_query, try_sign_in
from .helpers.pages import error_messages
from .helpers.sharing import app_on_the_tests_transaction

NOT_FOUND = "We could not find a comment with that reference and code. Check both and try again"


def find(client, reference: str, code: str, **options):
    """Fill in and send the status page's reference-and-code form."""
    form = page_form(client, "/status/", button="Continue").fill("Reference", reference).fill("Code", code)
    return form.submit(**options)


def wrong(code: str, n: int = 1) -> str:
    """A 6-digit code that is not `code`."""
    return f"{(int(code) + n) % 10**6:06d}"


def summary_and_field(response) -> list[str]:
    """The refusal as the page shows it: in the error summary and beside the reference."""
    assert 'class="govuk-error-summary"' in response.text
    return error_messages(response.text)


def audit_lines(db, *actions: str) -> list[AuditEntry]:
    return db.scalars(select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)).all()


@pytest.fixture()
def case(case_factory):
    return case_factory.submit((2026, 5, 1, 8), channel="web")


def test_five_wrong_codes_then_a_cool_off_the_customer_is_told_about_while_the_link_works(app, client, case):
    with at(2026, 5, 1, 9):  # 10am in London (BST)
        for n in range(1, 6):
            refused = find(client, case.reference, wrong(case.access_code, n))
            assert refused.status_code == 400 and error_messages(refused.text) == [NOT_FOUND]
        stopped = find(client, case.reference, case.access_code)  # the right code, too late
        assert stopped.status_code == 429 and stopped.headers["Retry-After"] == "3600"
        assert summary_and_field(stopped) == [
            "The code for this reference was entered wrongly too many times. Try again after 11:00am, or use "
            "the link in the email we sent you"]
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
        assert find(elsewhere, case.reference, case.access_code).status_code == 429  # per reference
        link = client.get(f"/status/{case.status_token}")
        assert link.status_code == 200 and case.reference in link.text  # the secret link keeps working
    with at(2026, 5, 1, 9, 59, 59):
        assert find(client, case.reference, case.access_code).status_code == 429
    with at(2026, 5, 1, 10, 0, 1):  # an hour after the first wrong code, it has left the window
        let_in = find(client, case.reference, case.access_code)
        assert let_in.status_code == 302 and let_in.location.endswith(f"/status/{case.status_token}")


def test_the_right_code_starts_the_reference_count_again(client, case):
    with at(2026, 5, 1, 9):
        for _ in range(2):
            for n in range(1, 5):
                assert find(client, case.reference, wrong(case.access_code, n)).status_code == 400
            assert find(client, case.reference, case.access_code).status_code == 302


def test_an_unknown_reference_is_capped_in_the_same_words(client):
    with at(2026, 5, 1, 9):
        answers = [find(client, "CC-2026-999999", f"{n:06d}") for n in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert "entered wrongly too many times" in error_messages(answers[-1].text)[0]


def test_one_address_is_stopped_across_references_so_sequential_ones_do_not_help(app, client, case):
    with at(2026, 5, 1, 22, 30):  # 11:30pm in London: the cool-off ends tomorrow
        for number in range(1, 21):  # one wrong code each: no reference reaches its own cap
            assert find(client, f"CC-2026-{number:06d}", "123456").status_code == 400
        stopped = find(client, case.reference, case.access_code)
        assert stopped.status_code == 429
        assert summary_and_field(stopped) == [
            "There have been too many wrong codes from your network. Try again after 12:30am tomorrow, or "
            "use the link in the email we sent you"]
        assert client.get(f"/status/{case.status_token}").status_code == 200
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
        assert find(elsewhere, case.reference, case.access_code).status_code == 302


def test_each_wrong_code_is_audited_without_the_code_and_a_flood_adds_one_line(db, client, case):
    guesses = [wrong(case.access_code, n) for n in range(1, 31)]
    with at(2026, 5, 1, 9):
        answers = [find(client, case.reference, guess).status_code for guess in guesses]
    assert answers == [400] * 5 + [429] * 25
    wrong_lines = audit_lines(db, "status code wrong")
    assert [(e.case_reference, e.detail) for e in wrong_lines] == \
        [(case.reference, f"A wrong code for reference {case.reference} from 127.0.0.1")] * 5
    stopped = audit_lines(db, "status code guessing stopped")
    assert [(e.case_reference, e.detail) for e in stopped] == \
        [(case.reference, f"Too many wrong codes for reference {case.reference}: refused until 2026-05-01 "
                          "10:00 UTC")]
    trail = " ".join(e.detail for e in audit_lines(db, "status code wrong", "status code guessing stopped"))
    assert not any(guess in trail for guess in guesses)


def test_an_address_that_guesses_across_references_is_audited_up_to_its_cap(db, client):
    with at(2026, 5, 1, 9):
        for number in range(1, 41):
            find(client, f"CC-2026-{number:06d}", "123456")
    assert len(audit_lines(db, "status code wrong")) == 20
    assert [e.detail for e in audit_lines(db, "status code guessing stopped")] == \
        ["Too many wrong codes from 127.0.0.1: refused until 2026-05-01 10:00 UTC"]


def test_failed_sign_ins_from_one_address_are_audited_up_to_the_cap_then_once(db, client):
    with at(2026, 5, 1, 9):
        for number in range(30):
            try_sign_in(client, f"person{number}@example.org", "guess")
    assert len(audit_lines(db, "sign-in failed")) == 20
    assert [e.detail for e in audit_lines(db, "sign-in stopped")] == \
        ["Too many failed sign-ins from 127.0.0.1: its sign-ins are refused for a while"]


def test_the_public_forms_last_step_caps_comments_sent_from_one_address(app, client, monkeypatch):
    caps = app.extensions["caps"]
    two_an_hour = LimiterCap(caps, "submissions", RateLimitItemPerMinute(2, 60))
    monkeypatch.setitem(caps._caps, "submissions", two_an_hour)
    with at(2026, 5, 1, 9):
        for _ in range(2):
            answer_public_query(client)
            assert page_form(client, "/comment/check", button="Send").submit().status_code == 302
        answer_public_query(client)
        stopped = page_form(client, "/comment/check", button="Send").submit()
        assert client.get("/comment/check").status_code == 200  # the answers are still there
    assert stopped.status_code == 429 and stopped.headers["Retry-After"] == "3600"
    assert ("We have had 2 comments from your network in the last hour. Your answers are kept: try again "
            "after 11:00am.") in stopped.text


def test_without_a_trusted_proxy_a_forwarded_for_header_changes_nothing(client, case):
    with at(2026, 5, 1, 9):
        for number in range(1, 21):  # a new "address" each time, as a stranger would claim
            spoofed = {"X-Forwarded-For": f"203.0.113.{number}"}
            assert find(client, f"CC-2026-{number:06d}", "123456", headers=spoofed).status_code == 400
        stopped = find(client, case.reference, case.access_code, headers={"X-Forwarded-For": "198.51.100.1"})
    assert stopped.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_and_cannot_spoof_its_address(app, db, case):
    behind = app_on_the_tests_transaction(db, {"TRUSTED_PROXIES": 1})
    proxy = behind.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # our load balancer
    with at(2026, 5, 1, 9):
        for number in range(1, 21):
            # The client claims another address each time; the proxy appends the one it saw (the rightmost).
            forwarded = {"X-Forwarded-For": f"198.51.100.{number}, 203.0.113.5"}
            assert find(proxy, f"CC-2026-{number:06d}", "123456", headers=forwarded).status_code == 400
        assert find(proxy, case.reference, case.access_code,
                    headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 429
        assert find(proxy, case.reference, case.access_code,
                    headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 302  # another customer
    assert {e.detail.rsplit(" ", 1)[1] for e in audit_lines(db, "status code wrong")} == {"203.0.113.5"}
