"""drop the timer worker's lease table: on SQLite the single worker holds an OS file lock instead, which the
kernel drops when the process dies (app/worker.py: SingleWorkerLock); PostgreSQL never used it

Revision ID: 9e4c2a7b5d18
Revises: 8e3f6a2c4b19
Create Date: 2026-12-05 08:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = '9e4c2a7b5d18'
down_revision = '8e3f6a2c4b19'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('worker_lease')


def downgrade() -> None:
    op.create_table('worker_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_lease'))
    )
