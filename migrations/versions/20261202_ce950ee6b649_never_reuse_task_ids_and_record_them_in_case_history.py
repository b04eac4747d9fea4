"""never reuse a task's id (its link) on SQLite, and record in a case's history which task an event was about

Revision ID: ce950ee6b649
Revises: 7c2e4b9d1a53
Create Date: 2026-12-02 02:00:00
"""
import re

from alembic import op
import sqlalchemy as sa


revision = 'ce950ee6b649'
down_revision = '7c2e4b9d1a53'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL's sequences never hand out an id twice
        # The table is rebuilt as AUTOINCREMENT (its indexes, partial ones too, are made again as they were).
        with op.batch_alter_table('ready_task', recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            pass
        _skip_ids_already_emailed()
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_event_task_id'), ['task_id'], unique=False)


def _skip_ids_already_emailed() -> None:
    """Ids of tasks deleted before this upgrade may be in emails (/tasks/<id>) though no row has them: the
    next id comes after the highest one linked, so none of those links opens another case's task."""
    bind = op.get_bind()
    bodies = bind.execute(sa.text("SELECT body FROM outbox_message "
                                  "WHERE template = 'staff_new_task'")).scalars()
    linked = max((int(n) for body in bodies for n in re.findall(r"/tasks/(\d+)", body or "")), default=0)
    highest = max(linked, bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM ready_task")).scalar())
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'ready_task'"))
    bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('ready_task', :seq)"),
                 {"seq": highest})


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_task_id'))
        batch_op.drop_column('task_id')
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('ready_task', recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}) as batch_op:
            pass
