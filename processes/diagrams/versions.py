"""Version history of a process: what each version holds, the difference between two, and rollback."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, ProcessVersion, User
from processes.access import require
from processes.diagrams.deploy import latest_version, new_version
from processes.diagrams.deploy_checks import find_problems
from processes.engine import BPMN, BPMN_NS, SPIFF, SPIFF_NS, WorkflowEngine, engine_of, safe_xml_tree
from processes.errors import InvalidInput, NotFound, ProcedureError
from processes.records.audit import audit
_NOT_ELEMENTS = {"laneSet", "lane", "flowNodeRef", "incoming", "outgoing", "extensionElements", "script",
                 "conditionExpression", "documentation", "text"}


@dataclass
class VersionDiff:
    """What changed from version `a` to version `b`, readable by the process owner."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], list[tuple[str, Any, Any]]]] = field(default_factory=list)
    forms: dict[str, list[str]] = field(default_factory=dict)     # added / removed / changed form names
    messages: dict[str, list[str]] = field(default_factory=dict)  # the same for message templates
    # added / renamed / retired / brought back: (service area, the category's name in `b`)
    categories: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or any(self.forms.values())
                    or any(self.messages.values()) or any(self.categories.values()))


def versions_of(session: Session, process_key: str) -> list[tuple[ProcessVersion, int]]:
    """Every version of a process, newest first, with how many open cases run on each."""
    counts = dict(session.execute(
        select(Case.process_version_id, func.count()).join(ProcessVersion)
        .where(ProcessVersion.process_key == process_key, Case.status == "open")
        .group_by(Case.process_version_id)).all())
    versions = session.scalars(select(ProcessVersion).filter_by(process_key=process_key)
                               .order_by(ProcessVersion.number.desc())).all()
    return [(v, counts.get(v.id, 0)) for v in versions]


def processes(session: Session) -> list[ProcessVersion]:
    """The newest version of every deployed process."""
    newest = select(ProcessVersion.process_key, func.max(ProcessVersion.number).label("n")) \
        .group_by(ProcessVersion.process_key).subquery()
    return list(session.scalars(select(ProcessVersion).join(
        newest, (ProcessVersion.process_key == newest.c.process_key) & (ProcessVersion.number == newest.c.n))
        .order_by(ProcessVersion.process_key)))


def get_version(session: Session, process_key: str, number: int) -> ProcessVersion:
    version = session.scalar(select(ProcessVersion).filter_by(process_key=process_key, number=number))
    if version is None:
        raise NotFound(f"There is no version {number} of {process_key}")
    return version


# -- the difference between two versions -------------------------------------------------------
def _text(element, path: str) -> str | None:
    found = element.find(path, {"bpmn": BPMN_NS, "spiff": SPIFF_NS})
    return re.sub(r"\s+", " ", found.text).strip() if found is not None and found.text else None


def _describe(element, lanes: dict[str, str]) -> dict[str, Any]:
    """The parts of one diagram element a process owner cares about."""
    ident = element.get("id")
    props = {p.get("name"): p.get("value") for p in element.iter(f"{SPIFF}property")}
    timer = next((re.sub(r"\s+", " ", t.text or "").strip()
                  for kind in ("timeDate", "timeDuration", "timeCycle")
                  for t in element.iter(f"{BPMN}{kind}")), None)
    message = next((m.get("messageRef") for m in element.iter(f"{BPMN}messageEventDefinition")), None)
    kind = re.sub(r"(?<!^)([A-Z])", r" \1", element.tag.split("}")[1]).lower()
    described = {"id": ident, "type": kind, "name": element.get("name"), "lane": lanes.get(ident),
                 "script": _text(element, "bpmn:script"), "pre-script": _text(element, ".//spiff:preScript"),
                 "post-script": _text(element, ".//spiff:postScript"),
                 "condition": _text(element, "bpmn:conditionExpression"), "timer": timer, "message": message,
                 "from": element.get("sourceRef"), "to": element.get("targetRef"),
                 "attached to": element.get("attachedToRef"), "default flow": element.get("default")}
    described.update({f"property {name}": value for name, value in sorted(props.items())})
    return {k: v for k, v in described.items() if v is not None}


def describe_elements(xml: bytes, process_key: str) -> dict[str, dict[str, Any]]:
    """{element id: description} for every flow element of a process (parsed safely, without the engine)."""
    root = safe_xml_tree(xml)
    process = next((p for p in root.iter(f"{BPMN}process") if p.get("id") == process_key), None)
    if process is None:
        return {}
    lanes = {ref.text.strip(): lane.get("name") for lane in process.iter(f"{BPMN}lane")
             for ref in lane.findall(f"{BPMN}flowNodeRef") if ref.text}
    elements = {}
    for element in process.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(BPMN) or element is process:
            continue
        if element.get("id") and element.tag.split("}")[1] not in _NOT_ELEMENTS \
                and not element.tag.endswith("EventDefinition"):
            elements[element.get("id")] = _describe(element, lanes)
    return elements


def _compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    def same(a, b):
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": sorted(k for k in set(old) & set(new) if not same(old[k], new[k]))}


def _category_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list]:
    changes: dict[str, list] = {"added": [], "renamed": [], "retired": [], "brought back": []}
    for area, entries in sorted((new or {}).items()):
        before = {c["key"]: c for c in (old or {}).get(area, [])}
        for c in entries:
            was = before.get(c["key"])
            kind = ("added" if was is None else "renamed" if was["name"] != c["name"]
                    else None)
            if kind:
                changes[kind].append((area, c["name"]))
            if was is not None and bool(was.get("retired")) != bool(c.get("retired")):
                changes["retired" if c.get("retired") else "brought back"].append((area, c["name"]))
    return changes


def diff_versions(a: ProcessVersion, b: ProcessVersion) -> VersionDiff:
    """Elements added, removed and changed (field by field) from `a` to `b`, and their forms and templates."""
    old, new = describe_elements(a.bpmn_xml, a.process_key), describe_elements(b.bpmn_xml, b.process_key)
    diff = VersionDiff(added=[new[i] for i in sorted(set(new) - set(old))],
                       removed=[old[i] for i in sorted(set(old) - set(new))],
                       forms=_compare(a.forms or {}, b.forms or {}),
                       messages=_compare(a.messages or {}, b.messages or {}),
                       categories=_category_changes(a.categories, b.categories))
    for ident in sorted(set(old) & set(new)):
        fields = [(k, old[ident].get(k), new[ident].get(k)) for k in dict.fromkeys([*old[ident], *new[ident]])
                  if old[ident].get(k) != new[ident].get(k)]
        if fields:
            diff.changed.append((new[ident], fields))
    return diff


# -- rollback ----------------------------------------------------------------------------------
def rollback_version(session: Session, actor: User, process_key: str, number: int, comment: str,
                     engine: WorkflowEngine | None = None) -> ProcessVersion:
    """Deploy an older version's diagram, forms and message templates again, as the newest version."""
    require(actor, "change_process", "Only the process owner can roll back a process")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput({"comment": "Enter why you are rolling back: it is kept with the version"})
    if len(comment) > 2000:
        raise InvalidInput({"comment": "The reason must be 2,000 characters or fewer"}, {"comment": comment})
    old = get_version(session, process_key, number)
    newest = latest_version(session, process_key)
    if newest.id == old.id:
        raise ProcedureError(f"Version {number} is already the newest: there is nothing to roll back")
    engine = engine or engine_of(session)
    # Today's checks may refuse it, against the forms and message templates it was deployed with.
    problems = find_problems(engine, old.bpmn_xml, old.forms, old.messages or {}, process_id=process_key)
    if problems:
        raise ProcedureError(f"Version {number} cannot be deployed again: " + "; ".join(map(str, problems)))
    version = new_version(session, engine, old.bpmn_xml, process_key,
                          {"forms": old.forms, "messages": old.messages, "categories": old.categories},
                          old.content_hash, actor,
                          f"Rollback to version {number}: {comment}")
    audit(session, actor, "rollback",
          f"Rolled {process_key} back to version {number} as version {version.number}")
    return version
