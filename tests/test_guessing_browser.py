"""In a real Chromium a customer who mistypes their code five times on the status page is told, beside the
field, when they can try again and that the link in their email still works; the link does (issue 19,
item 1). The page passes axe in the cool-off too."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db as app_db
from models import Case

from .helpers.browser import axe_violations, expect, new_page, submit_complaint

pytestmark = pytest.mark.browser

NOT_FOUND = "We could not find a comment with that reference and code. Check both and try again"


def test_a_customer_who_mistypes_the_code_is_told_to_wait_or_use_the_link_which_works(live, browser):
    errors: list[str] = []
    page = new_page(browser, errors)
    reference = submit_complaint(page, live.base, "Jo Mistyped")
    status_url = page.get_by_role("link", name="use your status page").get_attribute("href")
    with live.app.app_context():
        code = app_db.session.scalar(select(Case.access_code).filter_by(reference=reference))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page.goto(live.url("/status/"))
    for _ in range(5):
        page.get_by_label("Reference").fill(reference)
        page.get_by_label("Code").fill(wrong)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-message")).to_contain_text(NOT_FOUND)
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Code").fill(code)  # the right code, after five wrong ones
    page.get_by_role("button", name="Continue").click()
    told = re.compile(r"entered wrongly too many times\. Try again after \d{1,2}:\d{2}(am|pm), "
                      r"or use the link in the email we sent you")
    expect(page.locator(".govuk-error-summary")).to_contain_text(told)
    expect(page.locator(".govuk-error-message")).to_contain_text(told)  # beside the field too
    expect(page.get_by_role("heading", name="Check the progress of your comment")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(live.url(status_url))  # the emailed link keeps working through the cool-off
    expect(page.get_by_text(reference).first).to_be_visible()
    assert axe_violations(page) == []
    # The cool-off page is answered 429 on purpose (Chromium logs it as a failed load); nothing else failed.
    assert [e for e in errors if not (e.startswith("429 ") or "status of 429" in e)] == []
