"""Who a customer's messages go to, as the consent now says, and header values that cannot start a new
header. (Whether text is an email address: processes.typed.)"""
from __future__ import annotations


def is_header_safe(value: str) -> bool:
    """False for a value carrying CR or LF, which would end its header and begin another (`Bcc: ...`)."""
    return "\r" not in value and "\n" not in value


def customer_recipients(case) -> tuple[object | None, list]:
    """The one rule of where the customer's messages go: (the representative they go to instead of the
    customer, or None; the representatives sent a copy of what the customer is sent). Only representatives
    still acting (consent not withdrawn, not stopped) who can be reached count. Replies go to the first whose
    consent covers receiving them; failing that, the customer is written to and a copy goes to those whose
    consent covers acting for the customer and seeing their personal details (a reply quotes them)."""
    reachable = [r for r in case.representatives if r.acting and (r.email or r.address)]
    instead = next((r for r in reachable if r.consent_to_replies), None)
    if instead is not None:
        return instead, []
    return None, [r for r in reachable if r.consent_to_act and r.consent_to_personal]
