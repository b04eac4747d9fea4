"""Representatives changed and withdrawn (issue 20): an officer changes a representative's details or the
consent on the case page, or records that the consent was withdrawn or that they stopped acting; messages go
where the consent now says, the consent's history is shown, and the records keep and later forget them."""
import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import lxml.html
import pytest
from sqlalchemy import select

from models import AuditEntry, CaseEvent, ConsentRecord, OutboxMessage, Representative, User
from processes.cases.representatives import add_representative, change_representative, end_representative
from processes.cases.submission import submit_comment
from processes.errors import Conflict, NotAllowed, ProcedureError
from processes.records.retention import anonymise_case

from .helpers.cases import SATISFIED, record_case
from .helpers.forms import form_in, page_form
from .helpers.journeys import case_of, complete, tasks_of
from .test_erasure import every_value
from . import test_concurrency as overlapping
from . import test_representatives as recorded
from .test_representatives import CUSTOMER_EMAIL, MP, acknowledge, deliver, quiet_earlier_mail, rep_form
from .test_visibility import create_account, signed_in

UTC = timezone.utc
smtp = recorded.smtp  # the fixture: a real SMTP server
sessions = overlapping.sessions  # the fixture: separate sessions that commit, so that two truly overlap
GIVEN = date.today() - timedelta(days=3)


def with_mp(db, users, login_as, who="frontline", covers=("consent_to_act", "consent_to_replies"), **case):
    """A complaint with its customer's MP recorded on the case page, and the officer who recorded them."""
    found = record_case(db, users["frontline"], customer_email=CUSTOMER_EMAIL,
                        customer_name="Agnes Quillfeather", **case)
    officer = login_as(who)
    assert rep_form(officer, found.reference, covers=covers).submit().status_code == 302
    return found, officer


def change_page(client, reference: str) -> str:
    """The address the case page's link to change the (one) representative leads to."""
    page = lxml.html.fromstring(client.get(f"/cases/{reference}").text)
    (link,) = page.xpath('//a[starts-with(normalize-space(.), "Change details or consent")]/@href')
    return link


def messages_go_to(client, reference: str) -> str:
    """What the case page says of where the customer's messages go."""
    page = lxml.html.fromstring(client.get(f"/cases/{reference}").text)
    return " ".join(page.xpath("//*[@data-messages-go-to]")[0].text_content().split())


def withdraw_form(client, reference: str, ending="consent_withdrawn", on=None, how="phone"):
    form = page_form(client, change_page(client, reference), button="Record that they no longer act")
    form.choose("ending", ending).choose("ended_how", how)
    return form.fill_date("ended_on", on or date.today())


def history(db, case) -> list[str]:
    return [e.summary for e in db.scalars(select(CaseEvent).filter_by(case_id=case.id, kind="representative")
                                          .order_by(CaseEvent.id))]


def audit_text(db, case) -> str:
    return " ".join(e.detail for e in db.scalars(select(AuditEntry).filter_by(case_reference=case.reference)))


def test_an_officer_changes_the_details_and_the_consent(db, users, login_as):
    case, officer = with_mp(db, users, login_as)
    form = page_form(officer, change_page(officer, case.reference), button="Save changes")
    assert form.hidden("row_version") == "1"
    form.fill("Email address", "ottoline.mp@parliament.example").fill("Phone number", "")
    form.uncheck("consent_covers", "consent_to_replies").check("consent_covers", "consent_to_personal")
    form.fill_date("consent_date", date.today() - timedelta(days=1)).choose("consent_how", "email")
    assert form.submit().status_code == 302
    (rep,) = case_of(db, case.reference).representatives
    assert (rep.email, rep.phone, rep.name) == ("ottoline.mp@parliament.example", None, MP["rep_name"])
    assert (rep.consent_how, rep.consent_to_replies, rep.consent_to_personal, rep.row_version) == (
        "email", False, True, 2)
    assert [(c.kind, c.how, c.to_replies, c.to_personal) for c in rep.consent_history] == [
        ("given", "signed_form", True, False), ("changed", "email", False, True)]
    line = history(db, case)[-1]
    assert line == ("Fran Front changed the MP's details (email address, phone "
                    "number) and the consent (how it was given, its date, what it covers)")
    for value in (*MP.values(), "ottoline.mp@parliament.example"):  # fields named, never the values
        assert value not in line and value not in audit_text(db, case)
    page = officer.get(f"/cases/{case.reference}").text
    assert "Consent changed on" in page and "Consent given on" in page


def test_change_errors_are_shown_beside_the_fields_with_what_was_typed(db, users, login_as):
    case, officer = with_mp(db, users, login_as)
    form = page_form(officer, change_page(officer, case.reference), button="Save changes")
    refused = form.fill("Email address", "not an address").uncheck("consent_covers").submit()
    assert refused.status_code == 400
    assert 'id="rep_email-error"' in refused.text and 'id="consent_covers-error"' in refused.text
    assert 'value="not an address"' in refused.text
    unchanged = page_form(officer, change_page(officer, case.reference), button="Save changes").submit()
    assert unchanged.status_code == 302  # back to the form, told so
    assert "Nothing was changed" in officer.get(unchanged.location).text
    (rep,) = case_of(db, case.reference).representatives
    assert (rep.email, rep.row_version, len(rep.consent_history)) == (MP["rep_email"], 1, 1)


def test_a_withdrawn_consent_sends_the_customers_messages_to_the_customer(db, users, login_as, smtp):
    inbox, settings = smtp
    quiet_earlier_mail(db)
    case, officer = with_mp(db, users, login_as)
    assert messages_go_to(officer, case.reference) == ("Messages to the customer go to their representative "
                                                       "(MP) instead of the customer.")
    url = change_page(officer, case.reference)
    assert withdraw_form(officer, case.reference).submit().status_code == 302
    ended = officer.get(url).text  # their page now says so, with nothing left to change
    assert "they no longer act for the customer" in ended and "Save changes" not in ended
    acknowledge(db, login_as, case.reference)
    deliver(db, settings)
    assert inbox.to(MP["rep_email"]) == []
    (ack,) = inbox.to(CUSTOMER_EMAIL)
    assert "on behalf of" not in ack.get_content()
    (rep,) = case_of(db, case.reference).representatives
    assert (rep.ended, rep.ended_on, rep.ended_how) == ("consent_withdrawn", date.today(), "phone")
    assert [c.kind for c in rep.consent_history] == ["given", "consent_withdrawn"]
    assert history(db, case)[-1] == ("Fran Front recorded that the customer withdrew their consent for "
                                     "the MP (date and how we were told)")
    page = officer.get(f"/cases/{case.reference}").text
    assert MP["rep_name"] in page and "data-ended>Consent withdrawn" in page  # shown, not deleted
    assert "Consent withdrawn on" in page and "Change details or consent" not in page
    assert messages_go_to(officer, case.reference) == "Messages to the customer go to the customer."


def test_a_representative_who_stopped_acting_gets_no_copy(db, users, login_as, smtp):
    inbox, settings = smtp
    quiet_earlier_mail(db)
    case, officer = with_mp(db, users, login_as, covers=("consent_to_act", "consent_to_personal"))
    assert messages_go_to(officer, case.reference) == ("Messages to the customer go to the customer, with a "
                                                       "copy to their representative.")
    assert withdraw_form(officer, case.reference, "stopped_acting", how="email").submit().status_code == 302
    acknowledge(db, login_as, case.reference)
    deliver(db, settings)
    assert inbox.to(CUSTOMER_EMAIL) and inbox.to(MP["rep_email"]) == []
    assert "data-ended>Stopped acting" in officer.get(f"/cases/{case.reference}").text


@pytest.mark.parametrize("ending, on, how, field, message", [
    (None, None, None, "ending", "Select whether the consent was withdrawn"),
    ("consent_withdrawn", date.today() + timedelta(days=1), "phone", "ended_on", "today or in the past"),
    ("consent_withdrawn", GIVEN - timedelta(days=1), "phone", "ended_on", "on or after the date of consent"),
    ("consent_withdrawn", {"day": "31", "month": "2", "year": "2026"}, "phone", "ended_on", "real date"),
    ("consent_withdrawn", {"day": "١", "month": "3", "year": "2026"}, "phone", "ended_on", "real date"),
    ("stopped_acting", date.today(), None, "ended_how", "Select how we were told"),
])
def test_a_withdrawal_is_refused_beside_the_field(db, users, login_as, ending, on, how, field, message):
    case, officer = with_mp(db, users, login_as)
    form = page_form(officer, change_page(officer, case.reference), button="Record that they no longer act")
    if ending:
        form.choose("ending", ending)
    if how:
        form.choose("ended_how", how)
    if isinstance(on, dict):
        form.fill_date("ended_on", **on)
    elif on:
        form.fill_date("ended_on", on)
    refused = form.submit()
    assert refused.status_code == 400
    assert f'id="{field}-error"' in refused.text and message in refused.text
    assert f'href="#{field}{"-day" if field == "ended_on" else ""}"' in refused.text  # the summary's link
    assert 'value="Ottoline Marchbanks-Vey MP"' in refused.text  # the change form shows them as they are
    assert case_of(db, case.reference).representatives[0].acting


def test_forged_endings_are_refused(db, users, login_as):
    case, officer = with_mp(db, users, login_as)
    form = withdraw_form(officer, case.reference)
    assert form.tamper("ending", "deleted").submit().status_code == 400
    assert withdraw_form(officer, case.reference).tamper("ended_how", "pigeon").submit().status_code == 400
    assert case_of(db, case.reference).representatives[0].acting


def test_of_two_officers_changing_one_representative_the_second_is_told(db, users, login_as):
    case, first = with_mp(db, users, login_as)
    second = login_as("cro")
    url = change_page(first, case.reference)
    mine = page_form(first, url, button="Save changes").fill("Phone number", "020 7946 0999")
    theirs = page_form(second, url, button="Save changes").fill("Phone number", "020 7946 0111")
    late_withdrawal = withdraw_form(second, case.reference)
    assert mine.submit().status_code == 302
    told = theirs.submit()
    assert told.status_code == 302 and told.location.endswith(url)
    assert "Someone else changed this representative" in second.get(told.location).text
    assert late_withdrawal.submit().status_code == 302
    (rep,) = case_of(db, case.reference).representatives
    assert (rep.phone, rep.acting, rep.row_version) == ("020 7946 0999", True, 2)
    assert page_form(second, url, button="Save changes").hidden("row_version") == "2"  # reloaded: goes on


def test_two_changes_at_the_same_moment_one_wins_and_the_other_is_told(sessions):
    setup = sessions()
    cro = setup.scalar(select(User).filter_by(email="cro@example.org"))
    details = {"comment_type": "complaint", "service_area": "waste", "comment": "Bins", "customer_name": "Jo"}
    case = submit_comment(setup, cro, details, "phone", datetime.now(UTC))
    # Committed for good, as a real request's are: details of its own, never other tests' traces.
    theirs = {**rep_values(), "rep_name": "Cllr Overlap", "rep_email": "overlap@council.example",
              "rep_phone": "01632 960000", "rep_address": "Town Hall"}
    add_representative(setup, cro, case, theirs)
    setup.commit()
    first, second = sessions(), sessions()
    reps = [s.get(Representative, case.representatives[0].id) for s in (first, second)]  # both read v1
    actors = [s.scalar(select(User).filter_by(email="cro@example.org")) for s in (first, second)]
    change_representative(first, actors[0], reps[0], {**theirs, "rep_phone": "01632 960999"}, 1)
    first.commit()
    with pytest.raises(Conflict, match="Someone else changed this representative"):
        change_representative(second, actors[1], reps[1], {**theirs, "rep_phone": "01632 960111"}, 1)
    second.rollback()
    saved = sessions().get(Representative, reps[0].id)
    assert (saved.phone, saved.row_version, len(saved.consent_history)) == ("01632 960999", 2, 1)


def test_refused_where_it_does_not_apply(app, db, users, login_as, client):
    case, officer = with_mp(db, users, login_as)
    admin = login_as("admin")
    assert create_account(admin, "hana@example.org", ["front_line_officer"], ["housing"]).status_code == 302
    housing = signed_in(app, "hana@example.org")  # not her service area's case: not her case
    url = change_page(officer, case.reference)
    assert housing.get(url).status_code == 403
    assert admin.get(url).status_code == 403  # administrators see cases but do not act on them
    assert client.get(url).status_code == 302  # not signed in
    hana = db.scalar(select(User).filter_by(email="hana@example.org"))
    rep = case_of(db, case.reference).representatives[0]
    with pytest.raises(NotAllowed, match="outside your service areas"):
        end_representative(db, hana, rep, {}, rep.row_version)
    assert officer.get(f"/cases/{case.reference}/representatives/{2**64}").status_code == 404

    withdrawal = withdraw_form(officer, case.reference)  # rendered before the case is anonymised
    anonymise_case(db, case_of(db, case.reference), datetime.now(UTC))
    db.commit()
    told = withdrawal.submit()
    assert "This case has been anonymised" in officer.get(told.location).text
    assert "Change details or consent" not in officer.get(f"/cases/{case.reference}").text
    assert case_of(db, case.reference).representatives[0].acting


def test_a_closed_cases_consent_can_still_be_withdrawn_but_not_changed(db, users, login_as):
    case, officer = with_mp(db, users, login_as)
    complete(officer, tasks_of(db, case.reference)["first_contact"].id,
             {**SATISFIED, "first_contact_notes": "Sorted on the phone"})
    assert case_of(db, case.reference).status == "closed"
    frontline = db.scalar(select(User).filter_by(email="frontline@example.org"))
    rep = case_of(db, case.reference).representatives[0]
    with pytest.raises(ProcedureError, match="This case is closed"):
        change_representative(db, frontline, rep, rep_values(), rep.row_version)
    page = officer.get(change_page(officer, case.reference)).text
    assert "Save changes" not in page
    assert withdraw_form(officer, case.reference).submit().status_code == 302
    rep = case_of(db, case.reference).representatives[0]
    assert not rep.acting
    with pytest.raises(ProcedureError, match="no longer acts for the customer"):
        end_representative(db, frontline, rep, {}, rep.row_version)


def rep_values() -> dict:
    return {**MP, "rep_relation": "mp", "consent_how": "phone", "consent_covers": ["consent_to_act"],
            "consent_date-day": str(GIVEN.day), "consent_date-month": str(GIVEN.month),
            "consent_date-year": str(GIVEN.year)}


def test_the_records_keep_a_withdrawn_representative_and_anonymisation_forgets_them(db, users, login_as):
    case, officer = with_mp(db, users, login_as)
    form = page_form(officer, change_page(officer, case.reference), button="Save changes")
    assert form.fill("Phone number", "020 7946 0777").submit().status_code == 302
    assert withdraw_form(officer, case.reference).submit().status_code == 302
    cro = login_as("cro")
    record = json.loads(zipfile.ZipFile(BytesIO(cro.get(f"/records/case-file/{case.reference}.zip").data))
                        .read("case.json"))
    (rep,) = record["representatives"]
    assert (rep["name"], rep["ended"], rep["ended_how"]) == (MP["rep_name"], "consent_withdrawn", "phone")
    assert [c["kind"] for c in record["consent_history"]] == ["given", "consent_withdrawn"]
    found = page_form(cro, "/records/subject-access", button="Find cases").fill(
        "Email address", MP["rep_email"]).submit()
    assert case.reference in found.text  # a withdrawn representative is still a person we hold data on
    export = form_in(cro, found, "http://localhost/records/subject-access",
                     action="/records/subject-access/export").submit()
    held = zipfile.ZipFile(BytesIO(export.data)).read(f"{case.reference}/case.json").decode()
    assert MP["rep_name"] in held

    anonymise_case(db, case_of(db, case.reference), datetime.now(UTC))
    db.commit()
    db.expire_all()
    traces = [*MP.values(), "020 7946 0777", "Marchbanks"]
    assert [f"{t}: {text[:80]}" for text in every_value(db).values() for t in traces if t in text] == []
    rep = db.scalar(select(Representative).filter_by(case_id=case.id))
    assert (rep.relation, rep.ended, rep.name) == ("mp", "consent_withdrawn", None)
    kinds = select(ConsentRecord.kind).filter_by(representative_id=rep.id).order_by(ConsentRecord.id)
    assert list(db.scalars(kinds)) == ["given", "consent_withdrawn"]  # keys and dates: its shape stays


def test_a_re_recorded_comment_keeps_the_representative_acting_and_their_consent(db, users, login_as):
    case, _ = with_mp(db, users, login_as)
    gone, _ = with_mp(db, users, login_as)  # another comment of hers, where the consent was withdrawn since
    officer = login_as("frontline")
    assert withdraw_form(officer, gone.reference).submit().status_code == 302
    cro = login_as("cro")
    for found in (case, gone):
        form = page_form(cro, f"/cases/{found.reference}", action=f"/cases/{found.reference}/type")
        assert form.choose("new_type", "Query").submit().status_code == 302
    new, new_gone = (case_of(db, found.reference).rerecorded_as[0].reference for found in (case, gone))
    new = case_of(db, new)
    (old_rep,), (rep,) = case_of(db, case.reference).representatives, new.representatives
    fields = ("name", "relation", "email", "phone", "address", "consent_how", "consent_date",
              "consent_to_act", "consent_to_replies", "consent_to_personal", "ended")
    assert [getattr(rep, f) for f in fields] == [getattr(old_rep, f) for f in fields]
    assert [c.kind for c in rep.consent_history] == ["given"]
    assert messages_go_to(cro, new.reference) == ("Messages to the customer go to their representative "
                                                  "(MP) instead of the customer.")
    sent = db.scalars(select(OutboxMessage.to_address).filter_by(case_id=new.id, audience="customer")).all()
    assert set(sent) <= {MP["rep_email"]}
    assert case_of(db, new_gone).representatives == []  # no one acts for her on that one now
    assert "go to their representative" not in cro.get(f"/cases/{new_gone}").text
