"""every deadline watched: the director role, a grade for each account, and the timescales of escalated
work and of acknowledging queries and suggestions

Revision ID: d5e8f1a2b3c4
Revises: e5b8c1d4a792
Create Date: 2026-12-02 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e8f1a2b3c4'
down_revision = 'e5b8c1d4a792'
branch_labels = None
depends_on = None

OLD_ROLES = ("'front_line_officer', 'investigating_officer', 'senior_officer', 'customer_relations_officer', "
             "'service_manager', 'process_owner', 'administrator', 'reports_reader'")
NEW_ROLES = OLD_ROLES + ", 'director'"
# key, label, working days (the same in both profiles: the procedure's "acknowledge within 5 working days if
# a full response cannot be sent", and the time a senior officer has for work taken over when it was late).
TIMESCALES = [
    ("escalated_response", "Overdue work taken over by a senior officer: respond within", 5),
    ("query_ack", "Queries: acknowledge within, if not answered by then", 5),
    ("suggestion_ack", "Suggestions: acknowledge within, if not answered by then", 5),
]


def _known_roles(roles: str) -> None:
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role_known_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role_known_role'), f"role IN ({roles})")


def upgrade() -> None:
    _known_roles(NEW_ROLES)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_user_account_known_grade'), "grade BETWEEN 1 AND 10")
    timescale = sa.table("timescale", sa.column("profile"), sa.column("key"), sa.column("label"),
                         sa.column("working_days"), sa.column("counts_from"))
    op.bulk_insert(timescale, [{"profile": profile, "key": key, "label": label, "working_days": days,
                                "counts_from": None}
                               for key, label, days in TIMESCALES for profile in ("council", "code2024")])


def downgrade() -> None:
    keys = ", ".join(f"'{key}'" for key, _, _ in TIMESCALES)
    op.execute(f"DELETE FROM timescale WHERE key IN ({keys})")
    op.execute("DELETE FROM user_role WHERE role = 'director'")
    _known_roles(OLD_ROLES)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_known_grade'), type_='check')
        batch_op.drop_column('grade')
