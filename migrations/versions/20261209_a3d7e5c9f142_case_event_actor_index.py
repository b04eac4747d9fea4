"""Index case_event by actor and kind: the cases an officer handled, for who may see a case.

Revision ID: a3d7e5c9f142
Revises: f2c6a9e3b1d4
"""
from alembic import op

revision = 'a3d7e5c9f142'
down_revision = 'f2c6a9e3b1d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_event_actor_kind', 'case_event', ['actor_id', 'kind', 'case_id'], unique=False)


def downgrade():
    op.drop_index('ix_case_event_actor_kind', table_name='case_event')
