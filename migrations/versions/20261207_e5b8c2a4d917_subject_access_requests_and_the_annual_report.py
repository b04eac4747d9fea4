"""subject access requests; the self-assessment per provision of the Code; the annual report's governance
response and Ombudsman letter (issue 21)

Revision ID: e5b8c2a4d917
Revises: d5e8f1a2b3c4
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'e5b8c2a4d917'
down_revision = 'd5e8f1a2b3c4'
branch_labels = None
depends_on = None

# The provisions of each section when this migration was written (processes/reporting/code_provisions.json
# may change later; a migration must not): a section's answer and evidence are copied onto each of them.
PROVISIONS = {
    "definitions": [f"1.{n}" for n in range(1, 9)], "exclusions": [f"2.{n}" for n in range(1, 6)],
    "accessibility": [f"3.{n}" for n in range(1, 9)], "staff": [f"4.{n}" for n in range(1, 4)],
    "process": [f"5.{n}" for n in range(1, 8)], "stages": [f"6.{n}" for n in range(1, 12)],
    "putting_right": [f"7.{n}" for n in range(1, 6)], "reporting": [f"8.{n}" for n in range(1, 4)],
    "learning": [f"9.{n}" for n in range(1, 8)],
}
FIRST = {section: provisions[0] for section, provisions in PROVISIONS.items()}

assessment = sa.table('self_assessment', sa.column('id', sa.Integer), sa.column('year', sa.Integer),
                      sa.column('section', sa.String), sa.column('provision', sa.String),
                      sa.column('answer', sa.String), sa.column('evidence', sa.Text),
                      sa.column('updated_at', models.base.UTCDateTime(timezone=True)),
                      sa.column('updated_by_id', sa.Integer))


def upgrade() -> None:
    op.create_table('subject_access_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=True),
    sa.Column('requester_contact', sa.Text(), nullable=True),
    sa.Column('search_email', sa.String(length=320), nullable=True),
    sa.Column('search_name', sa.String(length=200), nullable=True),
    sa.Column('search_phone', sa.String(length=40), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('logged_by_id', sa.Integer(), nullable=False),
    sa.Column('logged_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('cases_exported', sa.Integer(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_notified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requester_erased_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'answered', 'withdrawn')",
                       name=op.f('ck_subject_access_request_known_status')),
    sa.ForeignKeyConstraint(['logged_by_id'], ['user_account.id'],
                            name=op.f('fk_subject_access_request_logged_by_id_user_account')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                            name=op.f('fk_subject_access_request_answered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_request'))
    )
    op.create_index('ix_subject_access_request_status_due_on', 'subject_access_request', ['status', 'due_on'])
    op.create_table('annual_report',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('governance_response', sa.Text(), nullable=True),
    sa.Column('governance_body', sa.String(length=200), nullable=True),
    sa.Column('governance_responded_on', sa.Date(), nullable=True),
    sa.Column('governance_entered_by_id', sa.Integer(), nullable=True),
    sa.Column('letter_sha256', sa.String(length=64), nullable=True),
    sa.Column('letter_name', sa.String(length=255), nullable=True),
    sa.Column('letter_kind', sa.String(length=40), nullable=True),
    sa.Column('letter_mime', sa.String(length=100), nullable=True),
    sa.Column('letter_size', sa.Integer(), nullable=True),
    sa.Column('letter_scan_state', sa.String(length=10), nullable=True),
    sa.Column('letter_uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('letter_uploaded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("letter_scan_state IN ('clean', 'pending')",
                       name=op.f('ck_annual_report_known_scan_state')),
    sa.ForeignKeyConstraint(['governance_entered_by_id'], ['user_account.id'],
                            name=op.f('fk_annual_report_governance_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['letter_uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_annual_report_letter_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_annual_report'))
    )
    _self_assessment_per_provision()


def _self_assessment_per_provision() -> None:
    """Each section's answer (and its evidence) becomes the answer of each of its provisions."""
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provision', sa.String(length=10), nullable=True))
        batch_op.drop_constraint('uq_self_assessment_year_section', type_='unique')
    bind = op.get_bind()
    rows = bind.execute(sa.select(assessment)).mappings().all()
    for row in rows:
        provisions = PROVISIONS.get(row['section'])
        if not provisions:  # a section this migration does not know: kept, as its own provision
            bind.execute(assessment.update().where(assessment.c.id == row['id'])
                         .values(provision=row['section'][:10]))
            continue
        bind.execute(assessment.update().where(assessment.c.id == row['id']).values(provision=provisions[0]))
        bind.execute(assessment.insert(), [
            {'year': row['year'], 'section': row['section'], 'provision': provision, 'answer': row['answer'],
             'evidence': row['evidence'], 'updated_at': row['updated_at'],
             'updated_by_id': row['updated_by_id']}
            for provision in provisions[1:]])
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.alter_column('provision', existing_type=sa.String(length=10), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_self_assessment_year_provision'),
                                          ['year', 'provision'])


def downgrade() -> None:
    """Back to one row per section: the first provision's answer and evidence stand for the section."""
    bind = op.get_bind()
    firsts = set(FIRST.values())
    for row in bind.execute(sa.select(assessment)).mappings().all():
        if row['provision'] not in firsts and row['section'] in PROVISIONS:
            bind.execute(assessment.delete().where(assessment.c.id == row['id']))
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_self_assessment_year_provision', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_self_assessment_year_section'), ['year', 'section'])
        batch_op.drop_column('provision')
    op.drop_table('annual_report')
    op.drop_index('ix_subject_access_request_status_due_on', table_name='subject_access_request')
    op.drop_table('subject_access_request')
