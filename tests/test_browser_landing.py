"""A real Chromium signs in as each role that does not work from a task list: each lands on its own page, and
axe-core finds nothing on it (WCAG 2.2 A and AA)."""
import pytest

from .helpers.browser import axe_violations, expect, new_page, sign_in

pytestmark = pytest.mark.browser

LANDINGS = [("cro", "/cases/", "All open cases"), ("owner", "/processes/", "Flow charts"),
            ("admin", "/admin/users", "Users"), ("reports", "/reports/", "Comments dashboard")]


@pytest.mark.parametrize("who, path, heading", LANDINGS)
def test_each_role_lands_on_its_own_page_and_it_passes_axe(live_server, browser, who, path, heading):
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, live_server, who)
    page.wait_for_url(live_server + path)
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()
    expect(page.get_by_role("link", name="Staff sign in")).to_have_count(0)
    assert axe_violations(page) == []
    assert errors == []
    page.context.close()
