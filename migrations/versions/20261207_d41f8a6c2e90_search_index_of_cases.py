"""search index of cases: normalised phones, emails and postcodes, and the words (names and comment) in each
database's full-text index, filled for every case not anonymised (issue 21)

On PostgreSQL the words are a tsvector with a GIN index; on SQLite an FTS5 table whose rowid is the case's id.

Revision ID: d41f8a6c2e90
Revises: e4b8c2a6d913
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from processes.search.cases import index_all

revision = 'd41f8a6c2e90'
down_revision = 'e4b8c2a6d913'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_search_key',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=254), nullable=False),
    sa.CheckConstraint("kind IN ('phone', 'email', 'postcode')", name=op.f('ck_case_search_key_known_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['comment_case.id'],
                            name=op.f('fk_case_search_key_case_id_comment_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'kind', 'value', name=op.f('pk_case_search_key'))
    )
    op.create_index('ix_case_search_key_lookup', 'case_search_key', ['kind', 'value', 'case_id'],
                    unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE TABLE case_search_text (case_id INTEGER PRIMARY KEY "
                   "REFERENCES comment_case (id) ON DELETE CASCADE, document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_case_search_text_document ON case_search_text USING GIN (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE case_search_text USING fts5(names, words, "
                   "tokenize = 'porter unicode61 remove_diacritics 2')")
    index_all(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.execute("DROP TABLE case_search_text")
    op.drop_index('ix_case_search_key_lookup', table_name='case_search_key')
    op.drop_table('case_search_key')
