"""remedy actions: remedies the response promised to do later, with due dates, tracked to done (issue 20)

Revision ID: e5b8c2d41a97
Revises: e4b8c2f1a9d7
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'e5b8c2d41a97'
down_revision = 'e4b8c2f1a9d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('remedy_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('overdue_notified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'done')", name=op.f('ck_remedy_action_known_state')),
    sa.CheckConstraint("(state = 'done') = (done_at IS NOT NULL)",
                       name=op.f('ck_remedy_action_done_when_done')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_remedy_action_case_id_comment_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'],
                            name=op.f('fk_remedy_action_responsible_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_remedy_action_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'],
                            name=op.f('fk_remedy_action_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'],
                            name=op.f('fk_remedy_action_message_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_action')),
    sa.UniqueConstraint('case_id', 'stage', 'number', name=op.f('uq_remedy_action_case_id_stage_number'))
    )
    with op.batch_alter_table('remedy_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedy_action_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index('ix_remedy_action_state_due_on', ['state', 'due_on'], unique=False)


def downgrade() -> None:
    op.drop_table('remedy_action')
