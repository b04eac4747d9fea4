"""Representatives: someone making or following a comment for the customer, with the customer's consent.

Recorded at intake or later on the case page by an officer who may see the case or the CRO. The history line
and the audit entry name the fields recorded, never their values."""
from __future__ import annotations

from datetime import date
from typing import Mapping

from sqlalchemy.orm import Session

from models import Case, Representative, User
from models.representative import CONSENT_COVERS, CONSENT_WAYS, RELATIONSHIPS
from processes.access import can_view_case, require
from processes.search.cases import index_case
from processes.errors import InvalidInput, NotAllowed
from processes.messaging.addresses import is_header_safe
from processes.records.history import record_event
from processes.typed import date_from_parts, is_email_address, sensible_date

LIMITS = {"rep_name": 200, "rep_relation_other": 100, "rep_email": 254, "rep_phone": 40, "rep_address": 1000}
FIELD_NAMES = {"rep_name": "name", "rep_relation": "relationship", "rep_email": "email address",
               "rep_phone": "phone number", "rep_address": "address", "consent_how": "how consent was given",
               "consent_date": "date of consent", "consent_covers": "what the consent covers"}


def _text(values: Mapping, name: str) -> str:
    return str(values.get(name) or "").strip()


def check_representative(values: Mapping, today: date) -> tuple[dict, dict[str, str]]:
    """The representative's fields from a form (request.form or a dict), and the errors beside each field."""
    errors: dict[str, str] = {}
    fields = {name: _text(values, name) for name in LIMITS}
    for name, limit in LIMITS.items():
        if len(fields[name]) > limit:
            errors[name] = f"Enter no more than {limit} characters"
        elif "\x00" in fields[name] or not is_header_safe(fields[name]) and name != "rep_address":
            errors[name] = "Enter this without line breaks or control characters"
    if not fields["rep_name"]:
        errors.setdefault("rep_name", "Enter the representative's name")
    relation = _text(values, "rep_relation")
    if relation not in RELATIONSHIPS:
        errors["rep_relation"] = "Select the representative's relationship to the customer"
    elif relation == "other" and not fields["rep_relation_other"]:
        errors.setdefault("rep_relation_other", "Enter the relationship")
    if fields["rep_email"] and not is_email_address(fields["rep_email"]):
        errors.setdefault("rep_email", "Enter an email address in the correct format, like name@example.com")
    if not (fields["rep_email"] or fields["rep_phone"] or fields["rep_address"]):
        errors.setdefault("rep_email", "Enter at least one way to contact the representative")
    how = _text(values, "consent_how")
    if how not in CONSENT_WAYS:
        errors["consent_how"] = "Select how the customer gave their consent"
    given = (sensible_date(values["consent_date"]) if values.get("consent_date")  # the public form's answer
             else date_from_parts(values.get("consent_date-year"), values.get("consent_date-month"),
                                  values.get("consent_date-day")))
    if given is None:
        errors["consent_date"] = "Enter the date of consent as a real date, like 27 3 2026"
    elif given > today:
        errors["consent_date"] = "The date of consent must be today or in the past"
    getlist = getattr(values, "getlist", None)
    covers = set(getlist("consent_covers") if getlist else values.get("consent_covers") or [])
    if not covers or not covers <= set(CONSENT_COVERS):
        errors["consent_covers"] = "Select what the customer's consent covers"
    if errors:
        return {}, errors
    return {"name": fields["rep_name"], "relation": relation,
            "relation_other": fields["rep_relation_other"] if relation == "other" else None,
            "email": fields["rep_email"] or None, "phone": fields["rep_phone"] or None,
            "address": fields["rep_address"] or None, "consent_how": how, "consent_date": given,
            **{field: field in covers for field in CONSENT_COVERS}}, {}


def add_representative(session: Session, actor: User | None, case: Case, values: Mapping,
                       today: date | None = None) -> Representative:
    """Record a representative on a case: `actor` None is the customer's own form at intake."""
    if actor is not None:
        require(actor, "work_tasks", "Only officers and the CRO record representatives")
        if not can_view_case(session, actor, case):
            raise NotAllowed("This case is outside your service areas")
    checked, errors = check_representative(values, today or date.today())
    if errors:
        raise InvalidInput(errors, dict(values))
    representative = Representative(case=case, recorded_by_id=actor.id if actor else None, **checked)
    session.add(representative)
    record_representative_line(session, case, actor, checked)
    index_case(session, case)  # flushes
    return representative


def record_representative_line(session: Session, case: Case, actor: User | None, checked: Mapping) -> None:
    """The history line (and audit entry) naming which of the representative's details were recorded."""
    stored = {"rep_name": "name", "rep_relation": "relation", "rep_email": "email", "rep_phone": "phone",
              "rep_address": "address"}
    named = [FIELD_NAMES[form_field] for form_field, column in stored.items() if checked.get(column)]
    who = actor.name if actor else "The customer"
    record_event(session, case, actor, "representative",
                 f"{who} recorded a representative ({', '.join(named)}; consent: how, date and what it "
                 f"covers)")
