"""Each role's main path in a real Chromium, as people use the pages: they sign in, follow the header links
and press the buttons the pages render, fill fields by their labels, and type no address but the start page or
a link they were given. axe-core checks every page each journey visits against WCAG 2.2 A and AA."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import current_app

from processes.cases.tasks import NOT_SATISFIED
from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process
from processes.policy.calendar import LONDON

from .helpers.browser import expect, start_live_app
from .helpers.browser_journeys import (
    Journey,
    choose,
    deliver,
    fail_outbox,
    outcome,
    read_case,
    received_uk,
    remedies,
    run_timers,
)
from .helpers.mail import free_port, link_path, smtp_server

pytestmark = pytest.mark.browser

FIRST_CONTACT = "Try to resolve at first contact"
RESOLVED, FORMAL, SIGNPOSTED = ("Resolved: I put it right or explained, there and then",
                                "Not resolved: investigate formally at stage 1",
                                "Not for this procedure: signposted elsewhere")
# Walked in tests/test_triage_journeys.py, with signposting again (a letter that arrives).
SERVICE_REQUEST = "A request for service, not a complaint: pass it to the service"
DUPLICATE = "A duplicate: it repeats a case we already have"
WHY_NOT_TAKEN = "Why is it not for this procedure?"


def test_the_journeys_walk_every_outcome_the_first_contact_form_offers():
    form = json.loads((Path(__file__).parents[1] / "forms" / "first_contact.json").read_text())
    offered = next(f for f in form["fields"] if f["name"] == "first_contact_outcome")["options"]
    assert {o["text"] for o in offered} == {RESOLVED, FORMAL, SIGNPOSTED, SERVICE_REQUEST, DUPLICATE}


def record_comment(j: Journey, page, name: str, received: datetime, kind: str = "Complaint",
                   channel: str = "Phone", email: str | None = None, slip: bool = False) -> str:
    """The front line officer fills "Record a comment" for a comment taken by phone (say); returns its
    reference. `slip`: the officer first types an impossible date, and follows the error back to the box."""
    j.nav(page, "Record a comment")
    choose(page, "What kind of comment is it?", kind)
    choose(page, "How did it reach us?", channel)
    choose(page, "Which service is it about?", "Housing")
    page.get_by_label("The customer's comment").fill("The repair to my boiler was booked twice and nobody "
                                                     "came.")
    page.get_by_label("Customer's full name").fill(name)
    if email:
        page.get_by_label("Customer's email address").fill(email)
        choose(page, "How does the customer want us to reply?", "Email")
    if slip:
        fill_received(page, received, day="31", month="2")
        page.get_by_role("button", name="Record comment").click()
        error = page.locator(".govuk-error-summary").get_by_role("link", name="must be a real date")
        expect(error).to_be_visible()
        j.check(page)
        error.click()
        expect(page.get_by_role("group", name="When was it received?").get_by_label("Day")).to_be_focused()
    fill_received(page, received)
    page.get_by_role("button", name="Record comment").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("recorded")
    j.check(page)
    reference = banner.inner_text().split()[-2]
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    return reference


def fill_received(page, received: datetime, **boxes: str) -> None:
    """The date and time boxes of "When was it received?"; `boxes` overrides some, like day="31"."""
    when = page.get_by_role("group", name="When was it received?")
    values = {"day": received.day, "month": received.month, "year": received.year,
              "hour": f"{received.hour:02d}", "minute": f"{received.minute:02d}", **boxes}
    for box, value in values.items():
        when.get_by_label(box.capitalize(), exact=True).fill(str(value))


SATISFIED = "Yes: close the case and send the customer a written confirmation"
NOT_SATISFIED_ANSWER = "No: investigate formally at stage 1"
AGREED = "A crew will collect the missed bin on Thursday morning."


def settle_at_first_contact(j: Journey, page, reference: str, outcome: str,
                            reason: str | None = None, satisfied: str | None = None) -> None:
    """From the case page just recorded, the officer opens the first contact task, takes it and completes
    it; a resolution says whether the customer was `satisfied` with it."""
    j.click(page, page.get_by_role("link", name=FIRST_CONTACT), FIRST_CONTACT)
    j.click(page, page.get_by_role("button", name="Take this task"), FIRST_CONTACT)
    choose(page, "What happened at first contact?", outcome)
    page.get_by_label("What did you do?").fill("Talked it through with the customer on the phone.")
    if reason:
        page.get_by_role("button", name="Complete task").click()  # the reason is needed, and asked for
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Select why it is not for this procedure")
        j.check(page)
        choose(page, WHY_NOT_TAKEN, reason)
    if satisfied:
        page.get_by_role("button", name="Complete task").click()  # a resolution asks three more questions
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Select whether the customer said they were satisfied")
        expect(summary).to_contain_text("Enter what you agreed with the customer")
        j.check(page)
        choose(page, "Did the customer say they were satisfied?", satisfied)
        choose(page, "How did you tell the customer what you would do?", "Phone")
        page.get_by_label("What did you agree with the customer?").fill(AGREED)
    j.complete(page, reference, FIRST_CONTACT)


def test_front_line_records_phone_complaints_and_settles_them_at_first_contact(browser, live):
    j = Journey(browser, live.base)
    officer = j.officer("frontline")
    last_week = (datetime.now(LONDON) - timedelta(days=7)).replace(hour=10, minute=15, second=0,
                                                                   microsecond=0)
    resolved = record_comment(j, officer, "Pat Phone", last_week, email="pat.phone@example.com", slip=True)
    assert (read_case(live, resolved, received_uk) == ("phone", last_week)
            and read_case(live, resolved, outcome) is None)
    settle_at_first_contact(j, officer, resolved, RESOLVED, satisfied=SATISFIED)
    signposted = record_comment(j, officer, "Sam Signpost", last_week + timedelta(days=1))
    settle_at_first_contact(j, officer, signposted, SIGNPOSTED, reason="Planning appeal")
    assert read_case(live, resolved, outcome) == "Resolved at first contact"
    assert read_case(live, signposted, outcome) == "Signposted: not for this procedure"
    customer_reads_the_confirmation(j, live, resolved)
    unhappy = record_comment(j, officer, "Una Unhappy", last_week + timedelta(days=2))
    settle_at_first_contact(j, officer, unhappy, RESOLVED, satisfied=NOT_SATISFIED_ANSWER)
    assert read_case(live, unhappy, outcome) is None
    investigator = j.officer("investigator")
    j.take(investigator, unhappy, "Acknowledge the complaint")  # formal handling: stage 1 acknowledgement
    expect(investigator.locator(".cc-history")).to_contain_text(NOT_SATISFIED)
    investigator.get_by_label("Point 1", exact=True).fill("The boiler repair was booked twice")
    choose(investigator, "How did you send the acknowledgement?", "Phone")
    j.complete(investigator, unhappy, "Acknowledge the complaint")
    j.assert_clean()


def customer_reads_the_confirmation(j: Journey, live, reference: str) -> None:
    """The written confirmation is emailed; its link opens the customer's status page, the case closed."""
    with smtp_server() as (settings, inbox):  # the worker sends what the steps wrote to the outbox
        deliver(live, settings=settings)
    confirmation = inbox.about(f"Your complaint {reference} is resolved")
    assert "pat.phone@example.com" in confirmation["To"]
    text = confirmation.get_content()
    assert AGREED in text and "If you are not happy after all" in text
    customer = j.open(live.base + link_path(confirmation, "/status/"))
    expect(customer.get_by_text("Closed on")).to_be_visible()
    expect(customer.locator("[data-message]", has_text=confirmation["Subject"])).to_be_visible()


POINT = "The bin was missed three weeks running"


def respond(j: Journey, page, reference: str, task: str, stage: str) -> None:
    """An officer fills a response task: partly upheld, with an apology and £50 put right, sent by email."""
    choose(page, "Outcome", "Partly upheld")
    page.get_by_label("What did you find, and what did you tell the customer?").fill(
        f"The {stage} review found two missed collections; the crew has been briefed.")
    choose(page, "Remedies offered", "Apology", "Financial remedy")
    page.get_by_label("Financial remedy in pounds").fill("50")
    choose(page, "How did you send the response?", "Email")
    # Each point is given its outcome and reasons (at stage 2, the stage 1 point the review kept).
    choose(page, "Was point 1 upheld?", "Partly upheld")
    page.get_by_label("Reasons for point 1").fill("Two of the three collections were missed.")
    j.complete(page, reference, task)


def test_a_complaint_from_the_public_form_to_the_final_response(browser, live):
    j = Journey(browser, live.base)
    customer, reference = j.send_complaint("Jo Journey")
    status_link = customer.get_by_role("link", name="use your status page")
    status_url = live.base + status_link.get_attribute("href")  # the customer bookmarks it
    j.click(customer, status_link, "Your complaint")
    front = j.officer("frontline")
    j.take(front, reference, FIRST_CONTACT)
    choose(front, "What happened at first contact?", FORMAL)
    front.get_by_label("What did you do?").fill("Apologised; the customer wants a formal investigation.")
    j.complete(front, reference, FIRST_CONTACT)
    investigator = j.officer("investigator")
    acknowledge(j, investigator, reference, "Acknowledge the complaint", "Email", (POINT,))
    cro_agrees_an_extension(j, j.officer("cro"), reference)
    j.take(investigator, reference, "Investigate and respond")
    respond(j, investigator, reference, "Investigate and respond", "stage 1")
    customer_asks_for_a_review(j, live, reference)
    senior = j.officer("senior")
    acknowledge(j, senior, reference, "Acknowledge the stage 2 request", "Letter")
    j.take(senior, reference, "Review and send the final response")
    respond(j, senior, reference, "Review and send the final response", "stage 2")
    customer_reads_the_final_response(j, live, reference, status_url)
    customer_withdraws_another_complaint(j, live)
    j.assert_clean()


def acknowledge(j: Journey, page, reference: str, task: str, how: str, points: tuple[str, ...] = ()) -> None:
    j.take(page, reference, task)
    for n, point in enumerate(points, start=1):  # the stage 1 acknowledgement states the complaint's points
        page.get_by_label(f"Point {n}", exact=True).fill(point)
    choose(page, "How did you send the acknowledgement?", how)
    j.complete(page, reference, task)


def cro_agrees_an_extension(j: Journey, cro, reference: str) -> None:
    """From All open cases, the CRO gives the investigating officer five more working days."""
    j.nav(cro, "All open cases")
    j.open_case(cro, reference)
    due_before = cro.locator("li[data-ready-task]", has_text="Investigate and respond").inner_text()
    j.click(cro, cro.get_by_role("button", name="Agree extension"))  # nothing filled in
    expect(cro.locator(".govuk-error-summary")).to_be_visible()
    cro.get_by_label("Extra working days").fill("5")
    cro.get_by_label("Reason").fill("The crew records are held by a contractor.")
    j.click(cro, cro.get_by_role("button", name="Agree extension"))
    expect(cro.locator(".govuk-notification-banner")).to_contain_text("Extension agreed")
    due_after = cro.locator("li[data-ready-task]", has_text="Investigate and respond").inner_text()
    assert due_after != due_before, "the extension moves the response deadline"


def customer_asks_for_a_review(j: Journey, live, reference: str) -> None:
    """The stage 1 response is emailed; the customer follows its link to the status page and asks for stage
    2."""
    with smtp_server() as (settings, inbox):  # the worker sends what the steps wrote to the outbox
        deliver(live, settings=settings)
    response = inbox.about(f"Our response to your complaint {reference}")
    assert f"1. {POINT}\r\nOutcome: Partly upheld\r\nTwo of the three" in response.get_content()
    customer = j.open(live.base + link_path(response, "/status/"))  # the link in the email
    expect(customer.locator("[data-message]", has_text=response["Subject"])).to_be_visible()
    customer.get_by_label("Why are you still unhappy? (optional)").fill("The crew still miss my street.")
    j.click(customer, customer.get_by_role("button", name="Ask for a review"))
    banner = customer.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("A more senior officer will review")


def customer_reads_the_final_response(j: Journey, live, reference: str, status_url: str) -> None:
    with smtp_server() as (settings, inbox):
        deliver(live, settings=settings)
    final = inbox.about(f"Our final response to your complaint {reference}")
    # The letter names what is offered, the amount too, and where to go next.
    assert "an apology, a financial remedy (a payment of £50.00)" in final.get_content()
    assert "Local Government and Social Care Ombudsman" in final.get_content()
    customer = j.open(status_url)  # the bookmark
    expect(customer.get_by_text("Closed on")).to_be_visible()
    expect(customer.locator("[data-message]", has_text=final["Subject"])).to_be_visible()
    assert read_case(live, reference, outcome) == "Final response sent"
    assert read_case(live, reference, remedies) == [(stage, remedy, amount) for stage in ("stage1", "stage2")
                                                    for remedy, amount in (("apology", None),
                                                                           ("financial", 50))]


def customer_withdraws_another_complaint(j: Journey, live) -> None:
    """A second complaint, found again with its reference and code, and withdrawn from its status page."""
    customer, other = j.send_complaint("Jo Journey", comment="And the recycling box was never returned.")
    code = customer.locator("[data-access-code]").inner_text()  # this time the customer notes the code
    j.click(customer, customer.get_by_role("link", name="check the progress of your comment"),
            "Check the progress of your comment")
    customer.get_by_label("Reference").fill(other)
    customer.get_by_label("Code").fill(code)
    j.click(customer, customer.get_by_role("button", name="Continue"), "Your complaint")
    customer.get_by_label("I want to withdraw it: please close it").check()
    j.click(customer, customer.get_by_role("button", name="Withdraw"))
    expect(customer.locator(".govuk-notification-banner")).to_contain_text("You have withdrawn your comment")
    assert read_case(live, other, outcome) == "Withdrawn by the customer"


def test_the_administrator_creates_an_officer_who_then_signs_in(browser, live_server):
    j = Journey(browser, live_server)
    admin = j.officer("admin")
    j.nav(admin, "Users")
    j.click(admin, admin.get_by_role("button", name="Create an account"), "Create an account")
    j.click(admin, admin.get_by_role("button", name="Create account"))  # nothing filled in: every error shown
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Enter")
    admin.get_by_label("Full name").fill("Nia Newcomer")
    admin.get_by_label("Email address").fill("nia.newcomer@example.org")
    choose(admin, "Roles", "Investigating officer")
    choose(admin, "Service areas", "Housing")
    choose(admin, "Can this person sign in?", "Yes, active")
    admin.get_by_label("Password").fill("a long first password")
    j.click(admin, admin.get_by_role("button", name="Create account"))
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("Account for Nia Newcomer created")

    newcomer = j.officer("nia.newcomer@example.org", "a long first password")
    expect(newcomer.get_by_role("button", name="Sign out (Nia Newcomer)")).to_be_visible()
    j.nav(newcomer, "Team tasks")
    expect(newcomer.get_by_text("Ready tasks for your roles (Investigating officer)")).to_be_visible()
    j.click(newcomer, newcomer.get_by_role("button", name="Sign out (Nia Newcomer)"))  # the header's button
    expect(newcomer.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    newcomer.go_back()
    newcomer.reload()  # the page before, asked for again: the session has ended
    expect(newcomer.get_by_role("heading", name="Sign in")).to_be_visible()
    j.assert_clean()


BROKEN = b'notify("customer_relations_officer", missing_variable)'
ESCALATION = (b'notify("customer_relations_officer", '
              b'"Query answer deadline passed: escalated to a senior officer")')


def deploy_broken_query(session) -> None:
    """A query diagram whose escalation script names a variable that does not exist: its timer fails."""
    xml = (SHIPPED_BPMN / "query.bpmn").read_bytes()
    assert ESCALATION in xml
    deploy_process(session, xml.replace(ESCALATION, BROKEN), current_app.extensions["forms"], None,
                   "the escalation's message as a variable (a mistake)")


@pytest.fixture(scope="module")
def troubled(tmp_path_factory):
    """A live app of its own: a query diagram with a broken timer script, and its mail server not listening.
    Its own, because what these journeys change (policy, diagrams, mail) must not reach the shared one."""
    live, _ = start_live_app(tmp_path_factory.mktemp("troubled"), deploy_broken_query)
    port = free_port()
    live.app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port)
    yield live, port
    live.stop()


def test_the_cro_retries_a_failed_timer_and_resends_failed_messages(browser, troubled):
    """Also the process owner's part: a timescale changed for new cases, and a diagram fixed and deployed."""
    live, port = troubled
    j = Journey(browser, live.base)
    owner_changes_a_timescale(j, j.officer("owner"))
    an_hour_ago = (datetime.now(LONDON) - timedelta(hours=1)).replace(second=0, microsecond=0)
    reference = record_comment(j, j.officer("frontline"), "Quinn Query", an_hour_ago, "Query", "Email",
                               "quinn@example.com")
    assert read_case(live, reference, lambda case: case.timescales["query_response"]) == 15
    # Five weeks on, for the worker and the live app alike: they share this process (the server is a thread of
    # it), and the browser keeps no clock of its own that matters here. The answer is long overdue by then.
    with time_machine.travel(datetime.now(LONDON) + timedelta(days=35), tick=True):
        errors = run_timers(live)  # the worker's turn: the escalation script fails
        assert len(errors) == 1 and reference in errors[0] and "missing_variable" in errors[0]
        # the mail server is down: every try fails, until a message fails for good
        assert fail_outbox(live) > 0
        cro = j.officer("cro")
        cro_retries_in_vain_and_resends(j, live, cro, port, reference)
        owner_fixes_the_script_and_deploys(j, j.officer("owner"))  # signed in afresh after five weeks
        cro_moves_the_case_and_retries(j, cro, reference)
    j.assert_clean()


def owner_changes_a_timescale(j: Journey, owner) -> None:
    j.nav(owner, "Calendar and timescales")
    council = owner.locator("form").filter(has=owner.get_by_role("button",
                                                                 name="Save council document (default)"))
    council.get_by_label("Queries: respond within").fill("15")
    j.click(owner, council.get_by_role("button", name="Save council document (default)"))
    expect(owner.locator(".govuk-notification-banner")).to_contain_text("saved: cases that start from now on "
                                                                        "use them")


def cro_retries_in_vain_and_resends(j: Journey, live, cro, port: int, reference: str) -> None:
    j.nav(cro, "Failed timers")
    row = cro.locator("tr", has_text=reference)
    expect(row).to_contain_text("missing_variable")
    j.click(cro, row.get_by_role("button", name="Retry"))
    expect(cro.locator(".govuk-notification-banner")).to_contain_text("It failed again")
    j.nav(cro, "Messages not sent")
    row = cro.locator("tr", has_text=reference).first
    expect(row).to_contain_text("ConnectionRefusedError")
    j.click(cro, row.get_by_role("button", name="Resend"))
    expect(cro.locator(".govuk-notification-banner")).to_contain_text("will be sent again")
    with smtp_server(port) as (_, inbox):  # the mail server is back
        assert deliver(live) == (1, 0)
    assert len(inbox.messages) == 1 and reference in inbox.messages[0]["Subject"]


def owner_fixes_the_script_and_deploys(j: Journey, owner) -> None:
    """Check for problems names the broken script; its link selects the step, whose script the owner mends."""
    j.nav(owner, "Flow charts")
    j.click(owner, owner.get_by_role("link", name="Edit query"), "Edit the flow chart: Query")
    expect(owner.locator("#cc-canvas[data-ready=true]")).to_be_visible()
    j.check(owner)
    owner.get_by_role("button", name="Check for problems").click()
    problem = owner.locator(".govuk-error-summary").get_by_role("link", name="missing_variable")
    expect(problem).to_be_visible()
    j.check(owner)
    problem.click()
    script = owner.get_by_label("Script")
    script.fill(script.input_value().replace(BROKEN.decode(), ESCALATION.decode()))
    owner.get_by_role("button", name="Check for problems").click()
    expect(owner.locator("#cc-status")).to_contain_text("No problems found")
    owner.get_by_label("What changed and why").fill("The escalation's message is text again")
    owner.get_by_role("button", name="Deploy").click()
    expect(owner.locator("#cc-status")).to_contain_text("Deployed Query version 3")
    j.check(owner)


def cro_moves_the_case_and_retries(j: Journey, cro, reference: str) -> None:
    j.nav(cro, "Failed timers")
    j.open_case(cro, reference)
    j.click(cro, cro.get_by_role("button", name="Move this case to version 3"))
    expect(cro.locator(".govuk-notification-banner")).to_contain_text(f"{reference} now runs on version 3")
    j.nav(cro, "Failed timers")
    j.click(cro, cro.locator("tr", has_text=reference).get_by_role("button", name="Retry"))
    expect(cro.locator(".govuk-notification-banner")).to_contain_text("The timers ran")
    expect(cro.get_by_text("No timer has failed.")).to_be_visible()
    j.nav(cro, "All open cases")
    j.open_case(cro, reference)
    expect(cro.locator("li", has_text="Answer the overdue query")).to_be_visible()
