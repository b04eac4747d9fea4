"""A real Chromium: the investigating officer's stage 1 response promises one thing for later with its date
(an impossible date first, told beside the field), the CRO sees it on the list of remedies not yet done, the
officer marks it done, and the customer's email saying so arrives at a real SMTP server; axe on every page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from processes.policy.calendar import long_date

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, deliver
from .helpers.mail import smtp_server

pytestmark = pytest.mark.browser

BIN = "replace the broken bin"


def test_an_officer_promises_a_remedy_then_marks_it_done_and_the_customer_is_told(browser, live):
    j = Journey(browser, live.base)
    _, reference = j.send_complaint("Jo Remedy")
    j.formal_at_first_contact(reference)

    officer = j.officer("investigator")
    j.take(officer, reference, "Acknowledge the complaint")
    officer.get_by_label("Point 1", exact=True).fill("The crew broke the bin")
    choose(officer, "How did you send the acknowledgement?", "Email")
    j.complete(officer, reference, "Acknowledge the complaint")

    j.take(officer, reference, "Investigate and respond")
    choose(officer, "Outcome", "Upheld")
    officer.get_by_label("What did you find, and what did you tell the customer?").fill("The crew broke it.")
    choose(officer, "How did you send the response?", "Email")
    choose(officer, "Was point 1 upheld?", "Upheld")
    officer.get_by_label("Reasons for point 1").fill("The camera shows it.")
    officer.get_by_label("Thing 1 we will do").fill(BIN)
    due = date.today() + timedelta(days=40)
    when = officer.get_by_role("group", name="Date thing 1 will be done by")
    when.get_by_label("Day").fill("31")
    when.get_by_label("Month").fill("2")
    when.get_by_label("Year").fill(str(due.year))
    j.click(officer, officer.get_by_role("button", name="Complete task"))
    expect(officer.locator(".govuk-error-summary")).to_contain_text("The date for thing 1 must be a real")
    when.get_by_label("Day").fill(str(due.day))
    when.get_by_label("Month").fill(str(due.month))
    j.complete(officer, reference, "Investigate and respond")

    cro = j.officer("cro")
    j.nav(cro, "All open cases")
    j.click(cro, cro.get_by_role("link", name="Remedies we promised and have not yet done"),
            "Remedies we promised")
    row = cro.locator("tr", has_text=reference)
    expect(row).to_contain_text(BIN)
    expect(row).to_contain_text(long_date(due))

    officer.goto(f"{live.base}/cases/{reference}")
    j.check(officer)
    section = officer.locator("li[data-remedy-action]", has_text=BIN)
    expect(section).to_contain_text(f"by {long_date(due)}")
    j.click(officer, section.get_by_role("link", name=BIN), "Remedy we promised")
    officer.get_by_label("What was done").fill("A new bin was delivered on Tuesday.")
    j.click(officer, officer.get_by_role("button", name="Mark as done"))
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("Marked as done")
    expect(officer.locator("li[data-remedy-action]", has_text=BIN)).to_contain_text("Done")

    with smtp_server() as (settings, inbox):  # the worker sends what the steps wrote to the outbox
        deliver(live, settings=settings)
    response = inbox.about(f"Our response to your complaint {reference}").get_content()
    assert f"What we will do next:\r\nWe will {BIN} by {long_date(due)}." in response
    told = inbox.about(f"We have done what we promised: your complaint {reference}")
    assert "jo@example.com" in told["X-Rcpt"]
    assert f"we said we would {BIN} by {long_date(due)}" in told.get_content()
    assert "A new bin was delivered on Tuesday." in told.get_content()
    j.assert_clean()
