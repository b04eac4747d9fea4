"""Record what the customer said of a resolution at first contact (case_stage.first_contact).

Revision ID: e4b8c2f1a9d7
Revises: e5b8c2a4d917
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4b8c2f1a9d7'
down_revision = 'e5b8c2a4d917'
branch_labels = None
depends_on = None

KNOWN = "first_contact IN ('satisfied', 'dissatisfied')"  # models.reporting.FIRST_CONTACT, as it was


def upgrade():
    with op.batch_alter_table('case_stage') as batch_op:
        batch_op.add_column(sa.Column('first_contact', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_case_stage_known_first_contact'), KNOWN)
    # Resolutions recorded before this revision had no question: the customer was taken to be satisfied.
    op.execute("UPDATE case_stage SET first_contact = 'satisfied' "
               "WHERE stage = 'stage1' AND outcome = 'resolved'")


def downgrade():
    with op.batch_alter_table('case_stage') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_stage_known_first_contact'), type_='check')
        batch_op.drop_column('first_contact')
