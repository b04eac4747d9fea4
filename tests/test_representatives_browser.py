"""A real Chromium: a complaint comes in on the public form, then an officer records the customer's MP on the
case page (first leaving out what the consent covers, told so beside the field); an MP's letter is recorded
with consent and later the consent withdrawn; axe on every page."""
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from processes.messaging.outbox import SmtpSettings
from processes.policy.calendar import LONDON

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, deliver, read_case
from .helpers.mail import Inbox, free_port
from .test_journeys import acknowledge, cro_agrees_an_extension, fill_received

pytestmark = pytest.mark.browser


def test_an_officer_records_an_mp_acting_for_the_customer(live, browser):
    journey = Journey(browser, live.base)
    _, reference = journey.send_complaint("Winifred Ashdown-Pryce", "w.ashdown@example.org")
    officer = journey.officer("cro")
    officer.goto(f"{live.base}/cases/{reference}")
    journey.check(officer)
    expect(officer.get_by_text("No one is acting for the customer.")).to_be_visible()
    officer.get_by_text("Record a representative").click()
    officer.get_by_label("Representative's name").fill("Bartholomew Quint MP")
    officer.get_by_label("MP", exact=True).check()
    officer.get_by_label("Email address").fill("b.quint@parliament.example")
    officer.get_by_label("A signed form").check()
    officer.get_by_label("Day").fill("2")
    officer.get_by_label("Month").fill("3")
    officer.get_by_label("Year").fill("2026")
    journey.check(officer)  # the opened form, with its conditional and date inputs
    journey.click(officer, officer.get_by_role("button", name="Record representative"))
    expect(officer.locator("#consent_covers-error")).to_contain_text("Select what the customer")
    assert officer.get_by_label("Representative's name").input_value() == "Bartholomew Quint MP"
    officer.get_by_label("To act for them on this comment").check()
    officer.get_by_label("To receive replies").check()
    journey.click(officer, officer.get_by_role("button", name="Record representative"))
    expect(officer.get_by_text("Representative recorded")).to_be_visible()
    reps = officer.locator("[data-representative]")
    expect(reps).to_contain_text("Bartholomew Quint MP")
    expect(reps).to_contain_text("A signed form, 2 March 2026: "
                                 "to act for them on this comment; to receive replies")
    stored = read_case(live, reference, lambda case: [(r.relation, r.consent_to_replies)
                                                     for r in case.representatives])
    assert stored == [("mp", True)]
    assert journey.watch.violations == [], journey.watch.violations
    journey.assert_clean()


@pytest.fixture()
def inbox():
    found, port = Inbox(), free_port()
    controller = Controller(found, hostname="127.0.0.1", port=port)
    controller.start()
    yield found, SmtpSettings(host="127.0.0.1", port=port, sender="cc@council.example")
    controller.stop()


def test_an_mp_writes_for_a_constituent_and_the_acknowledgement_goes_to_the_mp(live, browser, inbox):
    mail, settings = inbox
    deliver(live, settings=settings)  # earlier tests' mail out of the way
    mail.messages.clear()
    journey = Journey(browser, live.base)
    public = journey.open(live.base + "/")
    journey.click(public, public.get_by_role("button", name="Start now"),
                  "What would you like to tell us about?")
    choose(public, "What would you like to tell us about?", "Complaint")
    journey.click(public, public.get_by_role("button", name="Continue"), "Which service is it about?")
    choose(public, "Which service is it about?", "Bins, waste and recycling")
    journey.click(public, public.get_by_role("button", name="Continue"), "Your comment")
    public.get_by_label("Your comment").fill("My constituent's bins have been missed all winter.")
    journey.click(public, public.get_by_role("button", name="Continue"), "Your details")
    public.get_by_label("Full name").fill("Eudora Fairbrass")
    public.get_by_label("Email address").fill("eudora.fairbrass@example.org")
    choose(public, "How should we reply?", "Email")
    public.get_by_label("Yes, I am acting for them with their consent").check()
    public.get_by_label("Representative's name").fill("Lysander Coldwell MP")
    choose(public, "Who is the representative to the customer?", "MP")
    public.get_by_label("Representative's email").fill("l.coldwell@parliament.example")
    choose(public, "How did the customer give their consent?", "A signed form")
    public.get_by_label("Day").fill("1")
    public.get_by_label("Month").fill("3")
    public.get_by_label("Year").fill("2026")
    public.get_by_label("To act for them on this comment").check()
    public.get_by_label("To receive our replies").check()
    journey.check(public)
    journey.click(public, public.get_by_role("button", name="Continue"), "Check your answers before sending")
    expect(public.get_by_text("Lysander Coldwell MP")).to_be_visible()
    journey.click(public, public.get_by_role("button", name="Send"), "Comment sent")
    reference = public.locator("[data-reference]").inner_text()

    officer = journey.officer("frontline")
    journey.take(officer, reference, "Try to resolve at first contact")
    officer.get_by_label("Not resolved: investigate formally at stage 1").check()
    officer.get_by_label("What did you do?").fill("Passed to the waste team.")
    journey.complete(officer, reference, "Try to resolve at first contact")
    investigator = journey.officer("investigator")
    journey.take(investigator, reference, "Acknowledge the complaint")
    investigator.get_by_label("Point 1", exact=True).fill("The bin was missed")  # the complaint's point
    investigator.get_by_label("Email", exact=True).check()
    journey.complete(investigator, reference, "Acknowledge the complaint")
    deliver(live, settings=settings)
    assert mail.to("eudora.fairbrass@example.org") == []
    (ack,) = mail.to("l.coldwell@parliament.example")
    assert "on behalf of Eudora Fairbrass" in ack.get_content()

    investigator.goto(f"{live.base}/cases/{reference}")
    journey.check(investigator)
    expect(investigator.locator("[data-representative]")).to_contain_text("Lysander Coldwell MP")
    expect(investigator.locator("[data-representative]")).to_contain_text("to receive replies")
    assert journey.watch.violations == [], journey.watch.violations
    journey.assert_clean()


def test_an_mps_letter_then_the_consent_withdrawn_and_the_next_message_goes_to_the_customer(live, browser,
                                                                                          inbox):
    mail, settings = inbox
    deliver(live, settings=settings)  # earlier tests' mail out of the way
    mail.messages.clear()
    journey = Journey(browser, live.base)
    front = journey.officer("frontline")
    journey.nav(front, "Record a comment")  # the MP's letter, with the constituent's signed consent form
    choose(front, "What kind of comment is it?", "Complaint")
    choose(front, "How did it reach us?", "Letter")
    choose(front, "Which service is it about?", "Housing")
    front.get_by_label("The customer's comment").fill("My constituent's damp has not been treated.")
    front.get_by_label("Customer's full name").fill("Rosalind Featherstonehaugh")
    front.get_by_label("Customer's email address").fill("r.featherstonehaugh@example.org")
    choose(front, "How does the customer want us to reply?", "Email")
    fill_received(front, datetime.now(LONDON).replace(tzinfo=None) - timedelta(hours=1))
    choose(front, "Is someone making this comment for the customer?", "Yes")
    front.get_by_label("Representative's name").fill("Peregrine Oakshott MP")
    choose(front, "Relationship to the customer", "MP")
    front.get_by_label("Email address", exact=True).fill("p.oakshott@parliament.example")
    choose(front, "How the customer gave consent", "A signed form")
    given = front.get_by_role("group", name="Date of consent")
    for box, value in (("Day", "2"), ("Month", "3"), ("Year", "2026")):
        given.get_by_label(box, exact=True).fill(value)
    choose(front, "What the consent covers", "To act for them on this comment", "To receive replies")
    front.get_by_role("button", name="Record comment").click()
    banner = front.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("recorded")
    journey.check(front)
    reference = banner.inner_text().split()[-2]

    journey.take(front, reference, "Try to resolve at first contact")
    front.get_by_label("Not resolved: investigate formally at stage 1").check()
    front.get_by_label("What did you do?").fill("Passed to the housing team.")
    journey.complete(front, reference, "Try to resolve at first contact")
    investigator = journey.officer("investigator")
    acknowledge(journey, investigator, reference, "Acknowledge the complaint", "Email", ("The damp",))
    deliver(live, settings=settings)
    (ack,) = mail.to("p.oakshott@parliament.example")
    assert "on behalf of Rosalind Featherstonehaugh" in ack.get_content()
    assert mail.to("r.featherstonehaugh@example.org") == []

    # The customer phones: they no longer want their MP to act for them.
    investigator.goto(f"{live.base}/cases/{reference}")
    journey.check(investigator)
    journey.click(investigator, investigator.get_by_role("link", name="Change details or consent",
                                                         exact=False), "Change or end a representative")
    ending = investigator.locator("form[data-end-representative]")
    journey.click(investigator, ending.get_by_role("button", name="Record that they no longer act"))
    expect(investigator.locator("#ending-error")).to_contain_text("Select whether the consent was withdrawn")
    ending = investigator.locator("form[data-end-representative]")
    choose(ending, "What happened?", "Consent withdrawn")
    when = ending.get_by_role("group", name="When")
    today = datetime.now(LONDON)
    for box, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        when.get_by_label(box, exact=True).fill(str(value))
    choose(ending, "How were we told?", "By phone")
    journey.click(investigator, ending.get_by_role("button", name="Record that they no longer act"))
    expect(investigator.locator(".govuk-notification-banner")).to_contain_text("no message goes to this")
    expect(investigator.locator("[data-ended]")).to_have_text("Consent withdrawn")
    expect(investigator.locator("[data-representative]")).to_contain_text("Peregrine Oakshott MP")
    expect(investigator.locator("[data-messages-go-to]")).to_contain_text("go to the customer.")
    expect(investigator.locator("[data-consent-history]")).to_contain_text("Consent withdrawn on")
    stored = read_case(live, reference, lambda case: [(r.ended, [c.kind for c in r.consent_history])
                                                     for r in case.representatives])
    assert stored == [("consent_withdrawn", ["given", "consent_withdrawn"])]

    cro_agrees_an_extension(journey, journey.officer("cro"), reference)  # the next message to the customer
    deliver(live, settings=settings)
    (extension,) = mail.to("r.featherstonehaugh@example.org")
    assert extension["Subject"].startswith("We need more time")
    assert "on behalf of" not in extension.get_content()
    assert len(mail.to("p.oakshott@parliament.example")) == 1  # the acknowledgement only
    journey.assert_clean()
