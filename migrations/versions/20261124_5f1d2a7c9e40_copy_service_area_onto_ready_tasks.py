"""copy each case's service area onto its ready tasks; team lists read partial indexes of untaken tasks

Revision ID: 5f1d2a7c9e40
Revises: bac48e222a78
Create Date: 2026-11-24 05:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5f1d2a7c9e40'
down_revision = 'bac48e222a78'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ready_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_area', sa.String(length=80), nullable=True))
    op.execute("UPDATE ready_task SET service_area = "
               "(SELECT comment_case.service_area FROM comment_case "
               "WHERE comment_case.id = ready_task.case_id)")
    untaken = sa.text("assigned_to_id IS NULL")
    with op.batch_alter_table('ready_task', schema=None) as batch_op:
        batch_op.drop_index('ix_ready_task_role_assignee_due')
        batch_op.create_index('ix_ready_task_team_due', ['role', 'due_at', 'id'], unique=False,
                              postgresql_where=untaken, sqlite_where=untaken)
        batch_op.create_index('ix_ready_task_team_area', ['role', 'service_area', 'due_at'], unique=False,
                              postgresql_where=untaken, sqlite_where=untaken)


def downgrade() -> None:
    with op.batch_alter_table('ready_task', schema=None) as batch_op:
        batch_op.drop_index('ix_ready_task_team_area')
        batch_op.drop_index('ix_ready_task_team_due')
        batch_op.create_index('ix_ready_task_role_assignee_due', ['role', 'assigned_to_id', 'due_at', 'id'],
                              unique=False)
        batch_op.drop_column('service_area')
