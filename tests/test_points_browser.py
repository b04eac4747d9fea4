"""A real Chromium: a complaint with three points, recorded at the acknowledgement and answered point by point
at the stage 1 response; each page passes axe, its errors among them."""
import pytest

from .helpers.browser import axe_violations, expect, new_page, sign_in, submit_complaint

pytestmark = pytest.mark.browser

POINTS = ["The bin was missed three weeks running", "The crew left the lid open in the rain",
          "Nobody answered my email"]
ANSWERS = [("Upheld", "The round sheet shows the street missed."),
           ("Not upheld", "The camera shows the lid closed."),
           ("Partly upheld", "It was answered, but late.")]


def take(page, base: str, reference: str, task: str) -> None:
    page.goto(base + "/tasks/team")
    row = page.locator("tr", has_text=reference).filter(has_text=task)
    row.get_by_role("button", name="Take").click()
    expect(page.get_by_role("heading", name=task)).to_be_visible()


def test_a_complaint_with_three_points_answered_point_by_point(live_server, browser):
    errors: list[str] = []
    public = new_page(browser, errors)
    reference = submit_complaint(public, live_server, "Jo Points")

    front = new_page(browser, errors)
    sign_in(front, live_server, "frontline")
    take(front, live_server, reference, "Try to resolve at first contact")
    front.get_by_label("Not resolved: investigate formally at stage 1").check()
    front.get_by_label("What did you do?").fill("Passed to the waste team.")
    front.get_by_role("button", name="Complete task").click()

    officer = new_page(browser, errors)
    sign_in(officer, live_server, "investigator")
    take(officer, live_server, reference, "Acknowledge the complaint")
    sent_by = officer.get_by_role("group", name="How did you send the acknowledgement?")
    sent_by.get_by_label("Email").check()
    officer.get_by_role("button", name="Complete task").click()  # no point yet: told beside the field
    summary = officer.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter at least one point of the complaint")
    officer.locator(".govuk-error-summary a", has_text="Enter at least one point").click()
    expect(officer.get_by_label("Point 1", exact=True)).to_be_focused()
    assert axe_violations(officer) == []
    for n, text in enumerate(POINTS, start=1):
        officer.get_by_label(f"Point {n}", exact=True).fill(text)
    officer.get_by_role("button", name="Complete task").click()
    expect(officer.get_by_text(f"“Acknowledge the complaint” completed for {reference}")).to_be_visible()

    take(officer, live_server, reference, "Investigate and respond")
    for n, text in enumerate(POINTS, start=1):
        expect(officer.get_by_role("heading", name=f"Point {n}: {text}")).to_be_visible()
    assert axe_violations(officer) == []
    officer.get_by_role("group", name="Outcome", exact=True).get_by_label("Partly upheld").check()
    officer.get_by_label("What did you find, and what did you tell the customer?").fill("We checked.")
    officer.get_by_role("group", name="How did you send the response?").get_by_label("Email").check()
    for n, (outcome, reasons) in enumerate(ANSWERS[:2], start=1):
        officer.get_by_role("group", name=f"Was point {n} upheld?").get_by_label(outcome, exact=True).check()
        officer.get_by_label(f"Reasons for point {n}").fill(reasons)
    officer.get_by_role("button", name="Complete task").click()  # point 3 left unanswered
    expect(officer.locator(".govuk-error-summary")).to_contain_text("Select the outcome for point 3")
    assert axe_violations(officer) == []
    officer.get_by_role("group", name="Was point 3 upheld?").get_by_label("Partly upheld", exact=True).check()
    officer.get_by_label("Reasons for point 3").fill(ANSWERS[2][1])
    officer.get_by_role("button", name="Complete task").click()
    expect(officer.get_by_text(f"“Investigate and respond” completed for {reference}")).to_be_visible()
    assert errors == []
