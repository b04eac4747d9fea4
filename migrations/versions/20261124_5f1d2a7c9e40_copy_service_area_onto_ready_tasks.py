"""copy each case's service area onto its ready tasks, for team lists counted from an index

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
               "(SELECT comment_case.service_area FROM comment_case WHERE comment_case.id = ready_task.case_id)")
    with op.batch_alter_table('ready_task', schema=None) as batch_op:
        batch_op.create_index('ix_ready_task_team', ['role', 'assigned_to_id', 'service_area', 'due_at', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ready_task', schema=None) as batch_op:
        batch_op.drop_index('ix_ready_task_team')
        batch_op.drop_column('service_area')
