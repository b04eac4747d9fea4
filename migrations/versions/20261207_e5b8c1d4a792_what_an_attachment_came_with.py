"""What an attachment came with: the comment, a task's form (which task, its name and stage) or the case page
(issue 20: task forms take files)

Revision ID: e5b8c1d4a792
Revises: a7d2e94c1b35
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5b8c1d4a792'
down_revision = 'a7d2e94c1b35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Files attached before came with their comment (the only forms that took files).
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('came_with', sa.String(length=10), server_default='comment',
                                      nullable=False))
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('task_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(op.f('ck_attachment_known_came_with'),
                                         "came_with IN ('comment', 'task', 'case')")


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attachment_known_came_with'), type_='check')
        batch_op.drop_column('stage')
        batch_op.drop_column('task_name')
        batch_op.drop_column('task_id')
        batch_op.drop_column('came_with')
