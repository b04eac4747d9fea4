"""rerecorded cases: a case re-recorded as another type names the case it came from (issue 21)

Revision ID: c4e1a8f25d90
Revises: d41f8a6c2e90
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e1a8f25d90'
down_revision = 'd41f8a6c2e90'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comment_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rerecorded_from_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_comment_case_rerecorded_from_id'), ['rerecorded_from_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comment_case_rerecorded_from_id_comment_case'),
                                    'comment_case', ['rerecorded_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('comment_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comment_case_rerecorded_from_id_comment_case'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_comment_case_rerecorded_from_id'))
        batch_op.drop_column('rerecorded_from_id')
