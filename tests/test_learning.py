"""Improvement actions, Ombudsman enquiries, the self-assessment and the printable reports, through the
web."""
from datetime import date, timezone

from sqlalchemy import select

from app.reports.periodic import quarter_period
from models import Case, CaseEvent, ImprovementAction, OmbudsmanEnquiry, SelfAssessment
from processes.reporting.figures import Filters, dashboard
from processes.reporting.annual import code_sections

from .helpers.cases import at
from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import submit_online
from .helpers.pages import error_messages

UTC = timezone.utc



def record_enquiry(cro, reference: str, theirs: str, received_on: str):
    return page_form(cro, "/reports/ombudsman", button="Record the enquiry").fill("Our case reference",
                                                                                  reference) \
        .fill("The Ombudsman's reference", theirs).fill("Date the enquiry was received", received_on).submit()


def update_action(owner, action_id: int, status: str, evidence: str):
    return page_form(owner, f"/reports/actions/{action_id}", button="Save").choose("Status", status) \
        .fill("What was done", evidence).submit()


def raise_action(cro, reference: str, owner: str):
    return page_form(cro, "/reports/actions", button="Raise the action").fill("What will be done",
                                                                              "Add benches") \
        .choose("Raised from", "suggestion").fill("Case it came from (optional)", reference).choose("Owner",
                                                                                                    owner) \
        .fill("Due date", "2026-09-30").submit()


def test_ombudsman_enquiry_decision_and_a_recommendation_that_goes_overdue(db, login_as, users):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"))
    with at(2026, 6, 1, 9):
        cro = login_as("cro")
        assert record_enquiry(cro, reference.lower(), "25 012 345", "2026-05-20").status_code == 302
        enquiry = db.scalar(select(OmbudsmanEnquiry))
        url = f"/reports/ombudsman/{enquiry.id}"
        assert page_form(cro, url, button="Save the decision").choose("The Ombudsman's decision",
                                                                      "upheld_injustice") \
            .fill("Date of the decision", "2026-05-28").submit().status_code == 302
        assert page_form(cro, url, button="Add the recommendation").fill("What will be done",
                                                                         "Apologise and pay £100") \
            .choose("Owner", users["manager"].name).fill("Due date", "2026-06-10").submit().status_code == 302
        page = cro.get(f"/reports/ombudsman/{enquiry.id}").text
    assert "Upheld: fault and injustice on 28 May 2026" in page and "Apologise and pay £100" in page
    action = db.scalar(select(ImprovementAction))
    action_id = action.id
    assert (action.source, action.case_id, action.status) == ("ombudsman", enquiry.case_id, "open")
    history = [e.summary
               for e in db.scalars(select(CaseEvent).filter_by(case_id=enquiry.case_id, kind="ombudsman"))]
    assert history == ["Ombudsman enquiry 25 012 345 received on 20 May 2026",
                       "Ombudsman decision on 25 012 345: Upheld: fault and injustice"]
    with at(2026, 6, 11, 9):  # a day past due: the owner and the CRO see it, nobody else does
        manager, cro, investigator = login_as("manager"), login_as("cro"), login_as("investigator")
        assert "1 improvement action is overdue" in manager.get("/tasks/").text
        assert "1 improvement action is overdue" in cro.get("/tasks/").text
        assert "data-overdue-actions" not in investigator.get("/tasks/").text
        refused = update_action(manager, action_id, "done", "")
        assert refused.status_code == 400
        assert error_messages(refused.text) == ["Enter what was done: it is the evidence that the action is "
                                                "complete"]
        assert update_action(manager, action_id, "done", "Paid on 9 June").status_code == 302
        assert "data-overdue-actions" not in cro.get("/tasks/").text
    action = db.scalar(select(ImprovementAction).execution_options(populate_existing=True))
    assert (action.status, action.completed_on, action.evidence) == ("done", date(2026, 6, 11),
                                                                     "Paid on 9 June")
    year = Filters(date(2026, 1, 1), date(2026, 12, 31))
    figures = {t.key: t.rows for t in dashboard(db, year, date(2026, 6, 11), {})}
    assert figures["ombudsman"] == [["Upheld: fault and injustice", 1]]
    assert figures["actions"] == [["Ombudsman recommendation", 1, 1, 0]]


def test_enquiry_for_an_unknown_case_is_refused_and_what_was_typed_is_kept(db, login_as):
    page = record_enquiry(login_as("cro"), "CC-1999-000001", "X1", "2026-02-30")
    assert page.status_code == 400
    assert error_messages(page.text) == [
        "Enter the reference of one of our cases, like CC-2026-000123",
        "Enter a real date for the date the enquiry was received, for example 2026-04-01"]
    assert 'value="CC-1999-000001"' in page.text and 'value="X1"' in page.text
    assert db.scalar(select(OmbudsmanEnquiry)) is None


def test_director_reads_but_cannot_raise_actions(db, login_as, users):
    director = login_as("reports")
    # The director's page offers no form to raise an action: a hand-made post, as someone forcing it would
    # send.
    response = post_by_hand(director, "/reports/actions",
                            data={"description": "x", "owner_id": users["manager"].id,
                                                       "due_on": "2026-06-10", "source": "other"})
    assert "Only the Customer Relations Officer can change this" in director.get(response.location).text
    assert db.scalar(select(ImprovementAction)) is None


def test_self_assessment_is_stored_per_year_and_printed_in_the_annual_report(db, login_as):
    cro = login_as("cro")
    provisions = [p for section in code_sections() for p in section.provisions]
    form = page_form(cro, "/reports/annual?year=2025", button="Save the self-assessment")
    missing = form.set_all({f"answer_{p.field}": "yes" for p in provisions if p.number != "6.3"}).submit()
    assert missing.status_code == 400
    assert error_messages(missing.text) == ["Select how far we meet provision 6.3"]
    evidence = "Stage 1 answers in 10 days from receipt, the Code from acknowledgement"
    assert form.set_all({"answer_6_3": "partly", "evidence_6_3": evidence}).submit().status_code == 302
    saved = {a.provision: (a.section, a.answer)
             for a in db.scalars(select(SelfAssessment).filter_by(year=2025))}
    assert len(saved) == len(provisions) == 57 and saved["6.3"] == ("stages", "partly")
    assert saved["8.1"] == ("reporting", "yes")
    page = login_as("reports").get("/reports/annual?year=2025").text
    assert "Annual complaints report 2025 to 2026" in page and "the Code from acknowledgement" in page
    assert "8. Performance reporting and self-assessment" in page
    assert "Self-assessment, reporting and compliance" not in page  # the Housing Ombudsman's title
    row = page.split('data-provision="6.3"')[1].split("</tr>")[0]
    assert "Partly meets" in row and "Save the self-assessment" not in page  # the director reads only
    assert 'media="print"' in page and "report-print.css" in page


def test_quarters_of_the_councils_year():
    assert quarter_period(2025, 3) == (date(2025, 10, 1), date(2025, 12, 31))
    assert quarter_period(2025, 4) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_period(2026, 1) == (date(2026, 4, 1), date(2026, 6, 30))


def test_quarterly_report_counts_the_quarter_only(db, hand_built, login_as):
    with at(2026, 6, 1, 9):
        page = login_as("manager").get("/reports/quarterly?year=2025&quarter=3").text
    assert "quarterly report, october to december 2025" in page
    type_table = page.split('id="by-type"')[1].split("</table>")[0]
    assert ">Complaint</th>" in type_table and ">1</td>" in type_table and "Query" not in type_table
    assert db.scalar(select(Case).filter_by(service_area="waste", channel="phone")) is not None


def test_cro_raises_an_action_from_an_adopted_suggestion(db, login_as, users):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "suggestion")
    cro = login_as("cro")
    wrong = raise_action(cro, "CC-1999-000009", users["manager"].name)
    assert error_messages(wrong.text) == [
        "Enter the reference of one of our cases, like CC-2026-000123, or leave it empty"]
    assert raise_action(cro, reference, users["manager"].name).status_code == 302
    action = db.scalar(select(ImprovementAction))
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert (action.case_id, action.service_area, action.source) == (case.id, "waste", "suggestion")
    assert "Add benches" in login_as("manager").get("/reports/actions").text
