"""A case's category: chosen when the comment is recorded, corrected by the CRO afterwards."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import Case, CaseStage, User
from processes.access import require
from processes.diagrams.categories import category_name, offered
from processes.errors import InvalidInput, ProcedureError
from processes.records.history import record_event


def choice_value(area: str, key: str) -> str:
    """How a form names a category: its service area's key and its own, so one posted for another area is
    told apart."""
    return f"{area}/{key}"


def chosen_category(categories: Mapping[str, Any] | None, area: str | None, posted: Any,
                    required: bool = False) -> str | None:
    """The key of the category `posted` (as choice_value makes it) names, if it may be chosen for a comment
    about `area`; InvalidInput saying why not."""
    posted = posted.strip() if isinstance(posted, str) else ""
    if not posted:
        if required:
            raise InvalidInput({"category": "Select the category the comment is about"})
        return None
    posted_area, _, key = posted.partition("/")
    if not area or posted_area != area:
        raise InvalidInput({"category": "Select a category of the service the comment is about"})
    entry = next((c for c in (categories or {}).get(area, []) if c["key"] == key), None)
    if entry is None:
        raise InvalidInput({"category": "Select a category from the list"})
    if entry.get("retired"):
        raise InvalidInput({"category": f"{entry['name']} is no longer used: select another category"})
    return key


def category_choices(categories: Mapping[str, Any] | None, areas: Mapping[str, str]) -> list[dict[str, str]]:
    """Every category that may be chosen, as select options, named with their service area."""
    return [{"value": choice_value(area, c["key"]), "text": f"{name}: {c['name']}"}
            for area, name in areas.items() for c in offered(categories, area)]


def offered_for(case: Case) -> list[dict[str, Any]]:
    """The categories the CRO may correct a case to: its version's for its service area."""
    return offered(case.process_version.categories, case.service_area)


def case_category(case: Case) -> str | None:
    """The case's category as its version names it."""
    return category_name(case.process_version.categories, case.service_area, case.category)


def correct_category(session: Session, actor: User, case: Case, posted: Any) -> None:
    """The CRO corrects a case's category to one its version offers for its service area."""
    require(actor, "correct_category", "Only the customer relations officer can correct a case's category")
    if case.anonymised_at is not None:
        raise ProcedureError("This case has been anonymised: its category can no longer be changed")
    if not case.service_area or not offered(case.process_version.categories, case.service_area):
        raise ProcedureError("This case's service area has no categories in its process version")
    key = chosen_category(case.process_version.categories, case.service_area, posted, required=True)
    if key == case.category:
        raise InvalidInput({"category": "This is the case's category already: select another to correct it"})
    set_category(session, case, key)
    record_event(session, case, actor, "category", "Category corrected")


def triage_category(case: Case, formdata) -> tuple[str | None, dict[str, str]]:
    """At a task of a case with no category yet (its triage, the first look at it), the officer may choose
    one: (its key or None, the errors to show beside the field)."""
    if case.category is not None or not offered_for(case):
        return None, {}
    try:
        posted = formdata.get("category")
        return chosen_category(case.process_version.categories, case.service_area, posted), {}
    except InvalidInput as exc:
        return None, exc.errors


def set_category(session: Session, case: Case, key: str) -> None:
    case.category = key
    # the reporting rows copy the case's category: they count it from now on
    session.execute(update(CaseStage).where(CaseStage.case_id == case.id).values(category=key)
                    .execution_options(synchronize_session=False))
