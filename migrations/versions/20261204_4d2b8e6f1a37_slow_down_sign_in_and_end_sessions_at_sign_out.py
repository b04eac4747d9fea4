"""sign-in slows down (wait_until, not a lock-out) and sign-out ends the session on the server
(session_version)

Revision ID: 4d2b8e6f1a37
Revises: b8f7f9b85bf3
Create Date: 2026-12-04 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '4d2b8e6f1a37'
down_revision = 'b8f7f9b85bf3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('locked_until', new_column_name='wait_until')
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.alter_column('wait_until', new_column_name='locked_until')
