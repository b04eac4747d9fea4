"""The reporting indexes cover every column the dashboard reads: category on comment_case; category and
first_contact on case_stage.

Revision ID: b7e2c4d9a613
Revises: a3d7e5c9f142
"""
from alembic import op

revision = 'b7e2c4d9a613'
down_revision = 'a3d7e5c9f142'
branch_labels = None
depends_on = None

CASE = ['received_at', 'comment_type', 'channel', 'service_area']
STAGE = ['received_at', 'stage', 'comment_type', 'channel', 'service_area', 'outcome', 'extension_days',
         'ack_in_time', 'response_in_time', 'working_days_to_respond']
STAGE_NOW = ['received_at', 'stage', 'comment_type', 'channel', 'service_area', 'category', 'outcome',
             'first_contact', 'extension_days', 'ack_in_time', 'response_in_time', 'working_days_to_respond']


def _replace(table: str, name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name=table)
    op.create_index(name, table, columns, unique=False)


def upgrade():
    _replace('comment_case', 'ix_comment_case_reporting', CASE + ['category'])
    _replace('case_stage', 'ix_case_stage_reporting', STAGE_NOW)


def downgrade():
    _replace('comment_case', 'ix_comment_case_reporting', CASE)
    _replace('case_stage', 'ix_case_stage_reporting', STAGE)
