"""Representatives and consent (issue 20): an officer records who acts for the customer on the case page, the
customer's messages go where the consent says, the MP and councillor enquiries are counted, the exports hold
them and anonymisation forgets them."""
import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from models import AuditEntry, CaseEvent, OutboxMessage, Representative
from processes.messaging.outbox import SmtpSettings, deliver_outbox
from processes.records.retention import anonymise_case
from processes.reporting.figures import Filters, elected_enquiries

from .helpers.cases import record_case
from .helpers.forms import form_in, page_form
from .helpers.journeys import case_of, complete, tasks_of
from .helpers.mail import Inbox, free_port
from .test_erasure import every_value

UTC = timezone.utc
MP = {"rep_name": "Ottoline Marchbanks-Vey MP", "rep_email": "o.marchbanks-vey@parliament.example",
      "rep_phone": "020 7946 0833", "rep_address": "House of Commons, Westminster SW1A 0AA"}
CUSTOMER_EMAIL = "constituent.quillfeather@example.org"


@pytest.fixture()
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="cc@council.example")
    controller.stop()


def rep_form(client, reference: str, relation: str = "mp", covers=("consent_to_act", "consent_to_replies"),
             **fields):
    form = page_form(client, f"/cases/{reference}", button="Record representative")
    for name, value in {**MP, **fields}.items():
        form.fill(name, value)
    form.choose("rep_relation", relation).choose("consent_how", "signed_form")
    form.fill_date("consent_date", date.today() - timedelta(days=3))
    if covers:
        form.check("consent_covers", *covers)
    return form


def test_an_officer_records_a_representative_on_the_case_page(db, users, login_as):
    case = record_case(db, users["frontline"], customer_email=CUSTOMER_EMAIL)
    officer = login_as("frontline")
    assert rep_form(officer, case.reference).submit().status_code == 302
    page = officer.get(f"/cases/{case.reference}").text
    assert MP["rep_name"] in page and "A signed form" in page and "to receive replies" in page
    (rep,) = case_of(db, case.reference).representatives
    assert (rep.relation, rep.consent_to_act, rep.consent_to_replies, rep.consent_to_personal) == (
        "mp", True, True, False)
    line = db.scalar(select(CaseEvent).filter_by(case_id=case.id, kind="representative"))
    assert "name" in line.summary and "email address" in line.summary
    entries = " ".join(e.detail for e in db.scalars(select(AuditEntry)
                                                    .filter_by(case_reference=case.reference)))
    for value in MP.values():  # the history and the audit trail name the fields, never the values
        assert value not in line.summary and value not in entries


@pytest.mark.parametrize("fields, relation, covers, field, message", [
    ({"rep_name": ""}, "mp", ("consent_to_act",), "rep_name", "Enter the representative"),
    ({"rep_name": "Evil\r\nBcc: all@example.com"}, "mp", ("consent_to_act",), "rep_name", "line breaks"),
    ({"rep_name": "x" * 5000}, "mp", ("consent_to_act",), "rep_name", "no more than 200"),
    ({"rep_email": "not an address<script>"}, "mp", ("consent_to_act",), "rep_email", "correct format"),
    ({"rep_email": "", "rep_phone": "", "rep_address": ""}, "mp", ("consent_to_act",), "rep_email",
     "at least one way"),
    ({}, "other", ("consent_to_act",), "rep_relation_other", "Enter the relationship"),
    ({}, "mp", (), "consent_covers", "what the customer"),
])
def test_hostile_or_missing_details_are_refused_beside_the_field(db, users, login_as, fields, relation,
                                                                 covers, field, message):
    case = record_case(db, users["frontline"])
    officer = login_as("frontline")
    response = rep_form(officer, case.reference, relation, covers, **fields).submit()
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and message in response.text
    assert "<script>" not in response.text
    assert case_of(db, case.reference).representatives == []


def test_forged_choices_dates_and_outsiders_are_refused(db, users, login_as, client):
    case = record_case(db, users["frontline"])
    officer = login_as("frontline")
    form = rep_form(officer, case.reference)
    url = f"/cases/{case.reference}/representatives"
    token = form.hidden("csrf_token")
    base = {"csrf_token": token, **MP, "rep_relation": "mp", "consent_how": "phone",
            "consent_covers": "consent_to_act", "consent_date-day": "1", "consent_date-month": "3",
            "consent_date-year": "2026"}
    for bad, field in [({"rep_relation": "king"}, "rep_relation"),
                       ({"consent_how": "telepathy"}, "consent_how"),
                       ({"consent_covers": "everything"}, "consent_covers"),
                       ({"consent_date-year": "3026"}, "consent_date"),
                       ({"consent_date-month": "13"}, "consent_date"),
                       ({"consent_date-day": "١"}, "consent_date")]:
        response = officer.post(url, data={**base, **bad})
        assert response.status_code == 400 and f'id="{field}-error"' in response.text, bad
    # Not signed in: the CSRF token is not of its session, or it is sent to sign in; never recorded.
    assert client.post(url, data=base).status_code in (302, 400, 401, 403)
    reader = login_as("reports")  # signed in, with a good token of their own, but no business with cases
    own = reader.get("/reports/").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert reader.post(url, data={**base, "csrf_token": own}).status_code == 403
    assert case_of(db, case.reference).representatives == []


def quiet_earlier_mail(db):
    """Other tests' rows stay out of this test's inbox."""
    db.execute(update(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
               .values(status="sent"))


def deliver(db, settings):
    deliver_outbox(db, settings, datetime.now(UTC), db.commit)


def acknowledge(db, login_as, reference):
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Called back"})
    complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
             {"ack_method": "email", "ack_notes": "Sent"})


def test_replies_go_to_the_representative_when_the_consent_covers_them(db, users, login_as, smtp):
    inbox, settings = smtp
    quiet_earlier_mail(db)
    case = record_case(db, users["frontline"], customer_email=CUSTOMER_EMAIL,
                       customer_name="Agnes Quillfeather")
    assert rep_form(login_as("frontline"), case.reference).submit().status_code == 302
    acknowledge(db, login_as, case.reference)
    deliver(db, settings)
    assert inbox.to(CUSTOMER_EMAIL) == []
    received = inbox.to(MP["rep_email"])
    assert received, "the acknowledgement should have gone to the MP"
    assert "on behalf of Agnes Quillfeather" in received[0].get_content()


def test_without_consent_to_replies_the_customer_is_written_to_and_a_copy_goes_as_consent_allows(
        db, users, login_as, smtp):
    inbox, settings = smtp
    quiet_earlier_mail(db)
    case = record_case(db, users["frontline"], customer_email=CUSTOMER_EMAIL)
    other = record_case(db, users["frontline"], customer_email="second." + CUSTOMER_EMAIL)
    officer = login_as("frontline")
    assert rep_form(officer, case.reference, covers=("consent_to_act", "consent_to_personal")).submit() \
        .status_code == 302
    assert rep_form(officer, other.reference, covers=("consent_to_act",),
                    rep_email="only.acts@example.org").submit().status_code == 302
    acknowledge(db, login_as, case.reference)
    acknowledge(db, login_as, other.reference)
    deliver(db, settings)
    assert inbox.to(CUSTOMER_EMAIL) and inbox.to("second." + CUSTOMER_EMAIL)
    (copy,) = inbox.to(MP["rep_email"])
    assert copy["Subject"].startswith("Copy: ") and "on behalf of" in copy.get_content()
    assert inbox.to("only.acts@example.org") == []  # acting for them is not seeing their replies


def test_mp_and_councillor_enquiries_are_counted_in_the_reports(db, users, login_as):
    when = datetime(2025, 2, 10, 10, tzinfo=UTC)
    made = {"mp": 2, "councillor": 1, "relative": 1}
    officer = login_as("cro")
    for relation, count in made.items():
        for n in range(count):
            case = record_case(db, users["frontline"], received_at=when + timedelta(hours=n))
            extra = {"rep_relation_other": ""} if relation != "other" else {}
            assert rep_form(officer, case.reference, relation, **extra).submit().status_code == 302
    plain = record_case(db, users["frontline"], received_at=when)
    assert plain.representatives == []
    table = elected_enquiries(db, Filters(date(2025, 2, 1), date(2025, 2, 28)))
    assert table.rows == [["MP", 2], ["Councillor", 1]]
    page = officer.get("/reports/?from=2025-02-01&to=2025-02-28").text
    assert "MP and councillor enquiries" in page


def test_the_exports_hold_the_representative_and_subject_access_finds_them(db, users, login_as):
    case = record_case(db, users["frontline"])
    cro = login_as("cro")
    assert rep_form(cro, case.reference).submit().status_code == 302
    download = cro.get(f"/records/cases/{case.reference}/file")
    if download.status_code == 404:  # the route's name, read from the page's own link
        link = cro.get(f"/cases/{case.reference}").text.split('href="')
        url = next(part.split('"')[0] for part in link if "file" in part.split('"')[0] and "records" in part)
        download = cro.get(url)
    record = json.loads(zipfile.ZipFile(BytesIO(download.data)).read("case.json"))
    assert record["representatives"][0]["name"] == MP["rep_name"]
    found = page_form(cro, "/records/subject-access", button="Find cases").fill(
        "Email address", MP["rep_email"]).submit()
    assert case.reference in found.text
    export = form_in(cro, found, "http://localhost/records/subject-access",
                     action="/records/subject-access/export").submit()
    held = zipfile.ZipFile(BytesIO(export.data)).read(f"{case.reference}/case.json").decode()
    assert MP["rep_name"] in held


def test_anonymisation_forgets_the_representative(db, users, login_as, smtp):
    inbox, settings = smtp
    case = record_case(db, users["frontline"], customer_email=CUSTOMER_EMAIL)
    assert rep_form(login_as("frontline"), case.reference).submit().status_code == 302
    acknowledge(db, login_as, case.reference)
    deliver(db, settings)
    traces = [*MP.values(), "Marchbanks", "o.marchbanks-vey", "02079460833", "SW1A 0AA"]
    held = every_value(db)
    assert any(t in text for t in traces for text in held.values())
    anonymise_case(db, case_of(db, case.reference), datetime.now(UTC))
    db.commit()
    db.expire_all()
    left = [f"{table}: {t}" for table, text in every_value(db).items() for t in traces
            if t.lower() in text.lower()]
    assert left == []
    (rep,) = db.scalars(select(Representative).filter_by(case_id=case.id))
    assert rep.relation == "mp"  # the statistics keep that an MP wrote


def staff_record(officer, **rep):
    form = page_form(officer, "/cases/new").set_all({
        "comment_type": "complaint", "channel": "letter", "service_area": "waste",
        "comment": "My constituent's bins have been missed for a month.",
        "customer_name": "Cedric Pennywhistle",
        "customer_address": "3 Mill Lane, Ambergate", "preferred_contact": "letter"})
    form.fill_date("received_at", datetime(2026, 3, 2, 9, 30))
    if rep:
        form.choose("for_someone_else", "yes")
        for name, value in rep.items():
            form.fill(name, value)
        form.choose("rep_relation", "councillor").choose("consent_how", "writing")
        form.fill_date("consent_date", date(2026, 2, 27)).check("consent_covers", "consent_to_replies")
    return form.submit()


def test_the_staff_record_form_takes_a_representative_at_intake(db, login_as):
    officer = login_as("frontline")
    refused = staff_record(officer, rep_name="Cllr Hortensia Blenkinsop", rep_email="bad address")
    assert refused.status_code == 400 and 'id="rep_email-error"' in refused.text
    assert 'value="Cllr Hortensia Blenkinsop"' in refused.text  # what was typed is kept
    assert db.scalar(select(Representative).filter_by(name="Cllr Hortensia Blenkinsop")) is None
    done = staff_record(officer, rep_name="Cllr Hortensia Blenkinsop",
                        rep_email="h.blenkinsop@council.example")
    assert done.status_code == 302, done.text[:500]
    rep = db.scalar(select(Representative).filter_by(name="Cllr Hortensia Blenkinsop"))
    assert (rep.relation, rep.consent_to_replies, rep.consent_date) == ("councillor", True, date(2026, 2, 27))
    assert staff_record(officer).status_code == 302  # "No" (the default) records none


def test_an_mp_writes_for_a_constituent_on_the_public_form_and_replies_go_to_the_mp(db, client, login_as,
                                                                                   smtp):
    inbox, settings = smtp
    quiet_earlier_mail(db)
    about = {"customer_name": "Agatha Thistlewood", "customer_email": CUSTOMER_EMAIL,
             "preferred_contact": "email", "for_someone_else": "yes", "rep_name": MP["rep_name"],
             "rep_relation": "mp", "rep_email": MP["rep_email"], "consent_how": "email",
             "consent_date": {"day": "1", "month": "3", "year": "2026"},
             "consent_covers": ["consent_to_act", "consent_to_replies"]}
    refused = page_form(client, "/comment/type").set_all({"comment_type": "complaint"}).submit()
    url = page_form(client, refused.location).set_all({"service_area": "waste"}).submit().location
    url = page_form(client, url).set_all({"comment": "My constituent's road is never gritted."}) \
        .submit().location
    missing = page_form(client, url).set_all({**about, "consent_covers": [], "rep_name": ""}).submit()
    assert missing.status_code == 400 and "Enter your name, as their representative" in missing.text
    check = form_in(client, missing, url).set_all(about).submit().location
    assert check.endswith("/comment/check")
    assert page_form(client, check, button="Send").submit().location.endswith("/comment/sent")
    reference = client.get("/comment/sent").text.split("data-reference>")[1].split("<")[0]
    (rep,) = case_of(db, reference).representatives
    assert (rep.name, rep.recorded_by_id, rep.consent_to_replies) == (MP["rep_name"], None, True)
    acknowledge(db, login_as, reference)
    deliver(db, settings)
    assert inbox.to(CUSTOMER_EMAIL) == [] and inbox.to(MP["rep_email"])
    assert "on behalf of Agatha Thistlewood" in inbox.to(MP["rep_email"])[0].get_content()
    assert MP["rep_name"] in login_as("frontline").get(f"/cases/{reference}").text
