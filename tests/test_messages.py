"""Messages to customers and staff through a real SMTP server (aiosmtpd), and the status page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from models import Case, Notification, OutboxMessage
from processes.messaging.outbox import MAX_ATTEMPTS, SmtpSettings, deliver_outbox

from .helpers.forms import page_form
from .helpers.journeys import complete, submit_online, tasks_of
from .helpers.mail import Inbox, free_port

UTC = timezone.utc


def find_status(client, reference: str, code: str):
    return page_form(client, "/status/", button="Continue").fill("Reference", reference).fill("Code",
                                                                                              code).submit()


@pytest.fixture()
def smtp():
    """A real SMTP server on a free port; `smtp.stop()` and `smtp.start()` take it down and up."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    controller.inbox, controller.settings = inbox, SmtpSettings(host="127.0.0.1", port=port,
                                                                sender="cc@council.example")
    yield controller
    try:
        controller.stop()
    except AssertionError:
        pass  # already stopped by the test


@pytest.fixture(autouse=True)
def empty_outbox(db):
    """Start from an empty queue (other tests' messages are marked sent inside this test's transaction)."""
    db.execute(update(OutboxMessage).where(OutboxMessage.status.in_(("pending",
                                                                     "sending"))).values(status="sent"))
    db.commit()


def latest_to(db, address: str) -> OutboxMessage:
    return db.scalar(select(OutboxMessage).where(OutboxMessage.to_address ==
    address).order_by(OutboxMessage.id.desc()))


def deliver(db, settings, now=None):
    return deliver_outbox(db, settings, now or datetime.now(UTC), db.commit)


def body(message) -> str:
    return message.get_content()


def test_new_task_emails_reach_the_team(client, db, smtp):
    reference = submit_online(client)
    assert deliver(db, smtp.settings) == (1, 0)  # one front line officer among the demo accounts
    [mail] = smtp.inbox.to("frontline@example.org")
    # 71 characters: arrives as written, not folded onto a line of its own with a leading space
    assert mail["Subject"] == f"New task for your team: Try to resolve at first contact ({reference})"
    assert "/tasks/" in body(mail) and "Due by:" in body(mail)
    assert deliver(db, smtp.settings) == (0, 0)  # never twice


def test_with_the_server_down_nothing_is_lost_and_all_goes_once_it_is_back(client, db, smtp):
    down = SmtpSettings(host="127.0.0.1", port=free_port())  # nothing listens there
    reference = submit_online(client)
    assert deliver(db, down) == (0, 1)
    message = latest_to(db, "frontline@example.org")
    assert (message.status, message.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert deliver(db, smtp.settings) == (0, 0)  # not yet due again: the first retry waits 30 seconds
    later = datetime.now(UTC) + timedelta(seconds=31)
    assert deliver(db, smtp.settings, later) == (1, 0)
    assert len(smtp.inbox.to("frontline@example.org")) == 1 and reference in smtp.inbox.messages[0]["Subject"]
    assert deliver(db, smtp.settings, later + timedelta(hours=2)) == (0, 0)


def test_after_the_last_retry_the_cro_sees_it_and_can_resend(client, db, smtp, login_as):
    down = SmtpSettings(host="127.0.0.1", port=free_port())
    submit_online(client)
    moment = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        deliver(db, down, moment)
        moment += timedelta(hours=2)
    message = latest_to(db, "frontline@example.org")
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    cro = login_as("cro")
    page = cro.get("/cases/messages").text
    assert "frontline@example.org" in page and "ConnectionRefusedError" in page
    assert "Resend" in page
    assert page_form(cro, "/cases/messages",
                     action=f"/cases/messages/{message.id}/resend").submit().status_code == 302
    assert deliver(db, smtp.settings) == (1, 0)
    assert db.get(OutboxMessage, message.id).status == "sent"
    assert login_as("frontline").get("/cases/messages").status_code == 403


def test_a_message_left_sending_by_a_dead_worker_is_never_resent_blindly(client, db, smtp):
    submit_online(client)
    message = latest_to(db, "frontline@example.org")
    message.status, message.next_attempt_at = "sending", datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    assert deliver(db, smtp.settings) == (0, 0)
    assert smtp.inbox.messages == []
    assert db.get(OutboxMessage, message.id).status == "failed"
    assert "may have gone" in db.get(OutboxMessage, message.id).last_error


def test_escalation_emails_the_cro(db, smtp, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    from processes.cases.timers import fire_due_timers
    with time_machine.travel(datetime(2026, 3, 17, 0, 0, 1, tzinfo=UTC), tick=False):
        fire_due_timers(db, datetime.now(UTC), commit=db.commit)
        deliver(db, smtp.settings)
    subjects = [m["Subject"] for m in smtp.inbox.to("cro@example.org")]
    assert f"Query answer deadline passed: escalated to a senior officer ({reference})" in subjects


def test_status_page_by_link_and_by_reference_and_code(client, db):
    reference = submit_online(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    page = client.get(f"/status/{case.status_token}")
    assert page.status_code == 200 and reference in page.text and "We will acknowledge it" in page.text
    found = find_status(client, reference.lower(), case.access_code)
    assert found.location.endswith(f"/status/{case.status_token}")


@pytest.mark.parametrize("how", ["wrong link", "wrong code", "unknown reference"])
def test_status_page_gives_no_hint_whether_a_reference_exists(client, db, how):
    reference = submit_online(client)
    if how == "wrong link":
        response = client.get("/status/not-a-real-token", follow_redirects=True)
        assert "This link has expired or is not right: enter your reference and code" in response.text
        return
    response = find_status(client, reference if how == "wrong code" else "CC-2026-999999", "000000")
    assert response.status_code == 400
    assert "We could not find a comment with that reference and code" in response.text


def test_status_link_expires_with_the_case(client, db):
    reference = submit_online(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    case.status, case.closed_at = "closed", datetime(2019, 1, 1, tzinfo=UTC)
    db.commit()
    expired = client.get(f"/status/{case.status_token}")
    assert expired.status_code == 302 and expired.location.endswith("/status/")


def test_customer_withdraws_and_the_case_closes(client, db, login_as):
    reference = submit_online(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    form = page_form(client, f"/status/{case.status_token}", button="Withdraw")
    unconfirmed = form.submit(follow_redirects=True)
    assert "Tick the box to confirm" in unconfirmed.text
    done = form.check("I want to withdraw it: please close it").submit(follow_redirects=True)
    assert "You have withdrawn your comment" in done.text
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (case.status, case.outcome) == ("closed", "Withdrawn by the customer")
    assert tasks_of(db, reference) == {}
    notification = db.scalar(select(Notification).filter_by(case_id=case.id))
    assert notification.message == "The customer withdrew their comment"


def test_letters_for_customers_without_email(db, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        front = login_as("frontline")
        response = page_form(front, "/cases/new").set_all({
            "comment_type": "complaint", "channel": "letter", "service_area": "housing",
                                                           "comment": "By post.",
            "received_at": datetime(2026, 3, 2, 8, 0), "customer_name": "Lee Letter",
            "customer_address": "1 High Street\nRipley DE5 3BT", "preferred_contact": "letter"}).submit()
        reference = response.location.rsplit("/", 1)[1]
        complete(front, tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "letter"})
    letter = db.scalar(select(OutboxMessage).where(OutboxMessage.audience == "customer",
                                                   OutboxMessage.channel == "letter"))
    assert letter is not None and letter.status == "to_post" and "Ripley" in letter.to_address
    front = login_as("frontline")
    listing = front.get("/cases/letters").text
    assert letter.subject in listing
    printable = front.get(f"/cases/letters/{letter.id}").text
    assert "Print this letter" in printable and "Lee Letter" in printable
    assert page_form(front, "/cases/letters",
                     action=f"/cases/letters/{letter.id}/posted").submit().status_code == 302
    assert db.get(OutboxMessage, letter.id).status == "posted"
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert letter.subject in front.get(f"/status/{case.status_token}").text


def walk_to_stage1_response(db, login_as, received=(2026, 3, 2, 9)):
    """A complaint from Jo (by email) acknowledged on 3 March and answered on 6 March 2026."""
    with time_machine.travel(datetime(*received, tzinfo=UTC), tick=False):
        reference = submit_online(login_as("frontline"))
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    with time_machine.travel(datetime(2026, 3, 3, 9, tzinfo=UTC), tick=False):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with time_machine.travel(datetime(2026, 3, 6, 9, tzinfo=UTC), tick=False):
        complete(login_as("investigator"), tasks_of(db, reference)["respond_stage1"].id,
                 {"stage1_outcome": "partly_upheld", "stage1_findings": "The crew missed your street twice.",
                  "stage1_remedies": ["apology", "financial"], "stage1_financial_amount": "25",
                  "stage1_method": "email"})
    return reference


def test_customer_gets_the_acknowledgement_and_the_response_with_the_right_dates(db, smtp, login_as):
    reference = walk_to_stage1_response(db, login_as)
    deliver(db, smtp.settings)
    mails = {m["Subject"]: body(m) for m in smtp.inbox.to("jo@example.com")}
    ack = mails[f"We have received your complaint {reference}"]
    assert "Ian Investigator is looking into it" in ack
    assert "We will send you a full response by Monday 16 March 2026" in ack  # day 10 from Monday 2 March
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert f"/status/{case.status_token}" in ack and f"with the code {case.access_code}" in ack
    response = mails[f"Our response to your complaint {reference}"]
    assert "Outcome: Partly upheld" in response and "The crew missed your street twice." in response
    assert "an apology, a financial remedy (a payment of £25.00)" in response
    # Asked for by Tuesday 7 April: 20 working days from Friday 6 March, Good Friday and Easter Monday
    # skipped.
    assert "by Tuesday 7 April 2026" in response
    assert "first_contact_notes" not in response and "Formal." not in response
    status = login_as("cro").get(f"/status/{case.status_token}").text
    assert f"Our response to your complaint {reference}" in status and "Ask for a review" in status
    assert "Formal." not in status  # internal notes never reach the status page


def test_review_asked_for_on_the_status_page_starts_stage_2(db, smtp, client, login_as):
    reference = walk_to_stage1_response(db, login_as)
    case = db.scalar(select(Case).filter_by(reference=reference))
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=UTC), tick=False):
        done = page_form(client, f"/status/{case.status_token}",
                         button="Ask for a review").submit(follow_redirects=True)
    assert "A more senior officer will review your complaint" in done.text
    assert set(tasks_of(db, reference)) == {"acknowledge_stage2"}
    with time_machine.travel(datetime(2026, 3, 11, 9, tzinfo=UTC), tick=False):
        complete(login_as("senior"), tasks_of(db, reference)["acknowledge_stage2"].id,
                 {"ack_method": "email"})
    deliver(db, smtp.settings)
    ack2 = next(body(m) for m in smtp.inbox.to("jo@example.com") if "request for a review" in m["Subject"])
    # Council profile: 10 working days from the request on Tuesday 10 March.
    assert "Sam Senior, who was not involved before" in ack2 and "by Tuesday 24 March 2026" in ack2


def test_review_asked_for_after_the_window_goes_to_the_cro(db, client, login_as):
    reference = walk_to_stage1_response(db, login_as)
    from processes.cases.timers import fire_due_timers
    with time_machine.travel(datetime(2026, 4, 8, 9, tzinfo=UTC), tick=False):
        fire_due_timers(db, datetime.now(UTC), commit=db.commit)  # the window closed on 7 April
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert case.outcome == "Closed: no request for stage 2"
    done = page_form(client, f"/status/{case.status_token}", button="Ask for a review") \
        .fill("Why are you still unhappy? (optional)", "I was in hospital").submit(follow_redirects=True)
    assert "passed your request for a review to our Customer Relations Officer" in done.text
    notes = [n.message for n in db.scalars(select(Notification).filter_by(case_id=case.id))]
    assert "The customer asked for a stage 2 review outside the escalation window: decide" in notes


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS: it is encrypted
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_starttls_or_tls_with_a_login(client, db, tmp_path, security):
    import ssl

    import trustme
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and (auth_data.login, auth_data.password) == (b"council", b"s3cret"))
        logins.append(ok)
        return AuthResult(success=ok)

    inbox, port = Inbox(), free_port()
    # With implicit TLS aiosmtpd cannot tell the connection is encrypted, so it must not insist on it.
    options = dict(authenticator=authenticator, auth_required=True, auth_require_tls=security == "starttls")
    if security == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_context,
                                require_starttls=True, **options)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_context, **options)
    controller.start()
    try:
        submit_online(client)
        settings = SmtpSettings(host="127.0.0.1", port=port, security=security, username="council",
                                password="s3cret", sender="cc@council.example", ca_file=str(ca_file))
        assert deliver(db, settings) == (1, 0), latest_to(db, "frontline@example.org").last_error
        assert logins == [True] and len(inbox.to("frontline@example.org")) == 1
        wrong = SmtpSettings(host="127.0.0.1", port=port, security=security, username="council",
                             password="nope", sender="cc@council.example", ca_file=str(ca_file), timeout=3)
        submit_online(client)
        assert deliver(db, wrong) == (0, 1)  # refused: kept, to be retried
        refused = latest_to(db, "frontline@example.org")
        assert (refused.status, refused.attempts) == ("pending", 1) and refused.last_error
        assert False in logins and len(inbox.to("frontline@example.org")) == 1
    finally:
        controller.stop()

