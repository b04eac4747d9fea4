"""The default dashboard worked out ahead by the timer worker (report_snapshot).

Revision ID: c8f3a1e6d254
Revises: b7e2c4d9a613
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = 'c8f3a1e6d254'
down_revision = 'b7e2c4d9a613'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_snapshot',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('tables', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_snapshot')),
    )


def downgrade():
    op.drop_table('report_snapshot')
