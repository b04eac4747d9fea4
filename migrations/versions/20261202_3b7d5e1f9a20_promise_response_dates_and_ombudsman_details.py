"""stage rows carry the promised response date; the Ombudsman's details are policy data

Revision ID: 3b7d5e1f9a20
Revises: a129858b30da
Create Date: 2026-12-02 02:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '3b7d5e1f9a20'
down_revision = 'a129858b30da'
branch_labels = None
depends_on = None

# From shared/domain.md: the Local Government and Social Care Ombudsman today.
OMBUDSMAN = {"ombudsman_name": "Local Government and Social Care Ombudsman",
             "ombudsman_website": "www.lgo.org.uk", "ombudsman_phone": "0300 061 0614",
             "ombudsman_address": "PO Box 4771, Coventry CV4 0EH"}


def upgrade() -> None:
    with op.batch_alter_table('case_stage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_response_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    setting = sa.table("policy_setting", sa.column("key"), sa.column("value"))
    op.bulk_insert(setting, [{"key": key, "value": value} for key, value in OMBUDSMAN.items()])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM policy_setting WHERE key LIKE 'ombudsman_%'"))
    with op.batch_alter_table('case_stage', schema=None) as batch_op:
        batch_op.drop_column('promised_response_at')
