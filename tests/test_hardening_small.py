"""The smaller findings of a penetration test (issue 19, item 7): amounts that are not numbers, addresses that
carry headers, diagrams in another encoding, spreadsheet formulas in exports and pages left in the cache."""
import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app.csv_files import csv_response
from models import OutboxMessage
from processes.diagrams.forms import validate_form
from processes.engine import BpmnError, safe_xml_tree
from processes.messaging.outbox import SmtpSettings, UnsafeHeader, build_email, deliver_outbox
from processes.records.audit import audit
from processes.reporting.figures import Table
from werkzeug.datastructures import MultiDict

from .helpers.definitions import shipped_forms
from .helpers.forms import page_form
from .helpers.journeys import answer_page, at_stage1_response, case_of, submit_online, tasks_of
from .helpers.pages import error_messages

ROOT = Path(__file__).resolve().parent.parent
AMOUNT = "Financial remedy must be an amount in pounds, like 50 or 125.50"
EMAIL = "Enter an email address in the correct format, like name@example.com"
HEADER_INJECTIONS = ["x@y\nBcc: z@example.org", "jo@example.com\r\nBcc: z@example.org",
                     "Jo <jo@example.com>", "jo@example.com, z@example.org", "jo@@example.com"]


def test_an_amount_that_is_not_a_finite_number_in_pounds_is_refused_beside_the_field(client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    url = f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}"
    for amount in ["nan", "NaN", "inf", "-Infinity", "-0", "1e400", "1" + "0" * 400, "١٢", "0x10"]:
        response = page_form(investigator, url, button="Complete task").set_all({
            "stage1_outcome": "upheld", "stage1_findings": "Yes.", "stage1_method": "email",
            "stage1_remedies": ["apology", "financial"], "stage1_financial_amount": amount,
            "point-1-outcome": "upheld", "point-1-reasons": "Missed."}).submit()
        assert response.status_code == 400, amount
        assert error_messages(response.text) == [AMOUNT], amount
    assert "respond_stage1" in tasks_of(db, reference)


def test_amounts_in_plain_pounds_are_still_read():
    definition = shipped_forms()["stage1_response"]
    for typed, read in [("50", 50), ("125.50", 125.5), ("£1,000", 1000), (".5", 0.5)]:
        result = validate_form(definition, MultiDict({"stage1_financial_amount": typed}),
                               only={"stage1_financial_amount"})
        assert (result.errors, result.values["stage1_financial_amount"]) == ({}, read), typed


@pytest.mark.parametrize("address", HEADER_INJECTIONS)
def test_the_public_form_refuses_an_address_that_is_not_one_address(client, address):
    answer_page(client, "/comment/type", {"comment_type": "query"})
    # Browsers strip line breaks from an email box: a tampered post, as someone editing the request sends it.
    response = page_form(client, "/comment/about-you", button="Continue") \
        .set_all({"customer_name": "Jo", "preferred_contact": "email"}) \
        .tamper("customer_email", address).submit()
    assert response.status_code == 400
    assert error_messages(response.text) == [EMAIL]


@pytest.mark.parametrize("address", HEADER_INJECTIONS[:3])
def test_the_staff_record_form_refuses_an_address_that_is_not_one_address(login_as, address):
    response = page_form(login_as("frontline"), "/cases/new").set_all({
        "comment_type": "complaint", "channel": "phone", "service_area": "housing", "comment": "Phoned.",
        "received_at": datetime(2026, 3, 2, 9, 0), "customer_name": "Pat", "preferred_contact": "email"}) \
        .tamper("customer_email", address).submit()
    assert response.status_code == 400
    assert error_messages(response.text) == [EMAIL]


def test_ordinary_addresses_are_still_accepted(client, db):
    reference = submit_online(client, "query", customer_name="Jo",
                              customer_email="jo.o'brien+council@example.co.uk", preferred_contact="email")
    assert case_of(db, reference).customer_email == "jo.o'brien+council@example.co.uk"


def test_a_header_with_a_line_break_is_never_sent_and_never_retried(db):
    settings = SmtpSettings(host="127.0.0.1", port=9)  # never reached: the message fails before it is sent
    with pytest.raises(UnsafeHeader):
        build_email(OutboxMessage(id=1, to_address="jo@example.com", subject="Hi\r\nBcc: z@example.org",
                                  body="."), settings)
    db.execute(OutboxMessage.__table__.update().where(OutboxMessage.status.in_(("pending", "sending")))
               .values(status="sent"))
    message = OutboxMessage(audience="staff", channel="email", template="t", subject="Hello",
                            to_address="x@y\nBcc: z@example.org", body=".", status="pending", attempts=0,
                            next_attempt_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    db.add(message)
    db.commit()
    assert deliver_outbox(db, settings, datetime.now(timezone.utc), db.commit) == (0, 1)
    db.refresh(message)
    assert message.status == "failed" and "line break" in message.last_error


DOCTYPE_DIAGRAM = ('<?xml version="1.0" encoding="{}"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
                   '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</definitions>')


@pytest.mark.parametrize("encoding, declared", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                                ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32"),
                                                ("utf-7", "UTF-7"), ("latin-1", "ISO-8859-1")])
def test_a_diagram_in_any_encoding_but_utf8_is_refused(encoding, declared):
    with pytest.raises(BpmnError, match="must be saved as UTF-8"):
        safe_xml_tree(DOCTYPE_DIAGRAM.format(declared).encode(encoding))


def test_utf8_and_ascii_diagrams_are_read():
    assert safe_xml_tree("<a>café</a>".encode()).text == "café"
    assert safe_xml_tree(b'\xef\xbb\xbf<?xml version="1.0" encoding="us-ascii"?><a/>').tag == "a"
    assert safe_xml_tree(b'<?xml version="1.0" encoding="UTF-8"?><a/>').tag == "a"


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_audit_csv_writes_formulas_as_text(client, db, login_as):
    reference = submit_online(client)
    audit(db, "=HYPERLINK(\"http://evil.example\")", "+1+2", "@SUM(A1)", reference)
    audit(db, None, "-2+3", "\t=1", reference)
    audit(db, None, "\r=1", "plain - text", reference)
    db.commit()
    exported = rows(login_as("admin").get(f"/audit/export.csv?reference={reference}").text)
    cells = {cell for row in exported[1:] for cell in row[2:6]}
    assert {"'=HYPERLINK(\"http://evil.example\")", "'+1+2", "'@SUM(A1)", "'-2+3", "'\t=1", "'\r=1",
            "plain - text"} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in exported for cell in row)


def test_report_tables_write_formulas_as_text_and_numbers_as_numbers(app):
    table = Table("t", "T", ["=Stage", "Count"], [["=cmd|' /C calc'!A0", -3], ["-1", None], ["Stage 1", 2.5]])
    with app.test_request_context():
        response = csv_response(table.headers, table.rows, "t.csv")
    assert rows(response.get_data(as_text=True)) == [["'=Stage", "Count"], ["'=cmd|' /C calc'!A0", "-3"],
                                                     ["'-1", ""], ["Stage 1", "2.5"]]


def test_every_csv_the_app_writes_goes_through_the_one_helper():
    writers = {str(p.relative_to(ROOT)) for folder in ("app", "processes", "models")
               for p in (ROOT / folder).rglob("*.py")
               if "csv.writer" in p.read_text() or "DictWriter" in p.read_text()}
    assert writers == {"app/csv_files.py"}


def test_staff_and_customer_pages_with_personal_data_are_never_cached(client, db, login_as):
    reference = submit_online(client)
    case = case_of(db, reference)
    customer = [f"/status/{case.status_token}", "/status/", "/comment/type", "/comment/sent"]
    for url in customer:
        response = client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", url
    cro = login_as("cro")
    task = tasks_of(db, reference)["first_contact"]
    letters = db.scalars(select(OutboxMessage.id).where(OutboxMessage.channel == "letter")).all()
    staff = [f"/cases/{reference}", f"/tasks/{task.id}", "/tasks/", "/audit/export.csv", "/audit/",
             "/reports/by-type.csv", "/cases/letters", *[f"/cases/letters/{i}" for i in letters[:1]]]
    for url in staff:
        response = cro.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url
    stylesheet = cro.get("/assets/" + cro.get("/tasks/").text.split('href="/assets/', 1)[1].split('"')[0])
    assert stylesheet.status_code == 200 and stylesheet.headers.get("Cache-Control") != "no-store"
