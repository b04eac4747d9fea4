"""Erasure that forgets (issue 19, item 6): once a case is anonymised, no table of the database holds the
customer's name, email, phone, address, reasonable adjustments or words, nor what officers wrote about them,
and the audit trail's hash chain still verifies."""
import json
import zipfile
from datetime import datetime, timezone
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import inspect, select, text, update

from models import Attachment, AuditEntry, Base, Case, CaseEvent, OutboxMessage
from processes.messaging.outbox import SmtpSettings, deliver_outbox
from processes.records.audit import verify_chain
from processes.records.filestore import path_of
from processes.records.history import record_event

from .helpers.cases import at, record_case
from .helpers.forms import form_in, page_form
from .helpers.journeys import agree_extension, answer_public_form, case_of, complete, tasks_of
from .helpers.mail import Inbox, free_port

UTC = timezone.utc

NAME = "Philomena Ardwyck-Treharne"
EMAIL = "p.ardwyck-treharne@erasure.example"
PHONE = "07700 900481"
ADDRESS = "41 Quenby Rise, Little Hothwaite HW7 3QX"
ADJUSTMENTS = "Large print letters, please: macular degeneration"
COMMENT = "The recycling crew tipped broken glass across my drive for the third week running."
WANTED = "Sweep the glass off my drive and pay for the puncture on my Ardwyck family car"
REVIEW = "Glass still glitters on my drive and nobody has come to sweep it."
# What officers typed about her: notes, findings, the extension's reason (told to the customer too).
NOTES = f"Spoke to {NAME} on {PHONE} about the glass"
FINDINGS = f"The crew admit leaving glass outside {ADDRESS}"
EXTENSION = f"Waiting for photographs from {NAME}"
# The points of her complaint as the officer wrote them, and the reasons for their outcomes.
POINTS = ["Broken glass tipped on the drive at Quenby Rise", "Puncture to the Ardwyck family car"]
POINT_REASONS = ["The crew's camera shows glass falling by the Quenby gate", "No tyre damage was reported"]
# Her letter, attached when the comment was recorded: its name and its file go at anonymisation.
LETTER = f"Letter from {NAME}.pdf"
LETTER_PDF = b"%PDF-1.4\n% her letter about the glass on the drive (erasure test)\ntrailer << >>\n%%EOF\n"
# Each value and the parts a search would find her by.
TRACES = [NAME, "Philomena", "Ardwyck", EMAIL, "p.ardwyck-treharne", PHONE, "07700900481", "900481", ADDRESS,
          "Quenby", "HW7 3QX", ADJUSTMENTS, "macular", COMMENT, "tipped broken glass", REVIEW,
          "glitters", WANTED, "puncture on my", NOTES, FINDINGS, EXTENSION, "photographs from", *POINTS,
          "Broken glass tipped", *POINT_REASONS, "camera shows glass", "No tyre damage"]


@pytest.fixture()
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="cc@council.example")
    controller.stop()


def deliver(db, settings) -> None:
    deliver_outbox(db, settings, datetime.now(UTC), db.commit)


def submit_with_everything(client) -> str:
    """The public form with every personal field filled in; returns the reference shown."""
    check = answer_public_form(client, "complaint", COMMENT, {
        "customer_name": NAME, "customer_email": EMAIL, "customer_phone": PHONE, "customer_address": ADDRESS,
        "preferred_contact": "email", "reasonable_adjustments": ADJUSTMENTS}, outcome_wanted=WANTED)
    assert page_form(client, check, button="Send").submit().location.endswith("/comment/sent")
    return client.get("/comment/sent").text.split("data-reference>")[1].split("<")[0]


def walk_to_closed(db, client, login_as, smtp) -> str:
    """A complaint through every step a person takes: first contact, acknowledgement, an extension, the
    stage 1 response, the customer's request for a review with her reasons, stage 2 and the final response;
    every email delivered through a real SMTP server; the CRO reads the case and answers a subject access
    request."""
    inbox, settings = smtp
    with at(2026, 3, 2, 9):
        reference = submit_with_everything(client)
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": NOTES})
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email", "ack_notes": NOTES, "point-1": POINTS[0], "point-2": POINTS[1]})
        assert agree_extension(login_as("cro"), reference, 3, EXTENSION).status_code == 302
    with at(2026, 3, 9, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["respond_stage1"].id,
                 {"stage1_outcome": "partly_upheld", "stage1_findings": FINDINGS, "stage1_method": "email",
                  "point-1-outcome": "upheld", "point-1-reasons": POINT_REASONS[0],
                  "point-2-outcome": "not_upheld", "point-2-reasons": POINT_REASONS[1]})
        deliver(db, settings)
    status = f"/status/{case_of(db, reference).status_token}"
    with at(2026, 3, 10, 9):
        assert REVIEW not in client.get(status).text
        page_form(client, status, button="Ask for a review").fill("reasons", REVIEW).submit()
        complete(login_as("senior"), tasks_of(db, reference)["acknowledge_stage2"].id,
                 {"ack_method": "email", "ack_notes": NOTES})
    with at(2026, 3, 16, 9):
        complete(login_as("senior"), tasks_of(db, reference)["review_stage2"].id,
                 {"stage2_outcome": "partly_upheld", "stage2_findings": FINDINGS, "stage2_method": "email",
                  "point-1-outcome": "upheld", "point-1-reasons": POINT_REASONS[0],  # both points carried
                  "point-2-outcome": "partly_upheld", "point-2-reasons": POINT_REASONS[1]})
        deliver(db, settings)
        cro = login_as("cro")
        page = cro.get(f"/cases/{reference}").text
        # Officers read what was typed in the history (the reasons beside their lines)...
        assert NAME in page and EXTENSION in page and REVIEW in page
        answer_subject_access(cro)
    assert case_of(db, reference).status == "closed"
    assert len(inbox.to(EMAIL)) >= 4  # acknowledgement, extension, response, stage 2 acknowledgement, final
    return reference


def answer_subject_access(cro) -> None:
    found = page_form(cro, "/records/subject-access", button="Find cases").fill("Email address", EMAIL) \
        .fill("Full name", NAME).fill("Phone number", PHONE).submit()
    download = form_in(cro, found, "http://localhost/records/subject-access",
                       action="/records/subject-access/export").submit()
    assert NAME in zipfile.ZipFile(BytesIO(download.data)).read("README.txt").decode()


def as_text(value) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def every_value(db) -> dict[str, str]:
    """Every table the metadata declares and any other the database has, each row read whole as text."""
    connection = db.connection()
    names = set(Base.metadata.tables) | set(inspect(connection).get_table_names())
    held = {}
    for name in sorted(names):
        rows = connection.execute(text(f'SELECT * FROM "{name}"'))
        held[name] = "\n".join("\x1f".join(as_text(value) for value in row) for row in rows)
    return held


def traces_in(held: dict[str, str]) -> list[str]:
    return [f"{table}: {trace!r}" for table, content in held.items() for trace in TRACES
            if trace.lower() in content.lower()]


def test_after_anonymisation_no_table_holds_anything_of_the_customer(db, client, login_as, app, smtp):
    # Other tests' rows stay out of the way: only this test's customer uses these values.
    db.execute(update(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
               .values(status="sent"))
    reference = walk_to_closed(db, client, login_as, smtp)
    held = every_value(db)
    assert traces_in(held), "the walk should have left her details to erase"
    assert POINTS[0] in held["complaint_point"], "the points should have been stored"
    # ... but the audit trail, which nothing may change, never held them.
    assert traces_in({"audit_entry": held["audit_entry"]}) == []
    assert f"subject access request, found by email, name, phone: {reference}" in held["audit_entry"]
    with at(2032, 3, 17, 9):  # six years and a day after closure
        result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "Anonymised 1 closed case(s)" in result.output, result.output
    db.expire_all()
    left = traces_in(every_value(db))
    assert left == [], "\n".join(left)
    checked, broken = verify_chain(db)
    assert broken is None and checked > 0
    case = db.scalar(select(Case).filter_by(reference=reference))
    # What the statistics need survives.
    assert (case.comment_type, case.channel, case.service_area, case.status) == (
        "complaint", "web", "waste", "closed")
    assert case.received_at == datetime(2026, 3, 2, 9, tzinfo=UTC) and case.closed_at is not None
    assert [s.outcome for s in case.stages] == ["partly_upheld", "partly_upheld"]
    # The points' numbers and outcomes stay for the reports, at both stages; what they said and why went.
    assert [(p.stage, p.number, p.outcome, p.text, p.reasons) for p in case.points] == [
        ("stage1", 1, "upheld", None, None), ("stage1", 2, "not_upheld", None, None),
        ("stage2", 1, "upheld", None, None), ("stage2", 2, "partly_upheld", None, None)]


def record_by_phone_then_withdrawn(db, client, login_as) -> str:
    """A complaint a front line officer records from a phone call, the customer wanting letters; the
    acknowledgement printed and posted; then the customer withdraws it from their status page."""
    with at(2026, 3, 2, 10):
        front = login_as("frontline")
        page = page_form(front, "/cases/new").set_all({
            "comment_type": "complaint", "channel": "phone", "service_area": "waste", "comment": COMMENT,
            "customer_name": NAME, "customer_phone": PHONE, "customer_address": ADDRESS,
            "preferred_contact": "letter", "reasonable_adjustments": ADJUSTMENTS, "outcome_wanted": WANTED}) \
            .fill_date("received_at", datetime(2026, 3, 2, 9, 30)) \
            .attach("Attach files (optional)", LETTER_PDF, LETTER).submit(follow_redirects=True)
        assert page.status_code == 200, page.text[:500]
        reference = db.scalar(select(Case.reference).where(Case.customer_name == NAME))
        complete(front, tasks_of(db, reference)["first_contact"].id,
                 {"first_contact_outcome": "formal", "first_contact_notes": NOTES})
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "letter", "ack_notes": NOTES})
        front = login_as("frontline")
        (letter,) = db.scalars(select(OutboxMessage).filter_by(case_id=case_of(db, reference).id,
                                                               channel="letter"))
        assert ADDRESS in front.get(f"/cases/letters/{letter.id}").text
        assert page_form(front, "/cases/letters", button="Mark as posted").submit().status_code == 302
    with at(2026, 3, 4, 9):
        status = f"/status/{case_of(db, reference).status_token}"
        page_form(client, status, button="Withdraw").check("confirm", "yes").submit()
    assert case_of(db, reference).status == "closed"
    return reference


def test_a_case_taken_by_phone_with_letters_and_withdrawn_is_forgotten_too(db, client, login_as, app):
    reference = record_by_phone_then_withdrawn(db, client, login_as)
    (letter,) = case_of(db, reference).attachments
    sha256 = letter.sha256
    stored = path_of(app.config["ATTACHMENTS_DIR"], sha256)
    assert letter.original_name == LETTER and stored.read_bytes() == LETTER_PDF
    assert traces_in(every_value(db))
    with at(2032, 3, 5, 9):
        result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert "Anonymised 1 closed case(s)" in result.output, result.output
    db.expire_all()
    left = traces_in(every_value(db))
    assert left == [], "\n".join(left)
    assert verify_chain(db)[1] is None
    assert not stored.exists() and not db.scalars(select(Attachment).filter_by(sha256=sha256)).all()


def test_a_line_a_template_or_a_name_brings_the_customers_details_into_names_them_instead(db, users):
    """The second defence: should a process owner's message subject say "Dear {{ customer_name }}", the
    history line and the audit entry say what was there, not who."""
    case = record_case(db, users["frontline"], customer_name=NAME, customer_email=EMAIL, customer_phone=PHONE)
    record_event(db, case, None, "message", f"Message to the customer, emailed: Dear {NAME.upper()} "
                                            f"({EMAIL}, {PHONE}), about Philomena's bin")
    db.commit()
    line = db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="message")
                      .order_by(CaseEvent.id.desc())).first()
    # Whole values, in any capitals; a part of one ("Philomena's") is not found: lines must not quote at all.
    assert line == ("Message to the customer, emailed: Dear [the customer's name] ([the customer's email "
                    "address], [the customer's phone number]), about Philomena's bin")
    assert db.scalars(select(AuditEntry.detail).filter_by(case_reference=case.reference)
                      .order_by(AuditEntry.id.desc())).first() == line
