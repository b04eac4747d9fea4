"""The upgrade takes customers' details out of the audit trail and history lines written before lines stopped
holding them, and re-seals the hash chain, saying so in the trail (issue 19, item 6)."""
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import select

from app.cli import alembic_config, seed_demo_users
from app.extensions import db as app_db
from models import AuditEntry, Case, CaseEvent, User
from processes.records.audit import audit, verify_chain
from processes.records.retention import anonymise_case

from .helpers.cases import record_case
from .helpers.database import deployed_app, database_of_its_own
from .test_erasure import ADDRESS, COMMENT, EMAIL, EXTENSION, NAME, PHONE, REVIEW, every_value, traces_in

BEFORE = "4d2b8e6f1a37"


@pytest.fixture()
def upgrade_url(tmp_path):
    """A database of its own for the migration, on the suite's kind of database."""
    with database_of_its_own(tmp_path, "forget") as url:
        yield url


def lines_as_once_written(session, case: Case, cro: User) -> None:
    """The history lines and audit entries the release before wrote, quoting the customer."""
    old = [("message", None, f"Message to the customer, emailed to {EMAIL}: Our response to your complaint "
                             f"{case.reference}", None),
           ("review_requested", None, f"The customer asked for a stage 2 review: {REVIEW}", None),
           ("extension", cro, f"{cro.name} agreed 3 more working days at Stage 1: {EXTENSION}",
            {"stage": "stage1", "working_days": 3, "reason": EXTENSION})]
    for kind, actor, summary, details in old:
        session.add(CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, summary=summary,
                              details=details))
        audit(session, actor or ("customer" if kind == "review_requested" else "system"), f"case {kind}",
              summary, case.reference)


def test_the_upgrade_takes_their_details_out_of_the_trail_and_reseals_it(upgrade_url):
    app = deployed_app(upgrade_url)
    details = dict(customer_name=NAME, customer_email=EMAIL, customer_phone=PHONE, customer_address=ADDRESS,
                   comment=COMMENT)
    with app.app_context():
        session = app_db.session
        seed_demo_users(session, app.extensions["forms"])
        cro = session.scalar(select(User).filter_by(email="cro@example.org"))
        received = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
        live, gone = (record_case(session, cro, received, **details) for _ in range(2))
        for case in (live, gone):
            lines_as_once_written(session, case, cro)
        # Any other entry naming the customer of a case not yet anonymised: the case still says who she is.
        audit(session, cro, "view", f"Opened the case of {NAME} ({PHONE})", live.reference)
        audit(session, cro, "subject access export",
              f"Exported 2 cases for a subject access request ({EMAIL}, {NAME})")
        session.commit()
        gone.status, gone.closed_at = "closed", datetime(2019, 1, 1, tzinfo=timezone.utc)
        anonymise_case(session, gone, datetime.now(timezone.utc))  # before the upgrade: the trail kept it
        session.commit()
        assert traces_in({"audit": "\n".join(session.scalars(select(AuditEntry.detail)))})
        head_before = session.scalars(select(AuditEntry.hash).order_by(AuditEntry.id.desc())).first()
        session.remove()
    config = alembic_config(upgrade_url)
    config.attributes["skip_logging"] = True
    command.downgrade(config, BEFORE)
    command.upgrade(config, "head")
    with app.app_context():
        session = app_db.session
        held = every_value(session)
        summaries = "\n".join(session.scalars(select(CaseEvent.summary)))
        left = traces_in({"audit_entry": held["audit_entry"], "case_event.summary": summaries})
        assert left == [], left
        checked, broken = verify_chain(session)
        assert broken is None and checked == session.query(AuditEntry).count()
        sealed = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert sealed.action == "audit re-sealed" and head_before in sealed.detail
        # The live case's officers still read the reasons, beside the lines; the anonymised case's are gone.
        said = {e.kind: e.details.get("values") for e in session.scalars(
            select(CaseEvent).where(CaseEvent.kind.in_(("review_requested", "extension")))
            .order_by(CaseEvent.id)) if e.case_id == live.id}
        assert said == {"review_requested": {"reasons": REVIEW}, "extension": {"reason": EXTENSION}}
        lines = set(session.scalars(select(CaseEvent.summary).where(CaseEvent.case_id == live.id)))
        assert {f"Message to the customer, emailed: Our response to your complaint {live.reference}",
                "The customer asked for a stage 2 review",
                "Carla Relations agreed 3 more working days at Stage 1"} <= lines, lines
        # Once the live case is anonymised too, nothing of her is left anywhere.
        case = session.get(Case, live.id)
        case.status, case.closed_at = "closed", datetime(2019, 1, 1, tzinfo=timezone.utc)
        anonymise_case(session, case, datetime.now(timezone.utc))
        session.commit()
        assert traces_in(every_value(session)) == []
        assert verify_chain(session)[1] is None
        session.remove()
    app.extensions["db_engine"].dispose()
