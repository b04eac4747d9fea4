"""Header values that cannot start a new header. (Whether text is an email address: processes.typed.)"""
from __future__ import annotations


def is_header_safe(value: str) -> bool:
    """False for a value carrying CR or LF, which would end its header and begin another (`Bcc: ...`)."""
    return "\r" not in value and "\n" not in value
