"""A real Chromium reads the reports as the director: charts under the content security policy, print
layout."""
from datetime import datetime

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import expect, sign_in, submit_complaint
from .helpers.browser import new_page as _page

pytestmark = pytest.mark.browser


def test_director_reads_the_dashboard_filters_it_and_prints_the_annual_report(live_server, browser):
    errors: list[str] = []
    submit_complaint(_page(browser, errors), live_server, "Jo Browser", area="Housing", email=None)
    page = _page(browser, errors)
    sign_in(page, live_server, "reports")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Comments dashboard")).to_be_visible()
    # The default period is the last twelve whole months: this month's complaint needs a period with today in
    # it.
    today = datetime.now(LONDON).date()
    page.get_by_label("From").fill(today.replace(day=1).isoformat())
    page.get_by_label("To").fill(today.isoformat())
    page.get_by_role("button", name="Show figures").click()
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
    expect(page.get_by_role("heading",
                            name="Self-assessment against the Complaint Handling Code")).to_be_visible()
    assert errors == []
