"""The audit trail: who saw and changed what; append-only and tamper-evident."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from models import AuditCheckpoint, AuditEntry
from processes.records.audit import verify_chain

from .helpers.cases import SATISFIED
from .helpers.database import DIALECT
from .helpers.journeys import complete, sign_in, submit_online, tasks_of, try_sign_in


def entries(db, reference=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if reference:
        query = query.where(AuditEntry.case_reference == reference)
    return list(db.scalars(query))


def test_views_changes_and_sign_ins_are_recorded_in_a_chain_that_checks_out(client, db, login_as, app):
    reference = submit_online(client)
    officer = login_as("frontline")
    complete(officer, tasks_of(db, reference)["first_contact"].id,
             {**SATISFIED, "first_contact_notes": "Sorted."})
    sign_in(app.test_client(), "cro").get(f"/cases/{reference}")  # through the page: the sign-in is audited
    assert try_sign_in(app.test_client(), "cro@example.org", "wrong").status_code == 400
    trail = [(e.actor, e.action) for e in entries(db, reference)]
    assert ("customer", "case submitted") in trail
    assert ("Fran Front <frontline@example.org>", "view") in trail  # opened the task with personal data
    assert ("Fran Front <frontline@example.org>", "case completed") in trail
    assert ("Carla Relations <cro@example.org>", "view") in trail
    actions = [e.action for e in entries(db)]
    assert "signed in" in actions and "sign-in failed" in actions
    checked, broken = verify_chain(db)
    assert broken is None and checked == len(entries(db))
    page = login_as("cro").get(f"/audit/?reference={reference}")
    assert "Chain intact" in page.text and "Fran Front" in page.text
    csv = login_as("admin").get(f"/audit/export.csv?reference={reference}")
    assert csv.mimetype == "text/csv" and csv.text.startswith("id,at,actor,action,case_reference,detail,hash")
    assert reference in csv.text


def test_the_database_refuses_to_change_or_delete_an_entry(client, db):
    submit_online(client)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.begin_nested():
            db.execute(text("UPDATE audit_entry SET detail = 'nothing happened'"))
    with pytest.raises(DatabaseError, match="append-only"):
        with db.begin_nested():
            db.execute(text("DELETE FROM audit_entry"))


def test_a_tampered_entry_is_detected_by_the_page_and_the_command(client, db, login_as, app):
    reference = submit_online(client)
    # Someone with the database's own powers switches the guard off and edits history.
    if DIALECT == "postgresql":
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
    victim = entries(db, reference)[0]
    db.execute(text("UPDATE audit_entry SET detail = 'nothing happened' WHERE id = :id"), {"id": victim.id})
    db.commit()
    checked, broken = verify_chain(db)
    assert broken is not None and broken.id == victim.id
    assert "The audit trail has been tampered with" in login_as("cro").get("/audit/").text
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"audit entry {victim.id} does not match the chain" in result.output


def test_nothing_is_audited_for_work_that_was_rolled_back(client, db, login_as):
    reference = submit_online(client)
    officer = login_as("frontline")
    complete(officer, tasks_of(db, reference)["first_contact"].id, {"first_contact_outcome": "signpost"},
             expect_status=400)
    assert "case completed" not in [e.action for e in entries(db, reference)]
    assert verify_chain(db)[1] is None


def test_the_page_checks_what_is_new_and_the_nightly_full_check_finds_an_older_change(client, db, login_as,
                                                                                       app):
    """A whole chain of a million entries takes about 20 s to check: the page checks the entries since the
    last check, the timer worker's nightly run (or `flask audit verify`) the whole chain. A change to an entry
    the page had already checked is found by the full check, and from then on by the page too."""
    first = submit_online(client)
    assert "Chain intact" in login_as("cro").get("/audit/").text
    point = db.get(AuditCheckpoint, 1)
    newest = entries(db)[-1]
    assert (point.entry_id, point.hash, point.count) == (newest.id, newest.hash, len(entries(db)))
    second = submit_online(client)
    page = login_as("cro").get("/audit/").text
    assert "Chain intact" in page and f"All {len(entries(db))} entries check out" in page
    db.expire_all()
    assert db.get(AuditCheckpoint, 1).entry_id == entries(db)[-1].id and entries(db, second)
    if DIALECT == "postgresql":
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
    victim = entries(db, first)[0]  # checked already: the page does not look at it again
    db.execute(text("UPDATE audit_entry SET detail = 'nothing happened' WHERE id = :id"), {"id": victim.id})
    db.commit()
    assert "Chain intact" in login_as("cro").get("/audit/").text
    result = app.test_cli_runner().invoke(args=["audit", "verify"])  # what the worker runs each night
    assert result.exit_code == 1 and f"audit entry {victim.id} does not match the chain" in result.output
    for _ in range(2):  # the checkpoint went back before it: every page view finds it now
        page = login_as("cro").get("/audit/").text
        assert "The audit trail has been tampered with" in page and f"Entry {victim.id} does not" in page
