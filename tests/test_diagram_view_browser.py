"""Flow charts open legible (task labels at least 10px on screen), fill the page's width, zoom by keyboard
with real buttons, and pass axe, on the case page and in the editor; the editor's header follows a deploy."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import User
from processes.cases.submission import submit_comment

from .helpers.browser import axe_violations, expect, new_page, sign_in, start_live_app

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 900}
COMPLAINT = {"comment_type": "complaint", "service_area": "waste", "comment": "My bin was missed again.",
             "customer_name": "Jo", "customer_email": "jo@example.com", "preferred_contact": "email"}
# The size a label's text is drawn at on screen: its font size times the chart's current scale.
LABEL_PX = """(selector) => { const text = document.querySelector(selector)
  return parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a }"""


def _one_complaint(session) -> str:
    cro = session.scalar(select(User).filter_by(email="cro@example.org"))
    return submit_comment(session, cro, COMPLAINT, "phone",
                          datetime(2026, 1, 5, 10, tzinfo=timezone.utc)).reference


@pytest.fixture(scope="module")
def chart_server(tmp_path_factory):
    """A live app with one complaint, waiting at its first task; the editor may deploy new versions here."""
    live, reference = start_live_app(tmp_path_factory.mktemp("charts"), _one_complaint)
    yield live.base, reference
    live.stop()


def _page(browser, base, who, errors):
    page = new_page(browser, errors)
    page.set_viewport_size(VIEWPORT)
    sign_in(page, base, who)
    return page


def _press(page, name: str, label: str) -> float:
    """Focus a zoom button and press Enter, as a keyboard user would; the label's size afterwards."""
    page.get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")
    return page.evaluate(LABEL_PX, label)


def _zoom_by_keyboard(page, label: str) -> None:
    opened = page.evaluate(LABEL_PX, label)
    assert _press(page, "Zoom in", label) > opened * 1.1
    _press(page, "Zoom out", label)
    assert _press(page, "Zoom out", label) < opened * 0.9
    assert _press(page, "Fit to width", label) == pytest.approx(opened, rel=0.01)


def _inside(page, inner: str, outer: str) -> bool:
    a, b = page.locator(inner).bounding_box(), page.locator(outer).bounding_box()
    return a["x"] >= b["x"] and a["y"] >= b["y"] and a["x"] + a["width"] <= b["x"] + b["width"] \
        and a["y"] + a["height"] <= b["y"] + b["height"]


def test_the_case_page_chart_opens_legible_across_the_page_and_zooms_by_keyboard(chart_server, browser):
    base, reference = chart_server
    errors: list[str] = []
    page = _page(browser, base, "cro", errors)
    page.goto(f"{base}/cases/{reference}")
    expect(page.locator("#diagram[data-ready=true]")).to_be_attached(timeout=10_000)
    label = '#diagram [data-element-id="first_contact"] .djs-label'
    assert page.evaluate(LABEL_PX, label) >= 10
    # opens where the case starts
    assert _inside(page, '#diagram [data-element-id="first_contact"]', "#diagram")
    assert page.locator("#diagram").bounding_box()["width"] >= 0.9 * VIEWPORT["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]  # and no wider
    expect(page.locator("#diagram-zoom [data-zoom-status]")).to_have_text("Shown at 95%")
    _zoom_by_keyboard(page, label)
    assert axe_violations(page) == []
    assert errors == []


def test_the_editor_opens_legible_zooms_by_keyboard_and_names_the_version_it_deployed(chart_server, browser):
    base, _ = chart_server
    errors: list[str] = []
    page = _page(browser, base, "owner", errors)
    page.goto(f"{base}/processes/complaint/edit")
    expect(page.locator("#cc-canvas[data-ready=true]")).to_be_attached(timeout=10_000)
    label = '#cc-canvas [data-element-id="first_contact"] .djs-label'
    assert page.evaluate(LABEL_PX, label) >= 10
    assert _inside(page, '#cc-canvas [data-element-id="first_contact"]', "#cc-canvas")
    # the panel sits beside
    assert page.locator("#cc-canvas").bounding_box()["width"] >= 0.6 * VIEWPORT["width"]
    _zoom_by_keyboard(page, label)
    assert axe_violations(page) == []

    expect(page.locator("#cc-version")).to_contain_text("Version 1 deployed")
    page.get_by_label("Step, flow or lane").select_option(label="Complaint received (StartEvent)")
    page.get_by_label("Name", exact=True).fill("Complaint arrives")
    page.get_by_label("What changed and why").fill("A plainer name for the start")
    page.get_by_role("button", name="Deploy").click()
    expect(page.locator("#cc-status")).to_contain_text("Deployed Complaint version 2")
    expect(page.locator("#cc-version")).to_contain_text("Version 2 deployed")
    expect(page.get_by_role("link", name="Download the deployed version 2")).to_be_visible()
    assert errors == []
