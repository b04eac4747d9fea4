"""Link cases to each other (case_link); record why a complaint was not taken (case_stage.not_taken_reason).

Revision ID: f2c6a9e3b1d4
Revises: c4e1a8f25d90
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = 'f2c6a9e3b1d4'
down_revision = 'c4e1a8f25d90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('linked_case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('duplicate_of')", name=op.f('ck_case_link_known_kind')),
        sa.CheckConstraint('case_id <> linked_case_id', name=op.f('ck_case_link_not_itself')),
        sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                                name=op.f('fk_case_link_case_id_comment_case'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['linked_case_id'], ['comment_case.id'],
                                name=op.f('fk_case_link_linked_case_id_comment_case'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_case_link_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_link')),
        sa.UniqueConstraint('case_id', 'linked_case_id', 'kind',
                            name=op.f('uq_case_link_case_id_linked_case_id_kind')),
    )
    with op.batch_alter_table('case_link') as batch_op:
        batch_op.create_index(batch_op.f('ix_case_link_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_link_linked_case_id'), ['linked_case_id'], unique=False)
    with op.batch_alter_table('case_stage') as batch_op:
        batch_op.add_column(sa.Column('not_taken_reason', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('case_stage') as batch_op:
        batch_op.drop_column('not_taken_reason')
    op.drop_table('case_link')
