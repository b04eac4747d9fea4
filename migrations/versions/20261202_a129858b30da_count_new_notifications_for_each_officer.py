"""count new notifications for each officer: the newest one each has seen

Revision ID: a129858b30da
Revises: ce950ee6b649
Create Date: 2026-12-02 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a129858b30da'
down_revision = 'ce950ee6b649'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notifications_seen_id', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('notifications_seen_id')
