"""A real Chromium: the process owner adds a category, an officer records a comment with it, the CRO corrects
another case's category, and the dashboard counts them by category; axe passes on every page."""
import re
from datetime import datetime
from uuid import uuid4

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import AxeWatch, expect, sign_in, submit_complaint
from .helpers.browser import new_page as _page

pytestmark = pytest.mark.browser


def test_owner_adds_a_category_officer_chooses_it_cro_corrects_and_dashboard_counts(live_server, browser):
    errors: list[str] = []
    axe = AxeWatch()
    name = f"Garden waste {uuid4().hex[:6]}"
    # a member of the public complains without a category
    public = _page(browser, errors)
    reference = submit_complaint(public, live_server, "Jo Category", email=None)

    owner = _page(browser, errors)
    sign_in(owner, live_server, "owner")
    owner.get_by_role("link", name="Categories", exact=True).click()
    axe.check(owner)
    owner.get_by_role("link", name="Bins, waste and recycling").click()
    axe.check(owner)
    owner.get_by_role("button", name="Add category").click()  # empty: refused beside the field
    expect(owner.locator("#name-error")).to_contain_text("Enter the category's name")
    axe.check(owner)
    owner.get_by_label("Add a category").fill("missed collection")
    owner.get_by_role("button", name="Add category").click()
    expect(owner.locator("#name-error")).to_contain_text("already has a category called missed collection")
    owner.get_by_label("Add a category").fill(name)
    owner.get_by_role("button", name="Add category").click()
    expect(owner.get_by_role("table", name="Categories of Bins, waste and recycling")).to_contain_text(name)
    axe.check(owner)

    officer = _page(browser, errors)
    sign_in(officer, live_server, "frontline")
    officer.goto(live_server + "/cases/new")
    officer.get_by_label("Complaint", exact=True).check()
    officer.get_by_role("group", name="How did it reach us?").get_by_label("Phone").check()
    officer.get_by_label("Bins, waste and recycling").check()
    officer.get_by_label("Which category is it about?").select_option(label="Housing: Repairs")
    officer.get_by_label("The customer's comment").fill("The garden waste was not collected.")
    officer.get_by_role("button", name="Record comment").click()
    expect(officer.locator("#category-error")).to_contain_text("Select a category of the service")
    axe.check(officer)
    officer.get_by_label("Which category is it about?").select_option(
        label=f"Bins, waste and recycling: {name}")
    officer.get_by_role("button", name="Record comment").click()
    expect(officer.get_by_text(re.compile(r"CC-\d{4}-\d{6} recorded"))).to_be_visible()
    expect(officer.locator("[data-case-summary]")).to_contain_text(name)
    axe.check(officer)

    cro = _page(browser, errors)
    sign_in(cro, live_server, "cro")
    cro.goto(f"{live_server}/cases/{reference}")
    expect(cro.locator("[data-case-summary]")).to_contain_text("Not recorded")
    cro.get_by_label("Correct the category").select_option(label="Staff conduct")
    cro.get_by_role("button", name="Correct category").click()
    expect(cro.get_by_text("Category corrected").first).to_be_visible()
    expect(cro.locator("[data-case-summary]")).to_contain_text("Staff conduct")
    axe.check(cro)

    reader = _page(browser, errors)
    sign_in(reader, live_server, "reports")
    today = datetime.now(LONDON).date()
    reader.goto(f"{live_server}/reports/?from={today.replace(day=1).isoformat()}&to={today.isoformat()}")
    table = reader.get_by_role("table", name="Comments received by category")
    expect(table.get_by_role("row", name=f"Bins, waste and recycling: {name} 1")).to_be_visible()
    axe.check(reader)
    reader.get_by_label("Category").select_option(label=f"Bins, waste and recycling: {name}")
    reader.get_by_role("button", name="Show figures").click()
    assert "category=waste%2F" in reader.url
    expect(reader.get_by_role("table", name="Comments received by type")
           .get_by_role("row", name="Complaint 1")).to_be_visible()
    axe.check(reader)
    assert axe.violations == []
    assert errors == []
