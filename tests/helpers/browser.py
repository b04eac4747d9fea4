"""Real Chromium through Playwright: a live app on its own SQLite file, pages that record every error, and
axe-core (from npm) checking each page a journey visits against WCAG 2.2 A and AA.

A live server runs on its own SQLite file (whatever database the rest of the suite uses), because the
browser's requests commit for real and must not leak into the rolled-back test transactions."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app
from app.cli import DEMO_PASSWORD, seed_demo_users, upgrade_database
from app.extensions import db as app_db
from processes.diagrams.deploy import deploy_shipped

from . import clamd

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


class LiveApp:
    """An app served on a free port in a thread; `url(path)` for links, `session()` to read or prepare
    data."""

    def __init__(self, app, server):
        self.app, self.server = app, server
        self.base = f"http://127.0.0.1:{server.server_port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def stop(self) -> None:
        self.server.shutdown()


def start_live_app(folder: Path, prepare=None) -> tuple[LiveApp, object]:
    """An app on its own SQLite file in `folder`, with the shipped processes, the demo accounts and whatever
    `prepare(session)` adds; returns it with what prepare returned."""
    url = f"sqlite:///{folder / 'live.db'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "ENV": "testing",
                      "SESSION_COOKIE_SECURE": False, **clamd.SETTINGS})  # the run's clamd, when started
    with app.app_context():
        deploy_shipped(app_db.session, app.extensions["forms"])
        seed_demo_users(app_db.session, app.extensions["forms"])
        prepared = prepare(app_db.session) if prepare else None
        app_db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LiveApp(app, server), prepared


def launch(playwright):
    assert Path(CHROMIUM).exists(), (f"Chromium not found at {CHROMIUM}: "
                                     "`make test` installs Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def new_page(browser, errors: list[str]):
    """A page in a fresh context (its own cookies) that appends every script error, console error and failed
    response to `errors`. A form with errors is answered 400 on purpose; anything else that fails is a
    defect."""
    page = browser.new_context().new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status > 400 else None)
    return page


def axe_violations(page) -> list[str]:
    """What axe-core finds on the page as it stands against WCAG 2.2 A and AA: one line per rule and node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content Security Policy does not govern:
        # the page itself still runs under its real policy.
        page.evaluate(_axe_source() + "\n;true")
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document,
            { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        return result.violations.flatMap(
            (v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}: ${v.help}`))
    }""", AXE_TAGS)
    return [f"{page.url}: {line}" for line in found]


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE.read_text()


class AxeWatch:
    """Runs axe on every page a journey visits (after each load) and keeps what it finds."""

    def __init__(self):
        self.violations: list[str] = []
        self.visited: set[str] = set()

    def check(self, page) -> None:
        page.wait_for_load_state("load")
        self.visited.add(page.url.split("?")[0])
        self.violations.extend(axe_violations(page))


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
