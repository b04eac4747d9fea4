"""A real Chromium: a complaint comes in on the public form, and an officer finds it from the header's "Find a
case" by the customer's name and by their email in capitals, is told what to type when the box is empty, and
opens the case; axe on every page."""
import pytest

from .helpers.browser import expect
from .helpers.browser_journeys import Journey

pytestmark = pytest.mark.browser


def test_an_officer_finds_a_complaint_by_name_and_email_and_opens_it(live, browser):
    journey = Journey(browser, live.base)
    _, reference = journey.send_complaint("Evangeline Thistlewood", "e.thistlewood@example.org",
                                          comment="The street lamp outside number nine flickers all night.")
    officer = journey.officer("frontline")
    journey.nav(officer, "Find a case")
    journey.click(officer, officer.get_by_role("button", name="Search"))  # nothing typed
    expect(officer.locator("#q-error")).to_contain_text("Enter a reference, a name")
    box = officer.get_by_label("Reference, name, email, phone, postcode or words from the comment")
    box.fill("Thistlewood")
    journey.click(officer, officer.get_by_role("button", name="Search"), "Find a case")
    row = officer.locator("[data-results] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text("Evangeline Thistlewood")
    expect(row).to_contain_text("Complaint")
    box.fill("E.THISTLEWOOD@EXAMPLE.ORG")
    journey.click(officer, officer.get_by_role("button", name="Search"), "Find a case")
    expect(officer.locator("caption")).to_contain_text("1 case found by the email address")
    box.fill("lamp flickers")
    journey.click(officer, officer.get_by_role("button", name="Search"), "Find a case")
    expect(officer.locator("[data-results] tbody tr")).to_contain_text(reference)
    journey.open_case(officer, reference)
    assert journey.watch.violations == [], journey.watch.violations
    journey.assert_clean()
