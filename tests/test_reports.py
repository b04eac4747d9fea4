"""The dashboard's figures, exactly, for a small hand-built set of cases run through the real operations.

The set crosses Christmas 2025, Easter 2026 and the early May bank holiday, and has one extension.
"""
from datetime import date, datetime, timezone

from sqlalchemy import select

from models import CaseStage
from processes.reporting.figures import Filters, dashboard

from .helpers.cases import at

UTC = timezone.utc
PERIOD = Filters(date(2025, 12, 1), date(2026, 5, 31))
AREAS = {"waste": "Bins, waste and recycling", "housing": "Housing",
         "parks": "Parks, leisure and open spaces"}


def stage(db, case, name):
    return db.scalar(select(CaseStage).filter_by(case_id=case.id, stage=name))


def tables(db, filters=PERIOD, today=date(2026, 6, 1)):
    return {t.key: t.rows for t in dashboard(db, filters, today, AREAS)}


def test_facts_are_recorded_with_deadlines_across_bank_holidays(db, hand_built):
    a, b = stage(db, hand_built["A"], "stage1"), stage(db, hand_built["B"], "stage1")
    assert (a.ack_due_at, a.response_due_at) == (datetime(2025, 12, 31, tzinfo=UTC),
                                                 datetime(2026, 1, 8, tzinfo=UTC))
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
    assert got["by-month"] == [["December 2025", 1], ["January 2026", 0], ["February 2026", 0],
                               ["March 2026", 4], ["April 2026", 1], ["May 2026", 0]]
    assert got["acknowledged"] == [["Stage 1", 3, 3, 100.0], ["Stage 2", 1, 0, 0.0]]
    assert got["responded"] == [["Response, without extension", 3, 3, 100.0, 2.3],
                                ["Stage 1, without extension", 1, 0, 0.0, 11.0],
                                ["Stage 1, with extension", 1, 1, 100.0, 14.0],
                                ["Stage 2, without extension", 1, 1, 100.0, 9.0]]
    assert got["working-days"] == [["Response", 3, 2.3], ["Stage 1", 2, 12.5], ["Stage 2", 1, 9.0]]
    assert got["escalation"] == [["Complaints", 3, 1, 33.3]]
    assert got["first-contact"] == [["Customer satisfied: case closed", 1, 100.0],
                                    ["Customer not satisfied: formal handling at stage 1", 0, 0.0]]
    assert got["remedies"] == [["Apology", 1, ""], ["Explanation", 1, ""], ["Financial remedy", 1, "50.00"]]
    assert got["remedy-actions"] == []  # none of the six promised anything for later
    assert got["outcomes"] == [["Bins, waste and recycling", "Stage 1", "Resolved at first contact", 1],
                               ["Bins, waste and recycling", "Stage 1", "Upheld", 1],
                               ["Housing", "Stage 1", "Partly upheld", 1],
                               ["Housing", "Stage 2", "Not upheld", 1]]
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
        # twenty-one tables, with those by category, the points of complaint, the MP and councillor
        # enquiries, the resolutions at first contact, the remedy actions and the requests for service
        assert page.count("<svg") >= 10 and page.count('<caption class="govuk-table__caption') == 21
        assert "Stage 1, with extension" in page and "33.3%" in page
        csv = director.get("/reports/responded.csv?from=2025-12-01&to=2026-05-31")
    assert csv.mimetype == "text/csv"
    assert csv.text.splitlines()[:3] == ["Stage,Responses,Within time,% within time,Average working days to "
                                         "respond",
                                         "\"Response, without extension\",3,3,100.0,2.3",
                                         "\"Stage 1, without extension\",1,0,0.0,11.0"]


def test_a_bad_date_is_reported_and_kept(db, login_as):
    page = login_as("cro").get("/reports/?from=2026-02-30&to=2026-03-31").text
    assert "There is a problem" in page and "The start of the period must be a real date" in page
    assert 'value="2026-02-30"' in page
