"""Triage at first contact in a real Chromium: the front line officer passes a request for service on,
signposts a complaint that is not for this procedure and links a duplicate to the case it repeats; the CRO
follows the link between the two cases, and the customers' letters arrive by email. axe checks every page."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from processes.policy.calendar import LONDON

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, deliver, outcome, read_case
from .helpers.mail import smtp_server
from .test_journeys import (DUPLICATE, FIRST_CONTACT, FORMAL, SERVICE_REQUEST, SIGNPOSTED, record_comment,
                            settle_at_first_contact)

pytestmark = pytest.mark.browser

NOTE = ("Collect the missed bin from 4 Elm Road on Thursday. " * 30).strip()  # long, as the form allows


def test_front_line_passes_on_a_request_signposts_and_links_a_duplicate(browser, live):
    j = Journey(browser, live.base)
    officer = j.officer("frontline")
    when = (datetime.now(LONDON) - timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    first = record_comment(j, officer, "Rita Repeat", when, email="rita@example.com")
    settle_at_first_contact(j, officer, first, FORMAL)
    again = record_comment(j, officer, "Rita Repeat", when + timedelta(hours=1), email="rita@example.com")
    link_the_duplicate(j, officer, again, first)
    request = record_comment(j, officer, "Ray Request", when, email="ray@example.com")
    pass_on_a_request(j, officer, request)
    signposted = record_comment(j, officer, "Sid Signpost", when, email="sid@example.com")
    settle_at_first_contact(j, officer, signposted, SIGNPOSTED, reason="Councillor conduct")
    assert read_case(live, again, outcome) == f"Duplicate of {first}"
    assert read_case(live, request, outcome) == "Passed to the service as a request for service"
    cro_follows_the_link_between_the_cases(j, j.officer("cro"), first, again)
    customers_read_their_letters(live, first, again, request, signposted)
    j.assert_clean()


def take_first_contact(j: Journey, page, outcome_text: str) -> None:
    """From the case page just recorded, the officer takes the first contact task and says what happened."""
    j.click(page, page.get_by_role("link", name=FIRST_CONTACT), FIRST_CONTACT)
    j.click(page, page.get_by_role("button", name="Take this task"), FIRST_CONTACT)
    choose(page, "What happened at first contact?", outcome_text)
    page.get_by_label("What did you do?").fill("Talked it through with the customer on the phone.")


def refused_with(j: Journey, page, message: str) -> None:
    """Complete task is refused with the message in the summary and beside its field."""
    page.get_by_role("button", name="Complete task").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(page.locator(".govuk-error-message", has_text=message)).to_be_visible()
    j.check(page)


def pass_on_a_request(j: Journey, page, reference: str) -> None:
    take_first_contact(j, page, SERVICE_REQUEST)
    refused_with(j, page, "Enter what the service should do")
    page.get_by_label("What should the service do?").fill(NOTE)
    j.complete(page, reference, FIRST_CONTACT)


def link_the_duplicate(j: Journey, page, reference: str, repeated: str) -> None:
    """The officer first mistypes the reference of the case it repeats, then types it in lower case."""
    take_first_contact(j, page, DUPLICATE)
    page.get_by_label("Which case does it repeat?").fill("CC-1999-000001")
    refused_with(j, page, "There is no case CC-1999-000001 that you can see")
    page.get_by_label("Which case does it repeat?").fill(repeated.lower())
    j.complete(page, reference, FIRST_CONTACT)


def cro_follows_the_link_between_the_cases(j: Journey, cro, first: str, again: str) -> None:
    """The open case shows the one that repeats it; that one, closed, links back."""
    j.nav(cro, "All open cases")
    j.open_case(cro, first)
    summary = cro.locator("[data-case-summary]")
    expect(summary.locator(".govuk-summary-list__row", has_text="Repeated by")).to_contain_text(again)
    j.click(cro, summary.get_by_role("link", name=again, exact=True), again)
    summary = cro.locator("[data-case-summary]")
    expect(summary.locator(".govuk-summary-list__row", has_text="Status")).to_contain_text(
        f"Duplicate of {first}")
    j.click(cro, summary.get_by_role("link", name=first, exact=True), first)


def customers_read_their_letters(live, first: str, again: str, request: str, signposted: str) -> None:
    with smtp_server() as (settings, inbox):  # the worker sends what the steps wrote to the outbox
        deliver(live, settings=settings)
    duplicate = inbox.about(f"Your comment {again} is being dealt with as {first}")
    assert "rita@example.com" in duplicate["To"] and "we have joined the two" in duplicate.get_content()
    passed_on = inbox.about(f"Your request {request} has been passed to the service")
    text = passed_on.get_content()
    assert "ray@example.com" in passed_on["To"] and NOTE in text and "you can then make a complaint" in text
    letter = inbox.about(f"Your comment {signposted}: where to take it")
    assert "sid@example.com" in letter["To"]
    assert "Please take it to the council's Monitoring Officer" in letter.get_content()
