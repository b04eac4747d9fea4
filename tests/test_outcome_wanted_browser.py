"""A real Chromium: the customer says what they want on the public form; the officer reads it on the case
page and the task page, which pass axe."""
import pytest

from .helpers.browser import axe_violations, expect, new_page, sign_in

pytestmark = pytest.mark.browser

WANTED = "Collect my bin this week and <b>say sorry</b>"


def test_the_officer_reads_what_the_customer_wants(live_server, browser):
    errors: list[str] = []
    public = new_page(browser, errors)
    public.goto(live_server + "/")
    public.get_by_role("button", name="Start now").click()
    public.get_by_label("Complaint").check()
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Bins, waste and recycling").check()
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Your comment").fill("My bin has been missed three weeks running.")
    public.get_by_label("What would you like us to do?").fill(WANTED)
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Full name").fill("Jo Wants")
    public.get_by_role("button", name="Continue").click()
    public.get_by_role("button", name="Send").click()
    reference = public.locator("[data-reference]").inner_text()

    officer = new_page(browser, errors)
    sign_in(officer, live_server, "frontline")
    officer.goto(f"{live_server}/cases/{reference}")
    summary = officer.locator(f"[data-case-summary='{reference}']")
    expect(summary.get_by_text(WANTED, exact=True)).to_be_visible()  # shown as typed, never as markup
    assert officer.locator("[data-case-summary] b").count() == 0
    assert axe_violations(officer) == []
    assert errors == []
