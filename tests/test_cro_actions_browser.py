"""A real Chromium, axe on every page: the CRO assigns a complaint's first task to a named officer, records
the customer's withdrawal taken by phone (first leaving the form empty and told beside each field), then
reopens the case, withdrawn by mistake, with the reason; and reclassifies another (issue 21)."""
from datetime import datetime

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, fill_date, read_case

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
    fill_date(cro, datetime.now(LONDON).date())
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


def test_the_cro_moves_a_complaint_to_parks_then_re_records_it_as_a_suggestion(live, browser):
    journey = Journey(browser, live.base)
    _, reference = journey.send_complaint("Peregrine Ollerenshaw", "p.ollerenshaw@example.org",
                                          "The park benches should be painted more often.")
    cro = journey.officer("cro")
    cro.goto(f"{live.base}/cases/{reference}")
    journey.check(cro)
    cro.get_by_label("Move to another service area").select_option(label="Parks, leisure and open spaces")
    journey.click(cro, cro.get_by_role("button", name="Move the case"))
    expect(cro.get_by_text("Case moved to Parks, leisure and open spaces")).to_be_visible()
    journey.click(cro, cro.get_by_role("button", name="Re-record the comment"))
    expect(cro.locator("#new_type-error")).to_contain_text("Select the type the comment should be")
    choose(cro, "Re-record as another type", "Suggestion")
    journey.click(cro, cro.get_by_role("button", name="Re-record the comment"))
    expect(cro.get_by_text("this case is closed")).to_be_visible()
    new_reference = cro.get_by_role("heading", level=1).inner_text()
    expect(cro.locator("[data-linked-cases]")).to_have_text(f"Re-recorded from complaint {reference}")
    journey.click(cro, cro.locator("[data-linked-cases]").get_by_role("link", name=reference), reference)
    expect(cro.locator("[data-linked-cases]")).to_have_text(f"Re-recorded as suggestion {new_reference}")
    assert read_case(live, new_reference, lambda case: (case.comment_type, case.service_area, case.comment)) \
        == ("suggestion", "parks", "The park benches should be painted more often.")
    journey.assert_clean()
