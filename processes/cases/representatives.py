"""Representatives: someone making or following a comment for the customer, with the customer's consent.

Recorded at intake or later on the case page by an officer who may see the case or the CRO, who may later
change their details or the consent, or record that the consent was withdrawn or that they stopped acting
(the row stays, marked so). The history lines and the audit entries name the fields, never their values;
the consent's own history (representative_consent) holds keys and dates only."""
from __future__ import annotations

from datetime import date
from typing import Mapping

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Case, ConsentRecord, Representative, User
from models.representative import CONSENT_COVERS, CONSENT_WAYS, ENDINGS, RELATIONSHIPS
from processes.access import can_view_case, require
from processes.errors import Conflict, InvalidInput, NotAllowed, ProcedureError
from processes.messaging.addresses import is_header_safe
from processes.records.history import record_event
from processes.search.cases import index_case
from processes.typed import date_from_parts, is_email_address, sensible_date

LIMITS = {"rep_name": 200, "rep_relation_other": 100, "rep_email": 254, "rep_phone": 40, "rep_address": 1000}
FIELD_NAMES = {"rep_name": "name", "rep_relation": "relationship", "rep_email": "email address",
               "rep_phone": "phone number", "rep_address": "address", "consent_how": "how consent was given",
               "consent_date": "date of consent", "consent_covers": "what the consent covers"}
# A representative's columns as a change names them (relationship once for both of its columns).
DETAILS = {"name": "name", "relation": "relationship", "relation_other": "relationship",
           "email": "email address", "phone": "phone number", "address": "address"}
CONSENT = {"consent_how": "how it was given", "consent_date": "its date",
           **{field: "what it covers" for field in CONSENT_COVERS}}
ENDING_FIELDS = ("ending", "ended_on", "ended_how")
CHANGED_MEANWHILE = ("Someone else changed this representative while you were working on it. Nothing of "
                     "yours was saved: check what they recorded, then make your change again if it is still "
                     "needed")


def _text(values: Mapping, name: str) -> str:
    return str(values.get(name) or "").strip()


def _date(values: Mapping, name: str) -> date | None:
    return date_from_parts(values.get(f"{name}-year"), values.get(f"{name}-month"), values.get(f"{name}-day"))


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
             else _date(values, "consent_date"))
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


CHECKED_FIELDS = ("name", "relation", "relation_other", "email", "phone", "address", "consent_how",
                  "consent_date", *CONSENT_COVERS)  # what check_representative gives


def checked_of(representative: Representative) -> dict:
    """A representative's details and consent as check_representative gives them, to record elsewhere."""
    return {name: getattr(representative, name) for name in CHECKED_FIELDS}


def new_representative(actor: User | None, checked: Mapping) -> Representative:
    """A representative from checked fields, their consent's history starting with its being given."""
    return Representative(recorded_by_id=actor.id if actor else None, **checked,
                          consent_history=[_consent_line("given", checked, actor)])


def _consent_line(kind: str, consent: Mapping, actor: User | None) -> ConsentRecord:
    return ConsentRecord(kind=kind, how=consent["consent_how"], dated=consent["consent_date"],
                         recorded_by_id=actor.id if actor else None,
                         **{field.removeprefix("consent_"): bool(consent.get(field))
                            for field in CONSENT_COVERS})


def _check_may_change(session: Session, actor: User, case: Case, closed_too: bool = False) -> None:
    """Refused with the reason: not an officer, not a case they see, anonymised, closed (but `closed_too`)."""
    require(actor, "work_tasks", "Only officers and the CRO record representatives")
    if not can_view_case(session, actor, case):
        raise NotAllowed("This case is outside your service areas")
    if case.anonymised_at is not None:
        raise ProcedureError("This case has been anonymised: its representatives can no longer be changed")
    if case.status != "open" and not closed_too:
        raise ProcedureError("This case is closed: its representatives' details and consent can no longer "
                             "be changed (a withdrawn consent can still be recorded)")


def add_representative(session: Session, actor: User | None, case: Case, values: Mapping,
                       today: date | None = None) -> Representative:
    """Record a representative on a case: `actor` None is the customer's own form at intake."""
    if actor is not None:
        _check_may_change(session, actor, case)
    checked, errors = check_representative(values, today or date.today())
    if errors:
        raise InvalidInput(errors, dict(values))
    representative = new_representative(actor, checked)
    case.representatives.append(representative)
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


def representative_of(case: Case, representative_id: int | None) -> Representative | None:
    """One of the case's representatives by id (None for another case's or none)."""
    return next((r for r in case.representatives if r.id == representative_id), None)


def form_values(representative: Representative) -> dict:
    """The representative as the change form shows them, in the names the form posts."""
    given = representative.consent_date
    return {"rep_name": representative.name, "rep_relation": representative.relation,
            "rep_relation_other": representative.relation_other, "rep_email": representative.email,
            "rep_phone": representative.phone, "rep_address": representative.address,
            "consent_how": representative.consent_how, "consent_date-day": str(given.day),
            "consent_date-month": str(given.month), "consent_date-year": str(given.year),
            "consent_covers": [field for field in CONSENT_COVERS if getattr(representative, field)]}


def _still_acting(session: Session, actor: User, representative: Representative, seen_version: int | None,
                  closed_too: bool = False) -> None:
    _check_may_change(session, actor, representative.case, closed_too)
    if seen_version != representative.row_version:
        raise Conflict(CHANGED_MEANWHILE)
    if not representative.acting:
        raise ProcedureError(f"This representative no longer acts for the customer "
                             f"({ENDINGS[representative.ended].lower()}): record them again if they act "
                             f"again")


def _saved(session: Session) -> None:
    """Write the representative's change first (before anything else can flush it), telling the second of two
    people changing them at once that nothing was saved."""
    try:
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        # PostgreSQL finds the row version moved on; SQLite refuses to write from an outdated snapshot.
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise Conflict(CHANGED_MEANWHILE) from exc


def _who(representative: Representative) -> str:
    """The representative as a history line names them: by the kind of relationship, never by name."""
    return "the " + {"mp": "MP", "other": "representative"}.get(representative.relation,
                                                                representative.relation)


def change_representative(session: Session, actor: User, representative: Representative, values: Mapping,
                          seen_version: int | None, today: date | None = None) -> None:
    """Change a representative's details or the consent (how, when, what it covers), from the form that
    showed them at `seen_version`."""
    _still_acting(session, actor, representative, seen_version)
    checked, errors = check_representative(values, today or date.today())
    if errors:
        raise InvalidInput(errors, dict(values))
    details = _changed(representative, checked, DETAILS)
    consent = _changed(representative, checked, CONSENT)
    if not (details or consent):
        raise ProcedureError("Nothing was changed: change a detail or the consent, or go back to the case")
    who = _who(representative)  # as they were: the relationship may be what changed
    for column, value in checked.items():
        setattr(representative, column, value)
    if consent:
        representative.consent_history.append(_consent_line("changed", checked, actor))
    _saved(session)
    said = [f"{who}'s details ({', '.join(details)})"] if details else []
    said += [f"the consent ({', '.join(consent)})"] if consent else []
    record_event(session, representative.case, actor, "representative",
                 f"{actor.name} changed {' and '.join(said)}")
    if details:
        index_case(session, representative.case)  # found by their new name, phone or email; flushes
    session.flush()


def _changed(representative: Representative, checked: Mapping, named: Mapping[str, str]) -> list[str]:
    """What changed, as `named` names it, each once and in its order."""
    found = [label for column, label in named.items() if getattr(representative, column) != checked[column]]
    return list(dict.fromkeys(found))


def check_ending(values: Mapping, representative: Representative, today: date) -> tuple[dict, dict[str, str]]:
    """How the representative stopped acting (consent withdrawn, or they stopped), when and how we were told,
    and the errors beside each field."""
    errors: dict[str, str] = {}
    ending, how, on = _text(values, "ending"), _text(values, "ended_how"), _date(values, "ended_on")
    if ending not in ENDINGS:
        errors["ending"] = "Select whether the consent was withdrawn or the representative stopped acting"
    if on is None:
        errors["ended_on"] = "Enter the date as a real date, like 27 3 2026"
    elif on > today:
        errors["ended_on"] = "The date must be today or in the past"
    elif on < representative.consent_date:
        errors["ended_on"] = (f"The date must be on or after the date of consent, "
                              f"{representative.consent_date.day} {representative.consent_date:%B %Y}")
    if how not in CONSENT_WAYS:
        errors["ended_how"] = "Select how we were told"
    if errors:
        return {}, errors
    return {"ended": ending, "ended_on": on, "ended_how": how}, {}


def end_representative(session: Session, actor: User, representative: Representative, values: Mapping,
                       seen_version: int | None, today: date | None = None) -> None:
    """Record that the customer withdrew their consent or that the representative stopped acting: from now
    on no message goes to them (processes.messaging.addresses), and the row stays, marked so."""
    _still_acting(session, actor, representative, seen_version, closed_too=True)
    checked, errors = check_ending(values, representative, today or date.today())
    if errors:
        raise InvalidInput(errors, dict(values))
    who = _who(representative)
    for column, value in checked.items():
        setattr(representative, column, value)
    representative.consent_history.append(ConsentRecord(kind=checked["ended"], how=checked["ended_how"],
                                                        dated=checked["ended_on"], recorded_by_id=actor.id))
    _saved(session)
    what = ("the customer withdrew their consent for " + who if checked["ended"] == "consent_withdrawn"
            else who + " stopped acting for the customer")
    record_event(session, representative.case, actor, "representative",
                 f"{actor.name} recorded that {what} (date and how we were told)")
    session.flush()
