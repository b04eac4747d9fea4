"""Process versions may repeat content: a rollback deploys an older version's content as a new number.

Revision ID: bac48e222a78
Revises: 94eb536a6190
Create Date: 2026-11-24 04:20:14.916770
"""
from alembic import op


revision = 'bac48e222a78'
down_revision = '94eb536a6190'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_process_version_process_key_content_hash'), type_='unique')
        batch_op.create_index('ix_process_version_key_hash', ['process_key', 'content_hash'], unique=False)


def downgrade() -> None:
    # Fails if a rollback has repeated a version's content: remove those versions first.
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_index('ix_process_version_key_hash')
        batch_op.create_unique_constraint(batch_op.f('uq_process_version_process_key_content_hash'),
                                          ['process_key', 'content_hash'])
