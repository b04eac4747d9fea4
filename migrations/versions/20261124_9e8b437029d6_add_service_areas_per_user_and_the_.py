"""add service areas per user and the reports role

Revision ID: 9e8b437029d6
Revises: 46ce0c93ef36
Create Date: 2026-11-24 04:10:20.064719
"""
from alembic import op
import sqlalchemy as sa


revision = '9e8b437029d6'
down_revision = '46ce0c93ef36'
branch_labels = None
depends_on = None


OLD_ROLES = ("'front_line_officer', 'investigating_officer', 'senior_officer', 'customer_relations_officer', "
             "'service_manager', 'process_owner', 'administrator'")
NEW_ROLES = OLD_ROLES + ", 'reports_reader'"


def _known_roles(roles: str) -> None:
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role_known_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role_known_role'), f"role IN ({roles})")


def upgrade() -> None:
    op.create_table('user_service_area',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('service_area', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_user_service_area_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'service_area', name=op.f('pk_user_service_area'))
    )
    op.execute("INSERT INTO user_service_area (user_id, service_area) "
               "SELECT id, service_area FROM user_account WHERE service_area IS NOT NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('service_area')
    _known_roles(NEW_ROLES)


def downgrade() -> None:
    op.execute("DELETE FROM user_role WHERE role = 'reports_reader'")
    _known_roles(OLD_ROLES)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_area', sa.VARCHAR(length=80), nullable=True))

    op.drop_table('user_service_area')
