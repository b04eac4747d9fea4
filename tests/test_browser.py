"""A real Chromium walks a complaint from the public form to an officer completing the first task.

The live server runs on its own SQLite file (whatever database the rest of the suite uses), because
the browser's requests commit for real and must not leak into the rolled-back test transactions.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.cli import DEMO_PASSWORD, seed_demo_users, upgrade_database
from app.extensions import db as app_db
from processes.deploy import deploy_shipped

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser


def start_live_app(tmp_path_factory, folder: str, prepare=None):
    """An app on its own SQLite file, with the shipped processes, the demo accounts and whatever `prepare(session)`
    adds, served on a free port. Returns (app, server, base URL, what prepare returned)."""
    url = f"sqlite:///{tmp_path_factory.mktemp(folder) / 'live.db'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "ENV": "testing",
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        seed_demo_users(app_db.session, app.extensions["forms"])
        prepared = prepare(app_db.session) if prepare else None
        app_db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}", prepared


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    _, server, base, _ = start_live_app(tmp_path_factory, "browser")
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def _page(browser, errors):
    page = browser.new_context().new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A form with errors is answered 400 on purpose; anything else that fails is a defect.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status > 400 else None)
    return page


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
    assert public.evaluate("getComputedStyle(document.querySelector('.govuk-panel')).backgroundColor") != "rgba(0, 0, 0, 0)"

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
    expect(officer.get_by_text(f"“Try to resolve at first contact” completed for {reference}")).to_be_visible()

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
            const box = document.createElement('div'); box.style.height = '600px'; document.body.appendChild(box)
            const viewer = new BpmnJS({ container: box })
            const { warnings } = await viewer.importXML(xml)
            const lanes = viewer.get('elementRegistry').filter((e) => e.type === 'bpmn:Lane').map((e) => e.businessObject.name)
            return { warnings: warnings.map((w) => w.message), lanes, shapes: viewer.get('elementRegistry').getAll().length }
        }""", path.read_text())
        assert result["warnings"] == [], path.name
        assert result["shapes"] > 10 and "Customer Relations Officer" in result["lanes"], path.name


def sign_in(page, base: str, who: str) -> None:
    """Sign in as a demo account (`who`@example.org)."""
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(f"{who}@example.org")
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def submit_complaint(page, base: str, name: str, area: str = "Bins, waste and recycling",
                     email: str | None = "jo@example.com") -> str:
    """A member of the public sends a complaint through the public form; returns its reference."""
    page.goto(base + "/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Complaint").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(area).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your comment").fill("My bin has been missed three weeks running.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Full name").fill(name)
    if email:
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Email", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send").click()
    return page.locator("[data-reference]").inner_text()
