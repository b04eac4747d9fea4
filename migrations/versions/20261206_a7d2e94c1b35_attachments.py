"""attachments: files attached to a case, stored outside the database under their sha256 (issue 20)

Revision ID: a7d2e94c1b35
Revises: b71f3c9e2a64
Create Date: 2026-12-06 12:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'a7d2e94c1b35'
down_revision = 'b71f3c9e2a64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('scan_state', sa.String(length=10), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scan_state IN ('clean', 'pending')", name=op.f('ck_attachment_known_scan_state')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'], name=op.f('fk_attachment_case_id_comment_case'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_scan_state'), ['scan_state'], unique=False)


def downgrade() -> None:
    op.drop_table('attachment')
