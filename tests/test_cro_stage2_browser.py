"""A real Chromium, axe on every page: the CRO records a stage 2 request the customer sent by letter on a
complaint answered at stage 1, and accepts a late one on a complaint already closed after stage 1, first
told beside the field that the reason is needed (issue 21). Both start stage 2 at its acknowledgement."""
from datetime import datetime

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, fill_date, read_case

pytestmark = pytest.mark.browser


def stage(case) -> tuple:
    return case.status, case.stage, [t.bpmn_id for t in case.ready_tasks]


def test_the_cro_records_a_stage_2_request_sent_by_letter(live, browser):
    j = Journey(browser, live.base)
    _, reference = j.send_complaint("Wilhelmina Outhwaite", "w.outhwaite@example.org")
    j.formal_at_first_contact(reference)
    j.answer_at_stage1(reference, "The bin was missed three weeks running")

    cro = j.officer("cro")
    cro.goto(f"{live.base}/cases/{reference}")
    j.check(cro)
    j.click(cro, cro.get_by_role("link", name="Record what the customer asked by phone or letter"),
            "Record what the customer asked by phone or letter")
    choose(cro, "What did the customer ask for?", "A stage 2 review of their complaint")
    choose(cro, "How did they ask?", "Letter")
    fill_date(cro, datetime.now(LONDON).date())
    cro.get_by_label("Why the customer wants a review, if they said").fill("The bin is still missed.")
    j.click(cro, cro.get_by_role("button", name="Record the customer's request"))
    expect(cro.get_by_text("Stage 2 request recorded: stage 2 has started")).to_be_visible()
    expect(cro.locator("[data-ready-task]")).to_contain_text("Acknowledge the stage 2 request")
    assert read_case(live, reference, stage) == ("open", "stage2", ["acknowledge_stage2"])
    j.assert_clean()


def test_the_cro_accepts_a_late_stage_2_request_on_a_closed_complaint(live, browser):
    j = Journey(browser, live.base)
    _, reference = j.send_complaint("Barnabas Fothergill", "b.fothergill@example.org")
    j.formal_at_first_contact(reference)
    j.answer_at_stage1(reference, "The crew left the lid open in the rain")
    cro = j.officer("cro")
    j.take(cro, reference, "Record the customer's reply")
    choose(cro, "What did the customer say?", "Satisfied, or no request for a review: close the case")
    j.complete(cro, reference, "Record the customer's reply")
    assert read_case(live, reference, lambda case: (case.status, case.outcome)) == (
        "closed", "Closed after stage 1")

    cro.goto(f"{live.base}/cases/{reference}")  # weeks later the customer rings: the lid is still left open
    j.check(cro)
    j.click(cro, cro.get_by_role("button", name="Accept and start stage 2"))
    expect(cro.locator("#late_reason-error")).to_contain_text(
        "Enter the reason for accepting the late request")
    cro.get_by_label("Why accept it?").fill("The customer was in hospital when the window closed.")
    j.click(cro, cro.get_by_role("button", name="Accept and start stage 2"))
    expect(cro.get_by_text("Late stage 2 request accepted: stage 2 has started")).to_be_visible()
    expect(cro.locator("[data-ready-task]")).to_contain_text("Acknowledge the stage 2 request")
    expect(cro.get_by_role("button", name="Accept and start stage 2")).to_have_count(0)
    assert read_case(live, reference, stage) == ("open", "stage2", ["acknowledge_stage2"])
    j.assert_clean()
