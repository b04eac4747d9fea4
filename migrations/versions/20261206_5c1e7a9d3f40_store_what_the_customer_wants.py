"""Store what the customer wants us to do (outcome_wanted): asked on the public form, dropped until now.

Revision ID: 5c1e7a9d3f40
Revises: 3deec239c527
"""
import sqlalchemy as sa
from alembic import op

revision = '5c1e7a9d3f40'
down_revision = '3deec239c527'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment_case') as batch:
        batch.add_column(sa.Column('outcome_wanted', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('comment_case') as batch:
        batch.drop_column('outcome_wanted')
