"""Email addresses checked as mail systems read them, and header values that cannot start a new header."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def is_email_address(text: str) -> bool:
    """True for one well-formed address (no display name, no CR/LF); deliverability is never looked up."""
    if text != text.strip():
        return False
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_header_safe(value: str) -> bool:
    """False for a value carrying CR or LF, which would end its header and begin another (`Bcc: ...`)."""
    return "\r" not in value and "\n" not in value
