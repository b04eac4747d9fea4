"""a case's stage is stored as its key ('stage1', not 'Stage 1') and the messages its workflow awaits as a
JSON list, not a comma string

Revision ID: b8f7f9b85bf3
Revises: 5e7a1c3d9b42
Create Date: 2026-12-03 01:00:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'b8f7f9b85bf3'
down_revision = '5e7a1c3d9b42'
branch_labels = None
depends_on = None

# The labels the release before stored, by key (its STAGE_LABELS, and "Closed" when a case closed).
LABELS = {"stage1": "Stage 1", "stage2": "Stage 2", "closed": "Closed"}
KNOWN_STAGE = "stage IN ('stage1', 'stage2', 'response', 'closed')"
# Keeps each name's place in the list, so a downgrade gives back the string the release before wrote.
_JOINED = {"sqlite": "(SELECT group_concat(value, ',') FROM "
                     "(SELECT value FROM json_each(awaiting_messages) ORDER BY key))",
           "postgresql": "(SELECT string_agg(name, ',' ORDER BY n) FROM json_array_elements_text("
                         "awaiting_messages::json) WITH ORDINALITY AS item(name, n))"}


def _relabel(pairs) -> None:
    case = sa.table("comment_case", sa.column("stage", sa.String))
    for old, new in pairs:
        op.execute(sa.update(case).where(case.c.stage == old).values(stage=new))


def upgrade() -> None:
    _relabel((label, key) for key, label in LABELS.items())
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("comment_case", "awaiting_messages", server_default=None)
        # to_json quotes every name; string_to_array gives the empty string an empty list
        op.alter_column("comment_case", "awaiting_messages", type_=sa.JSON(), existing_nullable=False,
                        postgresql_using="to_json(string_to_array(awaiting_messages, ','))")
    else:
        _lists_in_place()
    with op.batch_alter_table("comment_case", schema=None) as batch_op:
        batch_op.alter_column("awaiting_messages", type_=sa.JSON(), existing_nullable=False,
                              server_default=sa.text("'[]'"))
        batch_op.create_check_constraint(batch_op.f("ck_comment_case_known_stage"), KNOWN_STAGE)


def _lists_in_place() -> None:
    """SQLite keeps a column's text whatever its declared type: each comma string becomes its list's JSON."""
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE comment_case SET awaiting_messages = '[]' WHERE awaiting_messages = ''"))
    rows = bind.execute(sa.text(
        "SELECT id, awaiting_messages FROM comment_case WHERE awaiting_messages != '[]'"))
    for case_id, joined in rows.all():  # only open cases await anything: the closed ones took the line above
        names = json.dumps(joined.split(","))
        bind.execute(sa.text("UPDATE comment_case SET awaiting_messages = :names WHERE id = :id"),
                     {"names": names, "id": case_id})


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("comment_case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_comment_case_known_stage"), type_="check")
        batch_op.alter_column("awaiting_messages", server_default=None)
    if dialect == "postgresql":
        op.alter_column("comment_case", "awaiting_messages", type_=sa.Text(), existing_nullable=False,
                        postgresql_using="awaiting_messages::text")
    op.execute(f"UPDATE comment_case SET awaiting_messages = coalesce({_JOINED[dialect]}, '')")
    with op.batch_alter_table("comment_case", schema=None) as batch_op:
        batch_op.alter_column("awaiting_messages", type_=sa.String(length=400), existing_nullable=False,
                              server_default="")
    _relabel(LABELS.items())
