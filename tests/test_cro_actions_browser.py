"""A real Chromium, axe on every page: the CRO assigns a complaint's first task to a named officer, records
the customer's withdrawal taken by phone (first leaving the form empty and told beside each field), then
reopens the case, withdrawn by mistake, with the reason (issue 21)."""
from datetime import datetime

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, read_case

pytestmark = pytest.mark.browser


def test_the_cro_assigns_records_a_phoned_withdrawal_and_reopens_the_case(live, browser):
    journey = Journey(browser, live.base)
    _, reference = journey.send_complaint("Ottoline Marchbanks", "o.marchbanks@example.org")
    cro = journey.officer("cro")
    cro.goto(f"{live.base}/cases/{reference}")
    journey.check(cro)
    cro.get_by_label("Assign “Try to resolve at first contact” to").select_option(label="Fran Front")
    journey.click(cro, cro.get_by_role("button", name="Assign", exact=True))
    expect(cro.get_by_text("“Try to resolve at first contact” assigned to Fran Front")).to_be_visible()
    expect(cro.locator("[data-ready-task]")).to_contain_text("Fran Front")

    journey.click(cro, cro.get_by_role("link", name="Record what the customer asked by phone or letter"),
                  "Record what the customer asked by phone or letter")
    journey.click(cro, cro.get_by_role("button", name="Record the customer's request"))
    expect(cro.locator("#taken_on-error")).to_contain_text("Enter the date it was received")
    choose(cro, "What did the customer ask for?", "To withdraw their comment")
    choose(cro, "How did they ask?", "Phone")
    today = datetime.now(LONDON).date()
    cro.get_by_label("Day").fill(str(today.day))
    cro.get_by_label("Month").fill(str(today.month))
    cro.get_by_label("Year").fill(str(today.year))
    journey.click(cro, cro.get_by_role("button", name="Record the customer's request"))
    expect(cro.get_by_text("Withdrawal recorded: the case is closed")).to_be_visible()
    assert read_case(live, reference, lambda case: (case.status, case.outcome)) == (
        "closed", "Withdrawn by the customer")

    cro.get_by_label("Why reopen it?").fill("The call was from another customer with the same name.")
    journey.click(cro, cro.get_by_role("button", name="Reopen the case"))
    reopened = "Case reopened: “Try to resolve at first contact” is waiting again"
    expect(cro.get_by_text(reopened)).to_be_visible()
    expect(cro.locator("[data-ready-task]")).to_contain_text("Try to resolve at first contact")
    assert read_case(live, reference, lambda case: (case.status, [t.bpmn_id for t in case.ready_tasks])) == (
        "open", ["first_contact"])
    journey.assert_clean()
