"""A real Chromium: a complaint comes in on the public form, then an officer records the customer's MP on the
case page (first leaving out what the consent covers, told so beside the field), axe on every page."""
import pytest

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, read_case

pytestmark = pytest.mark.browser


def test_an_officer_records_an_mp_acting_for_the_customer(live, browser):
    journey = Journey(browser, live.base)
    _, reference = journey.send_complaint("Winifred Ashdown-Pryce", "w.ashdown@example.org")
    officer = journey.officer("cro")
    officer.goto(f"{live.base}/cases/{reference}")
    journey.check(officer)
    expect(officer.get_by_text("No one is acting for the customer.")).to_be_visible()
    officer.get_by_text("Record a representative").click()
    officer.get_by_label("Representative's name").fill("Bartholomew Quint MP")
    officer.get_by_label("MP", exact=True).check()
    officer.get_by_label("Email address").fill("b.quint@parliament.example")
    officer.get_by_label("A signed form").check()
    officer.get_by_label("Day").fill("2")
    officer.get_by_label("Month").fill("3")
    officer.get_by_label("Year").fill("2026")
    journey.check(officer)  # the opened form, with its conditional and date inputs
    journey.click(officer, officer.get_by_role("button", name="Record representative"))
    expect(officer.locator("#consent_covers-error")).to_contain_text("Select what the customer")
    assert officer.get_by_label("Representative's name").input_value() == "Bartholomew Quint MP"
    officer.get_by_label("To act for them on this comment").check()
    officer.get_by_label("To receive replies").check()
    journey.click(officer, officer.get_by_role("button", name="Record representative"))
    expect(officer.get_by_text("Representative recorded")).to_be_visible()
    reps = officer.locator("[data-representative]")
    expect(reps).to_contain_text("Bartholomew Quint MP")
    expect(reps).to_contain_text("A signed form, 2 March 2026: "
                                 "to act for them on this comment; to receive replies")
    stored = read_case(live, reference, lambda case: [(r.relation, r.consent_to_replies)
                                                     for r in case.representatives])
    assert stored == [("mp", True)]
    assert journey.watch.violations == [], journey.watch.violations
    journey.assert_clean()
