"""take customers' details out of the audit trail and history lines written before lines stopped holding them

Lines used to quote the customer's email address ("Message to the customer, emailed to ..."), their reasons
for a review and an extension's reason, and the subject access export named the person searched for. The audit
trail is append-only and hash-chained, so anonymisation could never reach them there. This rewrites those
details once (and any detail naming a customer of a case not yet anonymised), re-seals the chain from the
first entry it changed, and appends an entry saying so with the head hash the chain had before, so anyone who
kept that hash can see where it went. A trail that does not verify is not re-sealed: the upgrade stops.

History lines are rewritten the same way; the words they quoted move to the line's details (shown to
officers, erased at anonymisation), or go, for cases already anonymised.

The downgrade changes nothing: what was taken out is not kept anywhere to put back.

Revision ID: 8e3f6a2c4b19
Revises: 4d2b8e6f1a37
Create Date: 2026-12-05 08:00:00
"""
import hashlib
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = '8e3f6a2c4b19'
down_revision = '4d2b8e6f1a37'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
PERSONAL = ("customer_name", "customer_email", "customer_phone", "customer_address", "reasonable_adjustments",
            "comment")
# action of the audit entry (kind of the history line is the same without "case "): the old form, with the
# quoted words as the group "said"
OLD_FORMS = {
    "case message": (re.compile(r"^Message to the customer, emailed to [^:]*: "),
                     "Message to the customer, emailed: "),
    "case review_requested": (re.compile(r"^(?P<kept>The customer asked for a stage 2 review): (?P<said>.*?)"
                                         r"(?P<after> \(outside the escalation window\))?$", re.S),
                              r"\g<kept>\g<after>"),
    "case extension": (re.compile(r"^(?P<kept>.* agreed \d+ more working days? at [^:]*): (?P<said>.*)$",
                                  re.S), r"\g<kept>"),
    "subject access export": (re.compile(r"^(?P<kept>Exported \d+ cases for a subject access request) "
                                         r"\(.*\)$", re.S), r"\g<kept>"),
}
SAID_AS = {"case review_requested": "reasons", "case extension": "reason"}

entries = sa.table("audit_entry", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                   sa.column("actor_id", sa.Integer), sa.column("actor", sa.String),
                   sa.column("action", sa.String), sa.column("case_reference", sa.String),
                   sa.column("detail", sa.Text), sa.column("prev_hash", sa.String),
                   sa.column("hash", sa.String))
head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String))
events = sa.table("case_event", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                  sa.column("kind", sa.String), sa.column("summary", sa.Text), sa.column("details", sa.JSON))
cases = sa.table("comment_case", sa.column("id", sa.Integer), sa.column("reference", sa.String),
                 sa.column("anonymised_at", UTCDateTime()),
                 *(sa.column(field, sa.Text) for field in PERSONAL))


def _digest(prev_hash, at, actor_id, actor, action, case_reference, detail) -> str:
    """As processes.records.audit computes it (copied: a migration keeps the code of its day)."""
    fields = [prev_hash, at.astimezone(timezone.utc).isoformat(), str(actor_id or ""), actor, action,
              case_reference or "", detail]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _rewritten(action: str, text: str, values: list[str]) -> tuple[str, str | None]:
    """The text without what it quoted, and the quoted words (None if it quoted none)."""
    said = None
    if action in OLD_FORMS:
        pattern, replacement = OLD_FORMS[action]
        found = pattern.search(text)
        if found:
            said = found.groupdict().get("said")
            text = pattern.sub(replacement, text, count=1)
    for value in sorted(values, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "[removed]", text, flags=re.I)
    return text, said


def upgrade() -> None:
    bind = op.get_bind()
    # each case's personal values (none once anonymised), and whether it is not yet anonymised
    by_case, by_reference = {}, {}
    for row in bind.execute(sa.select(cases)).mappings():
        alive = row["anonymised_at"] is None
        values = [v for f in PERSONAL if alive and len(v := (row[f] or "").strip()) >= 4]
        by_case[row["id"]], by_reference[row["reference"]] = (values, alive), values
    _rewrite_history(bind, by_case)
    _reseal(bind, by_reference)


def _rewrite_history(bind, by_case) -> None:
    query = sa.select(events).where(events.c.kind.in_(("message", "review_requested", "extension")))
    for row in bind.execute(query).mappings().all():
        values, alive = by_case.get(row["case_id"], ([], False))
        action = f"case {row['kind']}"
        summary, said = _rewritten(action, row["summary"], values)
        details = dict(row["details"] or {})
        old_reason = details.pop("reason", None)  # an extension's reason, kept beside the line as well
        said = said or old_reason
        if said and alive:
            details["values"] = {**details.get("values", {}), SAID_AS[action]: said}
        if summary != row["summary"] or details != (row["details"] or {}):
            bind.execute(events.update().where(events.c.id == row["id"])
                         .values(summary=summary, details=details or None))


def _reseal(bind, values_of) -> None:
    rows = bind.execute(sa.select(entries).order_by(entries.c.id)).mappings().all()
    expected, changed, first = GENESIS, [], None
    for row in rows:
        fields = {k: row[k] for k in ("at", "actor_id", "actor", "action", "case_reference", "detail")}
        if row["prev_hash"] != expected or row["hash"] != _digest(row["prev_hash"], **fields):
            raise RuntimeError(f"The audit trail does not verify at entry {row['id']}: it is not re-sealed. "
                               "Run `flask --app wsgi audit verify` and find out why before upgrading.")
        expected = row["hash"]
        detail, _ = _rewritten(row["action"], row["detail"], values_of.get(row["case_reference"], []))
        if first is None and detail != row["detail"]:
            first = row["id"]
        changed.append({**fields, "id": row["id"], "detail": detail})
    if first is None:
        return
    last, updates = GENESIS, []
    for fields in changed:
        digest = _digest(last, **{k: v for k, v in fields.items() if k != "id"})
        if fields["id"] >= first:
            updates.append({"entry_id": fields["id"], "new_detail": fields["detail"], "new_prev": last,
                            "new_hash": digest})
        last = digest
    with _append_only_lifted(bind):
        bind.execute(entries.update().where(entries.c.id == sa.bindparam("entry_id"))
                     .values(detail=sa.bindparam("new_detail"), prev_hash=sa.bindparam("new_prev"),
                             hash=sa.bindparam("new_hash")), updates)
    note = dict(at=datetime.now(timezone.utc), actor_id=None, actor="system", action="audit re-sealed",
                case_reference=None,
                detail=f"Customers' details taken out of the audit trail (the upgrade to {revision}); "
                       f"the chain was re-sealed from entry {first}; its head before was {expected}")
    digest = _digest(last, **note)
    bind.execute(entries.insert().values(**note, prev_hash=last, hash=digest))
    bind.execute(head.update().where(head.c.id == 1).values(last_hash=digest))


class _append_only_lifted:  # noqa: N801 (used as a statement: with _append_only_lifted(bind))
    """The triggers that refuse changes to audit entries, off for this transaction's rewrite only."""

    def __init__(self, bind):
        self.bind, self.postgresql = bind, bind.dialect.name == "postgresql"

    def __enter__(self):
        if self.postgresql:
            self.bind.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        else:
            self.bind.exec_driver_sql("DROP TRIGGER audit_entry_no_update")

    def __exit__(self, *exc):
        if self.postgresql:
            self.bind.exec_driver_sql("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
        else:
            self.bind.exec_driver_sql("""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""")
        return False


def downgrade() -> None:
    pass  # nothing was kept to put back
