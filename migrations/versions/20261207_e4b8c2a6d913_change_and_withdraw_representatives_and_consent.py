"""change and withdraw representatives and consent: a representative's row version and ending (consent
withdrawn, or stopped acting), and the history of each consent (issue 20)

Revision ID: e4b8c2a6d913
Revises: e5b8c2d41a97
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'e4b8c2a6d913'
down_revision = 'e5b8c2d41a97'
branch_labels = None
depends_on = None

WAYS = "'writing', 'email', 'phone', 'signed_form'"


def upgrade() -> None:
    with op.batch_alter_table('case_representative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_how', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('row_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_case_representative_known_ending'),
                                         "ended IN ('consent_withdrawn', 'stopped_acting')")
        batch_op.create_check_constraint(op.f('ck_case_representative_known_ended_how'),
                                         f"ended_how IN ({WAYS})")
        batch_op.create_check_constraint(op.f('ck_case_representative_ended_with_date'),
                                         "(ended IS NULL) = (ended_on IS NULL)")
    op.create_table('representative_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('how', sa.String(length=20), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('to_act', sa.Boolean(), nullable=False),
    sa.Column('to_replies', sa.Boolean(), nullable=False),
    sa.Column('to_personal', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('given', 'changed', 'consent_withdrawn', 'stopped_acting')",
                       name=op.f('ck_representative_consent_known_kind')),
    sa.CheckConstraint(f"how IN ({WAYS})", name=op.f('ck_representative_consent_known_how')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_representative_consent_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['representative_id'], ['case_representative.id'],
                            name=op.f('fk_representative_consent_representative_id_case_representative'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representative_consent'))
    )
    with op.batch_alter_table('representative_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representative_consent_representative_id'),
                              ['representative_id'], unique=False)
    # Every representative recorded before had their consent given: its history starts there.
    op.execute("INSERT INTO representative_consent (representative_id, kind, how, dated, to_act, to_replies, "
               "to_personal, recorded_by_id, recorded_at) SELECT id, 'given', consent_how, consent_date, "
               "consent_to_act, consent_to_replies, consent_to_personal, recorded_by_id, created_at "
               "FROM case_representative")


def downgrade() -> None:
    op.drop_table('representative_consent')
    with op.batch_alter_table('case_representative', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_representative_ended_with_date'), type_='check')
        batch_op.drop_constraint(op.f('ck_case_representative_known_ended_how'), type_='check')
        batch_op.drop_constraint(op.f('ck_case_representative_known_ending'), type_='check')
        batch_op.drop_column('row_version')
        batch_op.drop_column('ended_how')
        batch_op.drop_column('ended')
        batch_op.drop_column('ended_on')
