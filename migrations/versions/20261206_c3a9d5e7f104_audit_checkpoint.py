"""the audit trail's checkpoint: how far the chain was last found intact, so the audit page checks only the
entries after it (processes/records/audit.py: check_chain)

Revision ID: c3a9d5e7f104
Revises: 9e4c2a7b5d18
Create Date: 2026-12-06 08:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'c3a9d5e7f104'
down_revision = '9e4c2a7b5d18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('checked_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('full_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    # The one row, at the start of the chain: the first check walks it all (and two first checks at once
    # never both insert it).
    op.execute(sa.text("INSERT INTO audit_checkpoint (id, entry_id, hash, count, checked_at) "
                       "VALUES (1, 0, :genesis, 0, CURRENT_TIMESTAMP)").bindparams(genesis="0" * 64))


def downgrade() -> None:
    op.drop_table('audit_checkpoint')
