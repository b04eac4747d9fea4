"""Resolution at first contact: the customer's satisfaction recorded, a written confirmation when they are
satisfied, formal handling at stage 1 when they are not, and the figures of both."""
import copy
from datetime import date

from sqlalchemy import select

from models import Case, CaseStage, OutboxMessage
from processes.cases.tasks import NOT_SATISFIED
from processes.diagrams.deploy import deploy_checked
from processes.engine import engine_of
from processes.messaging.messages import load_templates
from processes.reporting.figures import Filters, dashboard

from .helpers.cases import SATISFIED, record_case
from .helpers.database import DATA
from .helpers.forms import page_form
from .helpers.journeys import complete, submit_online, tasks_of
from .helpers.pages import error_messages

AGREED = "We will collect the missed bin on Thursday and check the round's records."


def first_contact_form(officer, db, reference):
    return page_form(officer, f"/tasks/{tasks_of(db, reference)['first_contact'].id}", button="Complete task")


def case_of(db, reference) -> Case:
    db.expire_all()
    return db.scalar(select(Case).filter_by(reference=reference))


def customer_messages(db, case) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).filter_by(case_id=case.id, audience="customer")
                           .order_by(OutboxMessage.id)))


def stage1(db, case) -> CaseStage:
    return db.scalar(select(CaseStage).filter_by(case_id=case.id, stage="stage1"))


def test_a_resolution_asks_whether_the_customer_was_satisfied_how_they_were_told_and_what_was_agreed(
        client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    response = first_contact_form(officer, db, reference).choose("first_contact_outcome", "resolved") \
        .fill("first_contact_notes", "Talked it through.").submit()
    assert response.status_code == 400
    assert error_messages(response.text) == ["Select whether the customer said they were satisfied",
                                             "Select how you told the customer what you would do",
                                             "Enter what you agreed with the customer"]
    assert "first_contact" in tasks_of(db, reference) and customer_messages(db, case_of(db, reference)) == []
    # Not resolved: the three questions are not asked of it.
    formal = first_contact_form(officer, db, reference).choose("first_contact_outcome", "formal") \
        .fill("first_contact_notes", "Wants a formal investigation.").submit()
    assert formal.status_code == 302 and set(tasks_of(db, reference)) == {"acknowledge_stage1"}


def test_a_satisfied_customer_is_sent_a_written_confirmation_and_the_case_closes(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    first_contact_form(officer, db, reference).choose("first_contact_outcome", "resolved") \
        .fill("first_contact_notes", "Apologised on the phone.").choose("first_contact_satisfied", "yes") \
        .choose("first_contact_told_by", "phone").fill("first_contact_agreed", AGREED).submit()
    case = case_of(db, reference)
    assert (case.status, case.outcome, tasks_of(db, reference)) == ("closed", "Resolved at first contact", {})
    [message] = customer_messages(db, case)
    assert (message.template, message.channel, message.to_address, message.status) == (
        "first_contact_confirmation", "email", "jo@example.com", "pending")
    assert message.subject == f"Your complaint {reference} is resolved"
    assert AGREED in message.body and "we have resolved your complaint and closed it" in message.body
    assert "If you are not happy after all" in message.body and f"/status/{case.status_token}" in message.body
    history = [e.summary for e in case.officer_history()]
    assert f"Message to the customer, emailed: Your complaint {reference} is resolved" in history
    assert NOT_SATISFIED not in history
    row = stage1(db, case)
    assert (row.first_contact, row.outcome) == ("satisfied", "resolved")
    assert row.acknowledged_at is not None and row.responded_at is not None


def test_without_an_email_address_the_confirmation_is_a_letter_to_post(db, users, login_as):
    case = record_case(db, users["frontline"], customer_email=None, preferred_contact="letter",
                       customer_address="1 High Street, Exampleton EX1 1AA")
    complete(login_as("frontline"), tasks_of(db, case.reference)["first_contact"].id,
             {**SATISFIED, "first_contact_notes": "Sorted.", "first_contact_agreed": AGREED})
    [message] = customer_messages(db, case_of(db, case.reference))
    assert (message.template, message.channel, message.status) == ("first_contact_confirmation", "letter",
                                                                    "to_post")
    assert message.to_address == "1 High Street, Exampleton EX1 1AA" and AGREED in message.body


def test_a_dissatisfied_customer_goes_on_to_formal_handling_with_a_line_in_the_history(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    first_contact_form(officer, db, reference).choose("first_contact_outcome", "resolved") \
        .fill("first_contact_notes", "Offered a collection.").choose("first_contact_satisfied", "no") \
        .choose("first_contact_told_by", "phone").fill("first_contact_agreed", "Nothing: wants more.") \
        .submit()
    case = case_of(db, reference)
    assert case.status != "closed" and set(tasks_of(db, reference)) == {"acknowledge_stage1"}
    assert customer_messages(db, case) == []  # the acknowledgement, when it is sent, is the first
    history = [(e.kind, e.summary) for e in case.officer_history()]
    assert ("not_satisfied", NOT_SATISFIED) in history
    row = stage1(db, case)
    assert (row.first_contact, row.outcome, row.acknowledged_at, row.responded_at) == (
        "dissatisfied", None, None, None)
    acknowledge = tasks_of(db, reference)["acknowledge_stage1"]
    complete(login_as("investigator"), acknowledge.id, {"ack_method": "email"})
    [acknowledgement] = customer_messages(db, case_of(db, reference))
    assert acknowledgement.template == "acknowledgement"


def test_the_figures_count_resolutions_at_first_contact_by_satisfaction_exactly(db, case_factory):
    c = case_factory
    settled = [c.submit((2026, 3, day, 9), "complaint", "waste", "phone") for day in (2, 3)]
    for case in settled:
        c.do((2026, 3, 4, 10), case, "frontline", "first_contact", first_contact_notes="Sorted.",
             **SATISFIED)
    unhappy = c.submit((2026, 3, 5, 9), "complaint", "housing", "phone")
    c.do((2026, 3, 5, 10), unhappy, "frontline", "first_contact", first_contact_notes="Offered.",
         **{**SATISFIED, "first_contact_satisfied": "no"})
    formal = c.submit((2026, 3, 6, 9), "complaint", "housing", "web")
    c.do((2026, 3, 6, 10), formal, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal.")
    signposted = c.submit((2026, 3, 9, 9), "complaint", "waste", "web")
    c.do((2026, 3, 9, 10), signposted, "frontline", "first_contact", first_contact_outcome="signpost",
         first_contact_notes="Planning.", signpost_reason="planning_appeal")
    db.commit()
    march = Filters(date(2026, 3, 1), date(2026, 3, 31))
    areas = {"waste": "Waste", "housing": "Housing"}
    got = {t.key: t.rows for t in dashboard(db, march, date(2026, 4, 1), areas)}
    assert got["first-contact"] == [["Customer satisfied: case closed", 2, 66.7],
                                    ["Customer not satisfied: formal handling at stage 1", 1, 33.3]]
    # A resolution the customer turned down is no outcome of stage 1: its formal response will be.
    assert got["outcomes"] == [["Waste", "Stage 1", "Resolved at first contact", 2],
                               ["Waste", "Stage 1", "Signposted", 1]]
    # The two settled there; the signposted one was no complaint to acknowledge (it counted, before issue 21).
    assert got["acknowledged"] == [["Stage 1", 2, 2, 100.0]]
    housing = {t.key: t.rows for t in dashboard(db, Filters(march.start, march.end, service_area="housing"),
                                                date(2026, 4, 1), {})}
    assert housing["first-contact"] == [["Customer satisfied: case closed", 0, 0.0],
                                        ["Customer not satisfied: formal handling at stage 1", 1, 100.0]]


# The complaint diagram as shipped before first contact asked about satisfaction: cases started on it keep it.
BEFORE = (DATA / "complaint_before_satisfaction.bpmn").read_bytes()
NEW_QUESTIONS = ("first_contact_satisfied", "first_contact_told_by", "first_contact_agreed",
                 "service_request_note", "duplicate_of")
TRIAGE_OUTCOMES = ("service_request", "duplicate")  # added since, with their questions


def form_before(forms):
    """The first contact form of that version: no questions about the customer's satisfaction."""
    form = copy.deepcopy(forms["first_contact"])
    for name in NEW_QUESTIONS:
        del form["schema"]["properties"][name]
    form["schema"]["allOf"] = form["schema"]["allOf"][:1]
    outcome = form["schema"]["properties"]["first_contact_outcome"]
    outcome["enum"] = [o for o in outcome["enum"] if o not in TRIAGE_OUTCOMES]
    form["fields"] = [f for f in form["fields"] if f["name"] not in NEW_QUESTIONS]
    offered = next(f for f in form["fields"] if f["name"] == "first_contact_outcome")
    offered["options"] = [o for o in offered["options"] if o["value"] not in TRIAGE_OUTCOMES]
    return {**forms, "first_contact": form}


def test_a_case_on_the_version_before_is_resolved_with_its_own_form_as_before(client, db, app, login_as):
    # Deployed before today's deploy checks (every due date watched by a timer) existed, as it was then.
    older = deploy_checked(db, engine_of(db), BEFORE, form_before(app.extensions["forms"]), load_templates(),
                           None, "As it was")[0]
    db.commit()
    reference = submit_online(client)
    case = case_of(db, reference)
    assert case.process_version_id == older.id
    officer = login_as("frontline")
    form = first_contact_form(officer, db, reference)
    assert not set(NEW_QUESTIONS) & set(form.names)
    assert form.choose("first_contact_outcome", "resolved").fill("first_contact_notes", "Sorted.") \
        .submit().status_code == 302
    case = case_of(db, reference)
    assert (case.status, case.outcome) == ("closed", "Resolved at first contact")
    assert customer_messages(db, case) == []  # that version sent nothing
    assert (stage1(db, case).first_contact, stage1(db, case).outcome) == ("satisfied", "resolved")
