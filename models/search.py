"""The search index of cases: exact keys (phones, emails, postcodes) here; the words live in a table of each
database's own full-text kind, which processes.cases.search owns."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

KEY_KINDS = ("phone", "email", "postcode")
# The words of each case (names and the comment): a tsvector with a GIN index on PostgreSQL, an FTS5 virtual
# table on SQLite. Neither is a table SQLAlchemy can describe, so it is made by the migration and left out of
# the models; these are its names (with FTS5's shadow tables), which the schema comparison passes over.
SEARCH_TEXT_TABLE = "case_search_text"
OUTSIDE_THE_MODELS = frozenset({SEARCH_TEXT_TABLE, *(f"{SEARCH_TEXT_TABLE}_{shadow}" for shadow in
                                                     ("data", "idx", "content", "docsize", "config"))})


def described_by_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name: whether autogenerate and the schema comparison look at this table."""
    return not (type_ == "table" and name in OUTSIDE_THE_MODELS)


class CaseSearchKey(Base):
    """One normalised way to find a case: a phone number (07700900123), an email address in lower case or a
    postcode without its space (SW1A1AA), the customer's or a representative's."""

    __tablename__ = "case_search_key"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KEY_KINDS)})", name="known_kind"),
        Index("ix_case_search_key_lookup", "kind", "value", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(254), primary_key=True)
