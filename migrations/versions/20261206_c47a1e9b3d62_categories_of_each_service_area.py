"""categories of each service area: kept with the process versions (like their forms), chosen for a case and
copied to its reporting rows

Revision ID: c47a1e9b3d62
Revises: c3a9d5e7f104
Create Date: 2026-12-06 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c47a1e9b3d62'
down_revision = 'c3a9d5e7f104'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Versions deployed before have no list (None): the next deploy of each process carries the shipped one.
    with op.batch_alter_table('process_version') as batch:
        batch.add_column(sa.Column('categories', sa.JSON(), nullable=True))
    with op.batch_alter_table('comment_case') as batch:
        batch.add_column(sa.Column('category', sa.String(length=80), nullable=True))
    with op.batch_alter_table('case_stage') as batch:
        batch.add_column(sa.Column('category', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_stage') as batch:
        batch.drop_column('category')
    with op.batch_alter_table('comment_case') as batch:
        batch.drop_column('category')
    with op.batch_alter_table('process_version') as batch:
        batch.drop_column('categories')
