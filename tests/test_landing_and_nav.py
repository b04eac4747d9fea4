"""Where each role lands, what the header and footer offer, the CRO's counts, the audit trail's pages and the
dashboard's default period."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
import pytest
import time_machine

from app.cli import DEMO_PASSWORD
from models import Case, Incident, Notification, OutboxMessage
from processes.records.audit import audit

from .helpers.cases import record_case
from .helpers.journeys import complete as complete_task
from .helpers.journeys import try_sign_in

LANDS_ON = {"frontline": "/tasks/", "investigator": "/tasks/", "senior": "/tasks/", "manager": "/tasks/",
            "cro": "/cases/", "owner": "/processes/", "admin": "/admin/users", "reports": "/reports/"}


def _sign_in(app, who: str, page: str = "/sign-in"):
    """A fresh client signed in through the sign-in form as rendered; returns it with the redirect."""
    client = app.test_client()
    response = try_sign_in(client, f"{who}@example.org", DEMO_PASSWORD, page)
    assert response.status_code == 302, response.text[:500]
    return client, response.location


def _tree(response):
    return lxml.html.fromstring(response.text)


@pytest.mark.parametrize("who", sorted(LANDS_ON))
def test_each_role_lands_on_its_own_page_after_signing_in(app, db, who):
    client, location = _sign_in(app, who)
    assert location == LANDS_ON[who]  # was /tasks/ (an empty "My tasks") for every role
    assert client.get(location).status_code == 200


@pytest.mark.parametrize("target, lands", [("/audit/", "/audit/"), ("//evil.example/", "/cases/"),
                                           ("https://evil.example/", "/cases/"),
                                           ("/\\evil.example", "/cases/"), ("evil", "/cases/")])
def test_a_safe_next_page_wins_over_the_landing_page(app, db, target, lands):
    from urllib.parse import quote
    _, location = _sign_in(app, "cro", f"/sign-in?next={quote(target)}")
    assert location == lands


@pytest.mark.parametrize("who", ["cro", "owner", "admin", "reports", "frontline"])
def test_the_headers_home_links_go_to_the_landing_page(app, db, login_as, who):
    tree = _tree(login_as(who).get("/cases/notifications"))
    assert tree.xpath("//a[contains(@class, 'cc-council-header__link')]/@href") == [LANDS_ON[who]]
    assert tree.xpath("//a[contains(@class, 'govuk-service-navigation__link') and not(@role)]"
                      "[contains(@class, 'service-name') or ancestor::*[contains(@class, "
                      "'service-name')]]/@href") \
        == [LANDS_ON[who]]


def test_the_public_header_links_to_the_start_page(client):
    tree = _tree(client.get("/status/"))
    assert tree.xpath("//a[contains(@class, 'cc-council-header__link')]/@href") == ["/"]


def _notifications_link(response):
    link = _tree(response).xpath("//nav//a[contains(@href, '/cases/notifications')]")[0]
    hidden = link.xpath(".//*[contains(@class, 'govuk-visually-hidden')]")
    return " ".join(link.text_content().split()), hidden


def test_the_notifications_link_counts_new_ones_until_they_are_seen(db, users, login_as):
    case = record_case(db, users["frontline"])
    db.add_all([Notification(case=case, role="customer_relations_officer", message=f"Late {n}")
                for n in (1, 2)])
    db.commit()  # what a request does next must see it
    cro = login_as("cro")
    words, hidden = _notifications_link(cro.get("/cases/"))
    # the "new" is for screen readers
    assert words == "Notifications 2 new" and [h.text for h in hidden] == [" new"]
    page = cro.get("/cases/notifications")
    assert len(_tree(page).xpath("//*[@data-new]")) == 2
    assert _notifications_link(cro.get("/cases/"))[0] == "Notifications"  # seen: nothing new
    db.add(Notification(case_id=case.id, role="customer_relations_officer", message="Later"))
    db.commit()  # what a request does next must see it
    assert _notifications_link(cro.get("/cases/"))[0] == "Notifications 1 new"
    assert _notifications_link(login_as("frontline").get("/tasks/"))[0] == "Notifications"  # not their role's


def test_the_notifications_count_stops_at_99(db, users, login_as):
    case = record_case(db, users["frontline"])
    db.add_all([Notification(case=case, role="senior_officer", message=f"n{n}") for n in range(100)])
    db.commit()  # what a request does next must see it
    assert _notifications_link(login_as("senior").get("/tasks/"))[0] == "Notifications 99+ new"


def test_the_footer_offers_staff_sign_in_only_to_those_signed_out(client, login_as):
    def footer(response):
        return [a.text_content() for a in _tree(response).xpath("//*[contains(@class, 'govuk-footer')]//a")]
    assert "Staff sign in" in footer(client.get("/"))
    assert "Staff sign in" not in footer(login_as("frontline").get("/tasks/"))


def test_the_overview_counts_open_overdue_waiting_and_failed_work(db, users, login_as):
    def counts():
        tree = _tree(login_as("cro").get("/cases/"))
        return {li.get("data-count"): int(li.xpath(".//*[@class='cc-count__number']")[0].text.replace(",",
                                                                                                      ""))
                for li in tree.xpath("//li[@data-count]")}
    before = counts()
    late = record_case(db, users["frontline"], received_at=datetime.now(timezone.utc) - timedelta(days=40))
    waiting = record_case(db, users["frontline"])
    front, investigator = login_as("frontline"), login_as("investigator")
    complete_task(front, _task(db, waiting, "first_contact"), {"first_contact_outcome": "formal",
                                                                "first_contact_notes": "Formal."})
    complete_task(investigator, _task(db, waiting, "acknowledge_stage1"), {"ack_method": "email"})
    complete_task(investigator, _task(db, waiting, "respond_stage1"),
                  {"stage1_outcome": "not_upheld", "stage1_findings": "Collected.", "stage1_method": "email"})
    db.add(OutboxMessage(case_id=late.id, audience="customer", channel="email", template="acknowledgement",
                         subject="s", body="b", status="failed", last_error="refused"))
    db.add(Incident(case_id=late.id, error="A script failed"))
    db.commit()  # what a request does next must see it
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {"open": 2, "overdue": 1, "waiting": 1,
                                                        "failed_messages": 1, "failed_timers": 1}


def _task(db, case: Case, bpmn_id: str) -> int:
    fresh = db.get(Case, case.id, populate_existing=True)
    return next(t.id for t in fresh.ready_tasks if t.bpmn_id == bpmn_id)


def test_the_audit_trail_comes_a_page_at_a_time(db, users, login_as):
    for n in range(120):
        audit(db, users["admin"], "paging test", f"Entry number {n:03d}")
    db.commit()  # what a request does next must see it
    cro = login_as("cro")
    first = cro.get("/audit/?action=paging+test")
    words = " ".join(_tree(first).text_content().split())
    assert "Showing 1 to 50 of 120 entries, newest first" in words
    assert "Entry number 119" in words and "Entry number 069" not in words
    pages = _tree(first).xpath("//nav[contains(@class, 'govuk-pagination')]//a/@href")
    assert "/audit/?action=paging+test&page=2" in pages and "/audit/?action=paging+test&page=3" in pages
    third = " ".join(_tree(cro.get("/audit/?action=paging+test&page=3")).text_content().split())
    assert "Showing 101 to 120 of 120 entries" in third and "Entry number 000" in third


@pytest.mark.parametrize("number", ["-3", "0", "abc", "99999999999999999999999", "1" * 5000, "2.5", "%00"])
def test_no_page_number_breaks_a_paged_list(db, login_as, number):
    cro = login_as("cro")
    for path in ("/audit/", "/tasks/", "/tasks/team"):
        response = cro.get(f"{path}?page={number}")
        # a huge number was a 500 (SQLite's integer overflow); a NUL byte is refused before any view reads it
        assert response.status_code == (400 if number == "%00" else 200), (path, number)


@pytest.mark.parametrize("now, period", [
    (datetime(2026, 12, 2, 12, tzinfo=timezone.utc), ("2025-12-01", "2026-11-30")),
    (datetime(2027, 1, 1, 9, tzinfo=timezone.utc), ("2026-01-01", "2026-12-31")),
    (datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc),
     ("2025-07-01", "2026-06-30")),  # 1 July in London (BST)
    (datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), ("2025-11-01", "2026-10-31")),  # still 30 November
])
def test_the_dashboard_opens_on_the_last_twelve_whole_months(db, login_as, now, period):
    with time_machine.travel(now, tick=False):
        page = login_as("reports").get("/reports/")
    tree = _tree(page)
    assert (tree.xpath("//input[@name='from']/@value"), tree.xpath("//input[@name='to']/@value")) == \
        ([period[0]], [period[1]])
    start, end = (datetime.fromisoformat(d) for d in period)
    assert (f"Comments received from {start:%-d %B %Y} to {end:%-d %B %Y} (the last twelve whole months)"
            in " ".join(tree.text_content().split()))
