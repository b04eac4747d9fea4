"""Closed cases are anonymised after the retention period unless on legal hold; statistics survive."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import func, select

from models import Case, OutboxMessage
from processes.records.retention import REMOVED, anonymise_expired

from .helpers.cases import SATISFIED
from .helpers.forms import page_form
from .helpers.journeys import complete, submit_online, tasks_of

UTC = timezone.utc


def closed_case(db, login_as, when):
    with time_machine.travel(when, tick=False):
        reference = submit_online(login_as("frontline"))
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                 {**SATISFIED, "first_contact_notes": "Told Jo Bloggs it is sorted."})
    return reference


def test_old_closed_cases_are_anonymised_unless_held_and_the_figures_survive(db, login_as, app):
    old = closed_case(db, login_as, datetime(2019, 3, 4, 10, tzinfo=UTC))
    held = closed_case(db, login_as, datetime(2019, 3, 5, 10, tzinfo=UTC))
    recent = closed_case(db, login_as, datetime(2024, 3, 5, 10, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        cro = login_as("cro")
        assert "Legal hold placed" in page_form(cro, f"/cases/{held}", button="Place a legal hold") \
            .submit(follow_redirects=True).text
    before = db.scalar(select(func.count(Case.id)).where(Case.comment_type == "complaint",
                                                         Case.status == "closed"))
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "Anonymised 1 closed case(s) older than 6 years" in result.output
    gone = db.scalar(select(Case).filter_by(reference=old))
    assert (gone.customer_name, gone.customer_email, gone.comment) == (None, None, REMOVED)
    assert gone.status_token is None and gone.anonymised_at is not None
    assert all("values" not in (e.details or {}) for e in gone.events)
    assert all(m.body == REMOVED and m.to_address is None
               for m in db.scalars(select(OutboxMessage).filter_by(case_id=gone.id)))
    # The figures the reports need are still there.
    assert (gone.comment_type, gone.channel, gone.service_area, gone.outcome) == (
        "complaint", "web", "waste", "Resolved at first contact")
    assert db.scalar(select(Case).filter_by(reference=held)).customer_name == "Jo Bloggs"
    assert db.scalar(select(Case).filter_by(reference=recent)).customer_name == "Jo Bloggs"
    after = db.scalar(select(func.count(Case.id)).where(Case.comment_type == "complaint",
                                                        Case.status == "closed"))
    assert after == before
    assert anonymise_expired(db, years=6) == 0  # once only
