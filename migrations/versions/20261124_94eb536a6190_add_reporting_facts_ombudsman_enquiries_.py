"""add reporting facts ombudsman enquiries improvement actions and self assessment

Revision ID: 94eb536a6190
Revises: 12c88dd28b55
Create Date: 2026-11-24 04:30:14.152980
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '94eb536a6190'
down_revision = '12c88dd28b55'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('self_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("answer IN ('yes', 'partly', 'no')", name=op.f('ck_self_assessment_known_answer')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_self_assessment_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment')),
    sa.UniqueConstraint('year', 'section', name=op.f('uq_self_assessment_year_section'))
    )
    op.create_table('case_remedy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('remedy', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.CheckConstraint("remedy IN ('apology', 'explanation', 'action', 'changed_decision', "
                       "'corrected_record', 'financial', 'changed_policy')",
                       name=op.f('ck_case_remedy_known_remedy')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_case_remedy_case_id_comment_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_remedy')),
    sa.UniqueConstraint('case_id', 'stage', 'remedy', name=op.f('uq_case_remedy_case_id_stage_remedy'))
    )
    with op.batch_alter_table('case_remedy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_remedy_case_id'), ['case_id'], unique=False)

    op.create_table('case_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment_type', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('service_area', sa.String(length=80), nullable=True),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ack_due_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_in_time', sa.Boolean(), nullable=True),
    sa.Column('response_due_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_in_time', sa.Boolean(), nullable=True),
    sa.Column('working_days_to_respond', sa.Integer(), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.CheckConstraint("stage IN ('stage1', 'stage2', 'response')", name=op.f('ck_case_stage_known_stage')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'], name=op.f('fk_case_stage_case_id_comment_case'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_stage')),
    sa.UniqueConstraint('case_id', 'stage', name=op.f('uq_case_stage_case_id_stage'))
    )
    with op.batch_alter_table('case_stage', schema=None) as batch_op:
        batch_op.create_index('ix_case_stage_reporting', ['received_at', 'stage', 'comment_type', 'channel',
                                                          'service_area', 'outcome', 'extension_days',
                                                          'ack_in_time', 'response_in_time',
                                                          'working_days_to_respond'], unique=False)

    op.create_table('ombudsman_enquiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('lgsco_reference', sa.String(length=40), nullable=False),
    sa.Column('decision', sa.String(length=40), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.CheckConstraint("decision IN ('upheld_injustice', 'upheld_no_injustice', 'not_upheld', "
                       "'closed_after_initial_enquiries', 'referred_back', 'withdrawn')",
                       name=op.f('ck_ombudsman_enquiry_known_decision')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_ombudsman_enquiry_case_id_comment_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ombudsman_enquiry'))
    )
    with op.batch_alter_table('ombudsman_enquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ombudsman_enquiry_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ombudsman_enquiry_received_on'), ['received_on'], unique=False)

    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('ombudsman_enquiry_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('service_area', sa.String(length=80), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('complaint', 'suggestion', 'ombudsman', 'other')",
                       name=op.f('ck_improvement_action_known_source')),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')",
                       name=op.f('ck_improvement_action_known_status')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_improvement_action_case_id_comment_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ombudsman_enquiry_id'], ['ombudsman_enquiry.id'],
                            name=op.f('fk_improvement_action_ombudsman_enquiry_id_ombudsman_enquiry'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                            name=op.f('fk_improvement_action_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action'))
    )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_action_ombudsman_enquiry_id'),
                              ['ombudsman_enquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_action_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_improvement_action_status_due_on', ['status', 'due_on'], unique=False)

    with op.batch_alter_table('comment_case', schema=None) as batch_op:
        batch_op.create_index('ix_comment_case_reporting',
                              ['received_at', 'comment_type', 'channel', 'service_area'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('comment_case', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_case_reporting')

    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_index('ix_improvement_action_status_due_on')
        batch_op.drop_index(batch_op.f('ix_improvement_action_owner_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_action_ombudsman_enquiry_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_action_case_id'))

    op.drop_table('improvement_action')
    with op.batch_alter_table('ombudsman_enquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ombudsman_enquiry_received_on'))
        batch_op.drop_index(batch_op.f('ix_ombudsman_enquiry_case_id'))

    op.drop_table('ombudsman_enquiry')
    with op.batch_alter_table('case_stage', schema=None) as batch_op:
        batch_op.drop_index('ix_case_stage_reporting')

    op.drop_table('case_stage')
    with op.batch_alter_table('case_remedy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_remedy_case_id'))

    op.drop_table('case_remedy')
    op.drop_table('self_assessment')
