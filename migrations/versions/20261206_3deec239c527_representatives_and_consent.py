"""representatives and consent: who makes or follows a comment for the customer, and what the customer's
consent covers (issue 20)

Revision ID: 3deec239c527
Revises: c47a1e9b3d62
Create Date: 2026-12-06 08:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = '3deec239c527'
down_revision = 'c47a1e9b3d62'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_representative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('relation_other', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('consent_how', sa.String(length=20), nullable=False),
    sa.Column('consent_date', sa.Date(), nullable=False),
    sa.Column('consent_to_act', sa.Boolean(), nullable=False),
    sa.Column('consent_to_replies', sa.Boolean(), nullable=False),
    sa.Column('consent_to_personal', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("relation IN ('mp', 'councillor', 'advocate', 'relative', 'solicitor', 'friend', "
                       "'other')",
                       name=op.f('ck_case_representative_known_relation')),
    sa.CheckConstraint("consent_how IN ('writing', 'email', 'phone', 'signed_form')",
                       name=op.f('ck_case_representative_known_consent_how')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_case_representative_case_id_comment_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_case_representative_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_representative'))
    )
    with op.batch_alter_table('case_representative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_representative_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_representative_relation'), ['relation'], unique=False)


def downgrade() -> None:
    op.drop_table('case_representative')
