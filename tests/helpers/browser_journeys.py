"""Journeys through the rendered pages in a real Chromium: people sign in, follow the header links and the
buttons, and every page they reach is checked with axe-core; plus the timer worker's turns, run in the test
process against a live app's database as the worker process would."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import object_session

from app import smtp_settings
from app.cli import DEMO_PASSWORD
from app.extensions import db as app_db
from models import Case, CaseRemedy
from processes.cases.timers import fire_due_timers
from processes.messaging.outbox import MAX_ATTEMPTS, SmtpSettings, deliver_outbox
from processes.policy.calendar import LONDON, as_utc

from .browser import AxeWatch, expect, new_page

UNLINKED_ERRORS = """() => [...document.querySelectorAll('.govuk-error-summary a[href^="#"]')]
    .map((a) => a.getAttribute('href')).filter((href) => !document.getElementById(href.slice(1)))"""


class Journey:
    """The people of one journey: one list of errors and one AxeWatch for every page any of them visits."""

    def __init__(self, browser, base: str):
        self.browser, self.base = browser, base
        self.errors: list[str] = []
        self.watch = AxeWatch()

    def check(self, page) -> None:
        """Run axe on the page as it now stands (call after each navigation), and see that every link of its
        error summary leads to a field on the page, as GOV.UK's pattern promises the person who clicks it."""
        self.watch.check(page)
        self.watch.violations.extend(f"{page.url}: error summary link to nothing: {href}"
                                     for href in page.evaluate(UNLINKED_ERRORS))

    def open(self, url: str):
        """A new person (own cookies) opening an address they were given: the start page, an emailed link."""
        page = new_page(self.browser, self.errors)
        page.goto(url)
        self.check(page)
        return page

    def officer(self, who: str, password: str = DEMO_PASSWORD):
        """A new person who signs in from the staff sign-in page (bookmarked): `who` is a demo account's name
        (frontline, cro...) or an email address."""
        page = self.open(self.base + "/sign-in")
        page.get_by_label("Email address").fill(who if "@" in who else f"{who}@example.org")
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out", exact=False)).to_be_visible()
        self.check(page)
        return page

    def nav(self, page, link: str) -> None:
        """Follow a link of the header's service navigation."""
        page.locator(".govuk-service-navigation").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        self.check(page)

    def click(self, page, locator, heading: str | None = None) -> None:
        """Click a link or button that loads a page; wait for its heading (or the success banner), then check
        it."""
        locator.click()
        expect(page.get_by_role("heading", name=heading, exact=True).first if heading
               else page.locator(".govuk-notification-banner, .govuk-error-summary").first).to_be_visible()
        self.check(page)

    def take(self, page, reference: str, task: str) -> None:
        """From Team tasks, take the case's task: its page opens."""
        self.nav(page, "Team tasks")
        row = page.locator("tr", has_text=reference).filter(has_text=task)
        self.click(page, row.get_by_role("button", name="Take"), task)

    def complete(self, page, reference: str, task: str) -> None:
        """Press "Complete task" on a filled task form and see it done."""
        page.get_by_role("button", name="Complete task").click()
        expect(page.get_by_text(f"“{task}” completed for {reference}")).to_be_visible()
        self.check(page)

    def formal_at_first_contact(self, reference: str) -> None:
        """The front line officer takes first contact and sends the complaint on to formal stage 1."""
        front = self.officer("frontline")
        self.take(front, reference, "Try to resolve at first contact")
        choose(front, "What happened at first contact?", "Not resolved: investigate formally at stage 1")
        front.get_by_label("What did you do?").fill("Passed to the waste team.")
        self.complete(front, reference, "Try to resolve at first contact")

    def answer_at_stage1(self, reference: str, point: str) -> None:
        """The investigating officer acknowledges the complaint with its one point, then upholds it in the
        stage 1 response; the case waits for the customer's reply."""
        officer = self.officer("investigator")
        self.take(officer, reference, "Acknowledge the complaint")
        officer.get_by_label("Point 1", exact=True).fill(point)
        choose(officer, "How did you send the acknowledgement?", "Email")
        self.complete(officer, reference, "Acknowledge the complaint")
        self.take(officer, reference, "Investigate and respond")
        choose(officer, "Outcome", "Upheld")
        officer.get_by_label("What did you find, and what did you tell the customer?").fill("We were wrong.")
        choose(officer, "How did you send the response?", "Email")
        choose(officer, "Was point 1 upheld?", "Upheld")
        officer.get_by_label("Reasons for point 1").fill("The round sheet shows the street missed.")
        self.complete(officer, reference, "Investigate and respond")

    def open_case(self, page, reference: str) -> None:
        """From a page listing the case, open its record."""
        self.click(page, page.get_by_role("link", name=reference, exact=True).first, reference)

    def send_complaint(self, name: str, email: str = "jo@example.com",
                       comment: str = "My bin has been missed three weeks running."):
        """A member of the public sends a complaint on the public form; returns their page (left on the
        confirmation page) and the reference it shows."""
        page = self.open(self.base + "/")
        self.click(page, page.get_by_role("button", name="Start now"),
                   "What would you like to tell us about?")
        choose(page, "What would you like to tell us about?", "Complaint")
        self.click(page, page.get_by_role("button", name="Continue"), "Which service is it about?")
        choose(page, "Which service is it about?", "Bins, waste and recycling")
        self.click(page, page.get_by_role("button", name="Continue"), "Your comment")
        page.get_by_label("Your comment").fill(comment)
        self.click(page, page.get_by_role("button", name="Continue"), "Your details")
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        choose(page, "How should we reply?", "Email")
        self.click(page, page.get_by_role("button", name="Continue"), "Check your answers before sending")
        self.click(page, page.get_by_role("button", name="Send"), "Comment sent")
        return page, page.locator("[data-reference]").inner_text()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.watch.violations == []


def choose(page, question: str, *answers: str) -> None:
    """Tick the answers of one question (radios or checkboxes), found by the question's legend."""
    group = page.get_by_role("group", name=question)
    for answer in answers:
        group.get_by_label(answer, exact=True).check()


def fill_date(page, day) -> None:
    """Type a date into the page's one GOV.UK date input, box by box, as a person does."""
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


def read_case(live, reference: str, read):
    """`read(case)` on the live app's stored case: what the pages do not show, or show only to others."""
    with live.app.app_context():
        found = read(app_db.session.scalar(select(Case).filter_by(reference=reference)))
        app_db.session.remove()
    return found


def outcome(case: Case) -> str | None:
    """How the case closed, None while it is open."""
    return case.outcome if case.status == "closed" else None


def received_uk(case: Case) -> tuple[str, datetime]:
    """How the comment reached us and when, in UK time."""
    return case.channel, as_utc(case.received_at).astimezone(LONDON)


def remedies(case: Case) -> list[tuple[str, str, Decimal | None]]:
    """The remedies recorded for the figures: (stage, remedy, amount)."""
    rows = object_session(case).scalars(select(CaseRemedy).filter_by(case_id=case.id))
    return sorted((r.stage, r.remedy, r.amount) for r in rows)


def run_timers(live) -> list[str]:
    """The timer worker's turn: fire what is due on the live app's database; returns the errors met."""
    with live.app.app_context():
        _, errors = fire_due_timers(app_db.session, datetime.now(timezone.utc), commit=app_db.session.commit)
        app_db.session.commit()
        app_db.session.remove()
    return errors


def deliver(live, tries: int = 1, settings: SmtpSettings | None = None) -> tuple[int, int]:
    """The worker's outbox turns with the live app's MAIL settings (or `settings`); each turn is one retry
    period later, as if the worker had waited out the backoff. Returns (sent, failed attempts)."""
    sent = failed = 0
    with live.app.app_context():
        settings = settings or smtp_settings(live.app)
        for turn in range(tries):
            later = datetime.now(timezone.utc) + timedelta(hours=turn)
            done = deliver_outbox(app_db.session, settings, later, app_db.session.commit)
            sent, failed = sent + done[0], failed + done[1]
        app_db.session.remove()
    return sent, failed


def fail_outbox(live) -> int:
    """Every pending message tried until it fails for good against the (unreachable) mail server."""
    return deliver(live, MAX_ATTEMPTS)[1]
