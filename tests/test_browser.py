"""A real Chromium walks a complaint from the public form to an officer completing the first task."""
import re
from pathlib import Path

import pytest

from .helpers.browser import expect, sign_in
from .helpers.browser import new_page as _page

pytestmark = pytest.mark.browser


def test_complaint_from_public_form_to_officer_completing_first_task(live_server, browser):
    errors: list[str] = []
    public = _page(browser, errors)
    public.goto(live_server + "/")
    public.get_by_role("button", name="Start now").click()
    public.get_by_role("button", name="Continue").click()  # nothing chosen: the error is shown
    expect(public.locator(".govuk-error-summary")).to_be_visible()
    public.get_by_label("Complaint").check()
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Bins, waste and recycling").check()
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Your comment").fill("My bin has been missed three weeks running.")
    public.get_by_role("button", name="Continue").click()
    public.get_by_label("Full name").fill("Jo Browser")
    public.get_by_label("Email address").fill("jo@example.com")
    public.get_by_label("Email", exact=True).check()
    public.get_by_role("button", name="Continue").click()
    expect(public.get_by_role("heading", name="Check your answers before sending")).to_be_visible()
    expect(public.get_by_text("Jo Browser")).to_be_visible()
    public.get_by_role("button", name="Send").click()
    expect(public.locator("[data-reference]")).to_be_visible()
    reference = public.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"CC-\d{4}-\d{6}", reference)
    panel = "getComputedStyle(document.querySelector('.govuk-panel')).backgroundColor"
    assert public.evaluate(panel) != "rgba(0, 0, 0, 0)"

    officer = _page(browser, errors)
    sign_in(officer, live_server, "frontline")
    officer.get_by_role("link", name="Team tasks", exact=True).click()
    row = officer.locator("tr", has_text=reference)
    expect(row).to_be_visible()
    assert "Try to resolve at first contact" in row.inner_text() and "Jo Browser" in row.inner_text()
    row.get_by_role("button", name="Take").click()
    expect(officer.get_by_role("heading", name="Try to resolve at first contact")).to_be_visible()
    officer.get_by_label("Not resolved: investigate formally at stage 1").check()
    officer.get_by_label("What did you do?").fill("Apologised; passed to the waste team to investigate.")
    officer.get_by_role("button", name="Complete task").click()
    done = f"“Try to resolve at first contact” completed for {reference}"
    expect(officer.get_by_text(done)).to_be_visible()

    officer.goto(f"{live_server}/cases/{reference}")
    expect(officer.get_by_text("Acknowledge the complaint").first).to_be_visible()
    officer.wait_for_selector("#diagram .djs-container", timeout=10_000)
    assert officer.locator("#diagram .cc-current").count() >= 1
    assert errors == []


def test_bpmn_js_draws_every_shipped_diagram_without_warnings(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "/")
    page.add_script_tag(url=live_server + "/assets/bpmn-js/bpmn-navigated-viewer.production.min.js")
    for path in sorted((Path(__file__).resolve().parent.parent / "bpmn").glob("*.bpmn")):
        result = page.evaluate("""async (xml) => {
            const box = document.createElement('div');
            box.style.height = '600px';
            document.body.appendChild(box)
            const viewer = new BpmnJS({ container: box })
            const { warnings } = await viewer.importXML(xml)
            const lanes = viewer.get('elementRegistry').filter((e) => e.type === 'bpmn:Lane')
                .map((e) => e.businessObject.name)
            return { warnings: warnings.map((w) => w.message), lanes,
                     shapes: viewer.get('elementRegistry').getAll().length }
        }""", path.read_text())
        assert result["warnings"] == [], path.name
        assert result["shapes"] > 10 and "Customer Relations Officer" in result["lanes"], path.name
