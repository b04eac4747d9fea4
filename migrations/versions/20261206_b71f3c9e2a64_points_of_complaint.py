"""points of complaint: what the officer understood each point to be at acknowledgement, and the outcome and
reasons the response gave it (issue 20)

Revision ID: b71f3c9e2a64
Revises: 5c1e7a9d3f40
Create Date: 2026-12-06 12:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'b71f3c9e2a64'
down_revision = '5c1e7a9d3f40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'not_upheld')",
                       name=op.f('ck_complaint_point_known_outcome')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_complaint_point_case_id_comment_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_point')),
    sa.UniqueConstraint('case_id', 'stage', 'number', name=op.f('uq_complaint_point_case_id_stage_number'))
    )
    with op.batch_alter_table('complaint_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_point_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_point_outcome'), ['outcome'], unique=False)


def downgrade() -> None:
    op.drop_table('complaint_point')
