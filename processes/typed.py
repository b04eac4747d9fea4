"""What a stranger types, read as numbers, dates and email addresses the rest of the code can use: None (or
False) for anything else, so each caller answers with its own field error or 404 instead of a 500."""
from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError, validate_email

BIGGEST_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL, so a larger number names nothing
# Dates a complaints procedure can mean; outside them date arithmetic and the databases' date types fail.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def whole_number(text: object, biggest: int = BIGGEST_ID) -> int | None:
    """ASCII digits up to `biggest` ('١٢٣' and '²' are digits to str.isdigit, not to int() or a person)."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(biggest)):
        return None
    number = int(text)
    return number if number <= biggest else None


def sensible_date(text: object) -> date | None:
    """An ISO date (2026-04-01) between EARLIEST and LATEST."""
    try:
        day = date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def date_from_parts(year: object, month: object, day: object) -> date | None:
    """A date from its three boxes, as the GOV.UK date input sends it."""
    parts = [whole_number(p, 9999) for p in (year, month, day)]
    if None in parts:
        return None
    try:
        found = date(*parts)
    except ValueError:
        return None
    return found if EARLIEST <= found <= LATEST else None


def is_email_address(text: str) -> bool:
    """True for one well-formed address (no display name, no CR/LF), as mail systems read it; deliverability
    is never looked up. The one check for customers' addresses (forms) and staff accounts' (accounts)."""
    if text != text.strip():
        return False
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
