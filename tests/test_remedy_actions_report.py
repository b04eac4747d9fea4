"""The dashboard's "Remedy actions" table, exactly, for hand-built complaints whose responses promised
remedies for later (at stage 1 and stage 2), some done in time, one late, one still open past its date."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import OutboxMessage, RemedyAction
from processes.cases.remedy_actions import mark_remedy_done
from processes.reporting.figures import Filters, dashboard

from .helpers.cases import at

AREAS = {"waste": "Bins, waste and recycling", "housing": "Housing"}


def promise(n: int, what: str, due: date) -> dict[str, str]:
    """The fields of thing `n` as the response page names them."""
    prefix = f"remedy-{n}-due"
    return {f"remedy-{n}": what, f"{prefix}-day": str(due.day), f"{prefix}-month": str(due.month),
            f"{prefix}-year": str(due.year)}


def acknowledged(c, case, day) -> None:
    """Taken formal at first contact and acknowledged, both on `day` (March 2026)."""
    c.do((2026, *day, 11), case, "frontline", "first_contact", first_contact_outcome="formal",
         first_contact_notes="Formal")
    c.do((2026, *day, 12), case, "investigator", "acknowledge_stage1", ack_method="email")


def done(db, users, when, what: str) -> None:
    with at(*when):
        action = db.scalar(select(RemedyAction).filter_by(what=what))
        mark_remedy_done(db, users["investigator"], action.id, "Done as promised.")
        db.commit()


def test_remedy_actions_promised_done_on_time_late_and_overdue(db, users, case_factory):
    c = case_factory
    p = c.submit((2026, 3, 2, 10), "complaint", "waste", "phone")
    acknowledged(c, p, (3, 2))
    c.do((2026, 3, 9, 10), p, "investigator", "respond_stage1", stage1_outcome="upheld", stage1_findings="x",
         stage1_method="email", **promise(1, "fix the gate", date(2026, 3, 20)),
         **promise(2, "repaint the bin store", date(2026, 3, 31)))
    q = c.submit((2026, 3, 3, 10), "complaint", "housing", "web")
    acknowledged(c, q, (3, 3))
    c.do((2026, 3, 10, 10), q, "investigator", "respond_stage1", stage1_outcome="upheld", stage1_findings="x",
         stage1_method="email", **promise(1, "call the customer", date(2026, 3, 13)))
    c.do((2026, 3, 11, 10), q, "cro", "record_customer_reply", customer_reply="stage2")
    c.do((2026, 3, 12, 10), q, "senior", "acknowledge_stage2", ack_method="email")
    c.do((2026, 3, 20, 10), q, "senior", "review_stage2", stage2_outcome="upheld", stage2_findings="y",
         stage2_method="email", **promise(1, "refund the garden waste fee", date(2026, 4, 30)))
    outside = c.submit((2026, 5, 4, 10), "complaint", "waste", "phone")  # received after the period
    acknowledged(c, outside, (5, 4))
    c.do((2026, 5, 6, 10), outside, "investigator", "respond_stage1", stage1_outcome="upheld",
         stage1_findings="x", stage1_method="email", **promise(1, "trim the hedge", date(2026, 5, 29)))
    done(db, users, (2026, 3, 20, 23, 30), "fix the gate")  # 11:30pm GMT on its day: on time
    done(db, users, (2026, 3, 16, 9), "call the customer")  # due Friday 13th: late
    (final,) = db.scalars(select(OutboxMessage.body)
                          .filter_by(case_id=q.id, template="final_response"))
    assert ("What we will do next:\nWe will refund the garden waste fee by Thursday 30 April 2026.\n\n"
            in final)
    assert "call the customer" not in final  # stage 1's promise was the stage 1 response's
    tables = {t.key: t for t in dashboard(db, Filters(date(2026, 3, 1), date(2026, 4, 30)), date(2026, 4, 15),
                                          AREAS)}
    table = tables["remedy-actions"]
    assert (table.caption, table.headers) == ("Remedy actions", ["Stage", "Promised", "Done on time",
                                                                 "Done late", "Open and overdue"])
    assert table.rows == [["Stage 1", 3, 1, 1, 1], ["Stage 2", 1, 0, 0, 0]]
    later = dashboard(db, Filters(date(2026, 3, 1), date(2026, 4, 30)), date(2026, 5, 1), AREAS)
    assert {t.key: t.rows for t in later}["remedy-actions"] == [["Stage 1", 3, 1, 1, 1],
                                                                ["Stage 2", 1, 0, 0, 1]]
    housing = dashboard(db, Filters(date(2026, 3, 1), date(2026, 4, 30), service_area="housing"),
                        date(2026, 5, 1), AREAS)
    assert {t.key: t.rows for t in housing}["remedy-actions"] == [["Stage 1", 1, 0, 1, 0],
                                                                  ["Stage 2", 1, 0, 0, 1]]
