"""A real Chromium reads the reports as the director: charts under the content security policy, print layout."""
import pytest

from app.cli import DEMO_PASSWORD

from .test_browser import _page, browser, expect, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _submit_complaint(page, base):
    page.goto(base + "/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Complaint").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Housing").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your comment").fill("The repair was never done.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Full name").fill("Jo Browser")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("[data-reference]")).to_be_visible()


def test_director_reads_the_dashboard_filters_it_and_prints_the_annual_report(live_server, browser):  # noqa: F811
    errors: list[str] = []
    _submit_complaint(_page(browser, errors), live_server)
    page = _page(browser, errors)
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("reports@example.org")
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Comments dashboard")).to_be_visible()
    chart = page.locator("#by-type svg.cc-chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 1 and chart.bounding_box()["width"] > 200
    expect(page.get_by_role("table", name="Comments received by type")).to_contain_text("Complaint")
    page.get_by_label("Service area").select_option(label="Housing")
    page.get_by_role("button", name="Show figures").click()
    assert "service_area=housing" in page.url
    expect(page.get_by_role("table", name="Comments received by service area")).to_contain_text("Housing")
    page.get_by_role("link", name="Annual complaints report").first.click()
    expect(page.get_by_role("button", name="Print this report")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this report")).to_be_hidden()
    expect(page.get_by_role("heading", name="Self-assessment against the Complaint Handling Code")).to_be_visible()
    assert errors == []
