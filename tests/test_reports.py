"""The dashboard's figures, exactly, for a small hand-built set of cases run through the real operations.

The set crosses Christmas 2025, Easter 2026 and the early May bank holiday, and has one extension.
"""
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from models import Case, CaseStage
from processes.procedure import agree_extension, complete_task, submit_comment
from processes.reports import Filters, dashboard
from processes.timers import fire_due_timers

UTC = timezone.utc
PERIOD = Filters(date(2025, 12, 1), date(2026, 5, 31))
AREAS = {"waste": "Bins, waste and recycling", "housing": "Housing", "parks": "Parks, leisure and open spaces"}


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


class Cases:
    """Submit and work cases as the demo users, each step at its own moment."""

    def __init__(self, db, users):
        self.db, self.users = db, users

    def submit(self, when, comment_type, area, channel):
        with at(*when):
            details = {"comment_type": comment_type, "service_area": area, "comment": "Hand-built case",
                       "customer_name": "Jo Bloggs", "customer_email": "jo@example.com"}
            case = submit_comment(self.db, self.users["frontline"], details, channel, datetime(*when, tzinfo=UTC))
            self.db.flush()
        return case

    def do(self, when, case, who, bpmn_id, **values):
        with at(*when):
            fire_due_timers(self.db, datetime.now(UTC), commit=self.db.flush)
            self.db.refresh(case)
            task = next(t for t in case.ready_tasks if t.bpmn_id == bpmn_id)
            complete_task(self.db, self.users[who], task.id, MultiDict(values), None)
            self.db.flush()

    def extend(self, when, case, days):
        with at(*when):
            agree_extension(self.db, self.users["cro"], case, days, "Waiting for the contractor's records")
            self.db.flush()


@pytest.fixture()
def hand_built(db, users):
    """Six cases: A late over Christmas, B extended over Easter then stage 2, C first contact, D, E, F."""
    c = Cases(db, users)
    a = c.submit((2025, 12, 19, 10), "complaint", "waste", "phone")  # Fri: day 5 Tue 30 Dec, day 10 Wed 7 Jan
    c.do((2025, 12, 19, 11), a, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal")
    c.do((2025, 12, 29, 10), a, "investigator", "acknowledge_stage1", ack_method="email")
    c.do((2026, 1, 8, 10), a, "senior", "respond_stage1_escalated", stage1_outcome="upheld", stage1_findings="Missed",
         stage1_remedies=["apology", "financial"], stage1_financial_amount="50", stage1_method="email")
    b = c.submit((2026, 4, 2, 15), "complaint", "housing", "web")  # Thu before Good Friday, 4pm BST
    c.do((2026, 4, 2, 16), b, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal")
    c.do((2026, 4, 7, 8), b, "investigator", "acknowledge_stage1", ack_method="email")
    c.extend((2026, 4, 15, 9), b, 5)  # due Mon 20 Apr becomes Mon 27 Apr
    c.do((2026, 4, 24, 9), b, "investigator", "respond_stage1", stage1_outcome="partly_upheld",
         stage1_findings="Partly", stage1_remedies=["explanation"], stage1_method="email")
    c.do((2026, 4, 27, 9), b, "cro", "record_customer_reply", customer_reply="stage2")
    c.do((2026, 5, 6, 9), b, "senior", "acknowledge_stage2", ack_method="letter")  # due Tue 5 May: late
    c.do((2026, 5, 11, 9), b, "senior", "review_stage2", stage2_outcome="not_upheld", stage2_findings="Fair",
         stage2_method="letter")
    cc = c.submit((2026, 3, 2, 9), "complaint", "waste", "web")
    c.do((2026, 3, 2, 10), cc, "frontline", "first_contact", first_contact_outcome="resolved",
         first_contact_notes="Sorted")
    d = c.submit((2026, 3, 2, 9), "query", "council_tax", "email")
    c.do((2026, 3, 9, 9), d, "investigator", "answer_query", query_answer="Yes", query_answer_method="email")
    e = c.submit((2026, 3, 3, 9), "suggestion", "parks", "letter")
    c.do((2026, 3, 5, 9), e, "manager", "consider_suggestion", suggestion_decision="adopted", suggestion_reason="Good")
    f = c.submit((2026, 3, 4, 9), "compliment", "parks", "in_person")
    c.do((2026, 3, 4, 12), f, "manager", "pass_on_compliment", staff_named="Sam", passed_on_notes="Sent on")
    db.commit()
    return {"A": a, "B": b, "C": cc, "D": d, "E": e, "F": f}


def stage(db, case, name):
    return db.scalar(select(CaseStage).filter_by(case_id=case.id, stage=name))


def tables(db, filters=PERIOD, today=date(2026, 6, 1)):
    return {t.key: t.rows for t in dashboard(db, filters, today, AREAS)}


def test_facts_are_recorded_with_deadlines_across_bank_holidays(db, hand_built):
    a, b = stage(db, hand_built["A"], "stage1"), stage(db, hand_built["B"], "stage1")
    assert (a.ack_due_at, a.response_due_at) == (datetime(2025, 12, 31, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC))
    assert (a.ack_in_time, a.response_in_time, a.working_days_to_respond) == (True, False, 11)
    assert b.ack_due_at == datetime(2026, 4, 13, 23, tzinfo=UTC)  # Mon 13 Apr, midnight BST
    assert b.response_due_at == datetime(2026, 4, 27, 23, tzinfo=UTC)  # Mon 20 Apr + 5 working days
    assert (b.extension_days, b.response_in_time, b.working_days_to_respond) == (5, True, 14)
    assert b.outcome == "partly_upheld"
    b2 = stage(db, hand_built["B"], "stage2")
    assert b2.ack_due_at == datetime(2026, 5, 5, 23, tzinfo=UTC)  # Mon 4 May is a bank holiday
    assert (b2.ack_in_time, b2.response_in_time, b2.working_days_to_respond) == (False, True, 9)


def test_dashboard_figures_exactly(db, hand_built):
    got = tables(db)
    assert got["by-type"] == [["Complaint", 3], ["Compliment", 1], ["Query", 1], ["Suggestion", 1]]
    assert got["by-month"] == [["December 2025", 1], ["January 2026", 0], ["February 2026", 0], ["March 2026", 4],
                               ["April 2026", 1], ["May 2026", 0]]
    assert got["acknowledged"] == [["Stage 1", 3, 3, 100.0], ["Stage 2", 1, 0, 0.0]]
    assert got["responded"] == [["Response, without extension", 3, 3, 100.0, 2.3],
                                ["Stage 1, without extension", 1, 0, 0.0, 11.0],
                                ["Stage 1, with extension", 1, 1, 100.0, 14.0],
                                ["Stage 2, without extension", 1, 1, 100.0, 9.0]]
    assert got["working-days"] == [["Response", 3, 2.3], ["Stage 1", 2, 12.5], ["Stage 2", 1, 9.0]]
    assert got["escalation"] == [["Complaints", 3, 1, 33.3]]
    assert got["remedies"] == [["Apology", 1, ""], ["Explanation", 1, ""], ["Financial remedy", 1, "50.00"]]
    assert got["outcomes"] == [["Bins, waste and recycling", "Stage 1", "Resolved at first contact", 1],
                               ["Bins, waste and recycling", "Stage 1", "Upheld", 1],
                               ["Housing", "Stage 1", "Partly upheld", 1], ["Housing", "Stage 2", "Not upheld", 1]]
    assert got["compliments"] == [["Parks, leisure and open spaces", 1]]
    assert got["suggestions"] == [["Adopted", 1]]


def test_filters_narrow_every_figure(db, hand_built):
    housing = tables(db, Filters(PERIOD.start, PERIOD.end, service_area="housing"))
    assert housing["by-type"] == [["Complaint", 1]]
    assert housing["responded"] == [["Stage 1, with extension", 1, 1, 100.0, 14.0],
                                    ["Stage 2, without extension", 1, 1, 100.0, 9.0]]
    phone = tables(db, Filters(PERIOD.start, PERIOD.end, channel="phone", comment_type="complaint"))
    assert phone["by-channel"] == [["Phone", 1]] and phone["compliments"] == []
    christmas = tables(db, Filters(date(2025, 12, 19), date(2025, 12, 19)))
    assert christmas["acknowledged"] == [["Stage 1", 1, 1, 100.0]]


def test_dashboard_page_draws_each_chart_beside_its_table_and_exports_csv(db, hand_built, login_as):
    with at(2026, 6, 1, 9):
        director = login_as("reports")
        page = director.get("/reports/?from=2025-12-01&to=2026-05-31").text
        assert page.count("<svg") >= 10 and page.count('<caption class="govuk-table__caption') == 14
        assert "Stage 1, with extension" in page and "33.3%" in page
        csv = director.get("/reports/responded.csv?from=2025-12-01&to=2026-05-31")
    assert csv.mimetype == "text/csv"
    assert csv.text.splitlines()[:3] == ["Stage,Responses,Within time,% within time,Average working days to respond",
                                         "\"Response, without extension\",3,3,100.0,2.3",
                                         "\"Stage 1, without extension\",1,0,0.0,11.0"]


def test_a_bad_date_is_reported_and_kept(db, login_as):
    page = login_as("cro").get("/reports/?from=2026-02-30&to=2026-03-31").text
    assert "There is a problem" in page and "The start of the period must be a real date" in page
    assert 'value="2026-02-30"' in page
