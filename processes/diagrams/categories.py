"""Each service area's categories, kept with the process versions like their forms.

A deployed version holds the whole list ({area: [{"key", "name", "retired"}]}) in its snapshot and content
hash, so a case keeps the list of the version it runs on. The process owner adds, renames and retires
categories; each change deploys a new version of every process carrying the new list. A category is never
deleted: a retired one stays in the list (cases keep naming it) but is not offered any more."""
from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any, Mapping

from sqlalchemy.orm import Session

from models import ProcessVersion, User
from processes.access import require
from processes.diagrams.deploy import content_digest, latest_version, new_version
from processes.diagrams.versions import processes
from processes.engine import engine_of
from processes.errors import InvalidInput, ProcedureError

NAME_LIMIT = 80
# Sensible defaults for the service areas the shipped forms offer.
SHIPPED = {
    "waste": ["Missed collection", "Bin delivery or repair", "Fly-tipping", "Street cleaning",
              "Staff conduct"],
    "council_tax": ["Bill or valuation", "Payments and arrears", "Discounts and exemptions",
                    "Housing benefit and council tax support", "Staff conduct"],
    "housing": ["Repairs", "Rent and service charges", "Allocations and homelessness",
                "Anti-social behaviour", "Staff conduct"],
    "planning": ["Planning application", "Planning enforcement", "Building control", "Staff conduct"],
    "parks": ["Grounds maintenance", "Leisure centres", "Play areas", "Staff conduct"],
    "environmental_health": ["Noise", "Food safety", "Pest control", "Pollution", "Staff conduct"],
    "licensing": ["Licence applications", "Taxis and private hire", "Premises", "Staff conduct"],
    "customer_services": ["Phone calls", "Website and online forms", "Face to face", "Staff conduct"],
    "other": ["General", "Staff conduct"],
}


def key_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
                  .decode().lower()).strip("_")[:60]


def shipped_categories() -> dict[str, list[dict[str, Any]]]:
    return {area: [{"key": key_of(n), "name": n, "retired": False} for n in names]
            for area, names in SHIPPED.items()}


def carried_categories(session: Session, process_id: str) -> dict[str, Any]:
    """What a newly deployed version of a process keeps: the list its newest version has, or the shipped
    one."""
    newest = latest_version(session, process_id)
    if newest is not None and newest.categories is not None:
        return newest.categories
    return current_categories(session)


def current_categories(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The list in force: the newest deployed versions'; the shipped one before any version has one."""
    with_lists = [v for v in processes(session) if v.categories is not None]
    if not with_lists:
        return shipped_categories()
    return max(with_lists, key=lambda v: v.id).categories


def offered(categories: Mapping[str, Any] | None, area: str | None) -> list[dict[str, Any]]:
    """The categories of an area that may be chosen (not retired)."""
    return [c for c in (categories or {}).get(area or "", []) if not c.get("retired")]


def category_name(categories: Mapping[str, Any] | None, area: str | None, key: str | None) -> str | None:
    found = next((c for c in (categories or {}).get(area or "", []) if c["key"] == key), None)
    return found["name"] if found else None


def _clean_name(name: Any, field: str = "name") -> str:
    text = re.sub(r"\s+", " ", name if isinstance(name, str) else "").strip()
    if not text:
        raise InvalidInput({field: "Enter the category's name"})
    if len(text) > NAME_LIMIT:
        raise InvalidInput({field: f"The category's name must be {NAME_LIMIT} characters or fewer"},
                           {field: text[:NAME_LIMIT]})
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInput({field: "The category's name must be plain text, without control characters"})
    return text


def _area(categories: dict, area: Any, areas: Mapping[str, str]) -> list[dict[str, Any]]:
    if not isinstance(area, str) or area not in areas:
        raise InvalidInput({"area": "Select a service area from the list"})
    return categories.setdefault(area, [])


def _not_taken(entries: list[dict[str, Any]], name: str, field: str, but: str | None = None) -> None:
    if any(c["name"].casefold() == name.casefold() and c["key"] != but for c in entries):
        raise InvalidInput({field: f"This service area already has a category called {name}: "
                                   "choose another name"}, {field: name})


def _find(entries: list[dict[str, Any]], key: Any) -> dict[str, Any]:
    found = next((c for c in entries if c["key"] == key), None)
    if found is None:
        raise InvalidInput({"key": "Select a category of this service area"})
    return found


def add_category(session: Session, actor: User, areas: Mapping[str, str], area: Any, name: Any) -> None:
    require(actor, "change_process", "Only the process owner can change the categories")
    categories = copy.deepcopy(current_categories(session))
    entries = _area(categories, area, areas)
    name = _clean_name(name)
    _not_taken(entries, name, "name")
    key, n = key_of(name) or "category", 1
    while any(c["key"] == (key if n == 1 else f"{key}_{n}") for c in entries):
        n += 1
    entries.append({"key": key if n == 1 else f"{key}_{n}", "name": name, "retired": False})
    _deploy(session, actor, categories, f"Added a category to {areas[area]}")


def rename_category(session: Session, actor: User, areas: Mapping[str, str], area: Any, key: Any,
                    name: Any) -> None:
    require(actor, "change_process", "Only the process owner can change the categories")
    categories = copy.deepcopy(current_categories(session))
    entries = _area(categories, area, areas)
    entry = _find(entries, key)
    name = _clean_name(name)
    if name == entry["name"]:
        raise InvalidInput({"name": "Enter a new name: this is the category's name already"}, {"name": name})
    _not_taken(entries, name, "name", but=entry["key"])
    entry["name"] = name
    _deploy(session, actor, categories, f"Renamed a category of {areas[area]}")


def retire_category(session: Session, actor: User, areas: Mapping[str, str], area: Any, key: Any,
                    retired: bool = True) -> None:
    """Retire a category (it is offered no more; cases that have it keep it), or bring it back."""
    require(actor, "change_process", "Only the process owner can change the categories")
    categories = copy.deepcopy(current_categories(session))
    entry = _find(_area(categories, area, areas), key)
    if bool(entry.get("retired")) == retired:
        raise ProcedureError("That category is retired already" if retired else "That category is in use")
    entry["retired"] = retired
    _deploy(session, actor, categories,
            f"{'Retired' if retired else 'Brought back'} a category of {areas[area]}")


def _deploy(session: Session, actor: User, categories: dict[str, Any], comment: str) -> list[ProcessVersion]:
    """A new version of every deployed process: its diagram, forms and templates, with the new list."""
    engine, versions = engine_of(session), []
    for newest in processes(session):
        snapshot = {"forms": newest.forms, "messages": newest.messages or {}, "categories": categories}
        versions.append(new_version(session, engine, newest.bpmn_xml, newest.process_key, snapshot,
                                    content_digest(newest.bpmn_xml, snapshot), actor, comment))
    if not versions:
        raise ProcedureError("No process is deployed yet: deploy one before changing its categories")
    return versions
