"""A real Chromium: the CRO logs a subject access request and sees it on the list of open ones with its due
date, one calendar month later; axe checks every page on the way."""
from datetime import date, timedelta

import pytest

from processes.policy.calendar import one_calendar_month_after

from .helpers.browser import axe_violations, expect, new_page, sign_in

pytestmark = pytest.mark.browser


def test_the_cro_logs_a_subject_access_request_and_sees_its_due_date(live_server, browser):
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, live_server, "cro")
    found: list[str] = []
    page.get_by_role("link", name="Subject access", exact=True).click()
    found += axe_violations(page)
    page.get_by_role("link", name="Subject access requests").click()
    found += axe_violations(page)
    page.get_by_role("button", name="Log a subject access request").click()
    expect(page.get_by_role("heading", name="Log a subject access request")).to_be_visible()
    found += axe_violations(page)
    page.get_by_role("button", name="Log the request").click()  # nothing filled in: the errors beside fields
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the full name of the person asking")
    found += axe_violations(page)
    received = date.today() - timedelta(days=3)
    page.get_by_label("Full name of the person asking").fill("Pat Browser")
    page.get_by_label("How to reach them").fill("pat@example.com")
    page.get_by_label("Email address to search for (optional)").fill("pat@example.com")
    page.get_by_label("Day").fill(str(received.day))
    page.get_by_label("Month").fill(str(received.month))
    page.get_by_label("Year").fill(str(received.year))
    page.get_by_role("button", name="Log the request").click()
    due = one_calendar_month_after(received)
    row = page.locator("#open-requests tr", has_text="Pat Browser")
    expect(row).to_contain_text(due.strftime("%a %-d %b %Y"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"due by {due:%-d %B %Y}")
    found += axe_violations(page)
    assert found == []
    assert errors == []
