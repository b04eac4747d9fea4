"""A real Chromium: a complaint with two points through stage 1; the customer asks for a review from the link
in the emailed response; the senior officer keeps the point still disputed, drops the other, adds the new
one from the request, and answers both, the final outcome first refused for disagreeing with them; the
emails (through a real SMTP server) state and answer the stage 2 points; axe checks every page visited."""
import pytest

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, deliver
from .helpers.mail import link_path, smtp_server

pytestmark = pytest.mark.browser

POINTS = ["The bin was missed three weeks running", "The crew left the lid open in the rain"]
NEW = "Nobody rang me back as the stage 1 response promised"


def test_stage_2_points_recorded_from_stage_1_and_the_request_then_answered(browser, live):
    j = Journey(browser, live.base)
    _, reference = j.send_complaint("Sam Stage-Two")
    j.formal_at_first_contact(reference)

    officer = j.officer("investigator")
    j.take(officer, reference, "Acknowledge the complaint")
    for n, text in enumerate(POINTS, start=1):
        officer.get_by_label(f"Point {n}", exact=True).fill(text)
    choose(officer, "How did you send the acknowledgement?", "Email")
    j.complete(officer, reference, "Acknowledge the complaint")
    j.take(officer, reference, "Investigate and respond")
    choose(officer, "Outcome", "Partly upheld")
    officer.get_by_label("What did you find, and what did you tell the customer?").fill("We checked.")
    choose(officer, "How did you send the response?", "Email")
    choose(officer, "Was point 1 upheld?", "Not upheld")
    officer.get_by_label("Reasons for point 1").fill("The round sheet shows the street emptied.")
    choose(officer, "Was point 2 upheld?", "Upheld")
    officer.get_by_label("Reasons for point 2").fill("The crew's camera shows the lid left open.")
    j.complete(officer, reference, "Investigate and respond")

    with smtp_server() as (settings, inbox):
        deliver(live, settings=settings)
    response = inbox.about(f"Our response to your complaint {reference}")
    customer = j.open(live.base + link_path(response, "/status/"))
    customer.get_by_label("Why are you still unhappy? (optional)").fill(
        f"The bin is still missed. And: {NEW.lower()}.")
    j.click(customer, customer.get_by_role("button", name="Ask for a review"))
    banner = customer.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("A more senior officer will review")

    senior = j.officer("senior")
    j.take(senior, reference, "Acknowledge the stage 2 request")
    for n, text in enumerate(POINTS, start=1):  # the stage 1 points, each kept until the officer says not
        expect(senior.get_by_label(f"The customer still disputes stage 1 point {n}")).to_be_checked()
        expect(senior.get_by_label(f"Stage 1 point {n} as the review will answer it")).to_have_value(text)
    senior.get_by_label("The customer still disputes stage 1 point 2").uncheck()  # the lid: put right
    senior.get_by_label("New point 1").fill(NEW)
    choose(senior, "How did you send the acknowledgement?", "Email")
    j.complete(senior, reference, "Acknowledge the stage 2 request")

    j.take(senior, reference, "Review and send the final response")
    expect(senior.get_by_role("heading", name=f"Point 1: {POINTS[0]}")).to_be_visible()
    expect(senior.get_by_role("heading", name=f"Point 2: {NEW}")).to_be_visible()
    choose(senior, "Outcome", "Upheld")
    senior.get_by_label("What did you find, and what did you tell the customer?").fill("A fresh look.")
    choose(senior, "How did you send the response?", "Email")
    choose(senior, "Was point 1 upheld?", "Upheld")
    senior.get_by_label("Reasons for point 1").fill("The tracker shows the lorry passed the street.")
    choose(senior, "Was point 2 upheld?", "Not upheld")
    senior.get_by_label("Reasons for point 2").fill("The call log shows two calls back.")
    senior.get_by_role("button", name="Complete task").click()  # upheld, though point 2 is not
    error = "The outcome must be partly upheld because point 2 is not upheld"
    expect(senior.locator(".govuk-error-summary")).to_contain_text(error)
    expect(senior.locator("#stage2_outcome-error")).to_contain_text(error)  # beside the outcome
    j.check(senior)
    expect(senior.get_by_label("Reasons for point 2")).to_have_value("The call log shows two calls back.")
    senior.locator(".govuk-error-summary a", has_text=error).click()
    expect(senior.locator("#stage2_outcome")).to_be_focused()
    choose(senior, "Outcome", "Partly upheld")
    j.complete(senior, reference, "Review and send the final response")

    with smtp_server() as (settings, inbox):
        deliver(live, settings=settings)
    acknowledgement = inbox.about(f"We have received your request for a review of {reference}").get_content()
    assert (f"remain dissatisfied with to be:\r\n1. {POINTS[0]}\r\n2. {NEW}\r\n\r\nIf we have misunderstood"
            in acknowledgement) and POINTS[1] not in acknowledgement
    final = inbox.about(f"Our final response to your complaint {reference}").get_content()
    assert "Outcome: Partly upheld" in final
    assert (f"1. {POINTS[0]}\r\nOutcome: Upheld\r\nThe tracker shows the lorry passed the street.\r\n\r\n"
            f"2. {NEW}\r\nOutcome: Not upheld\r\nThe call log shows two calls back.") in final
    j.assert_clean()
