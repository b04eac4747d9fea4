"""Checks a diagram and its forms before anything is deployed, naming the element each problem is on."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

from lxml import etree

from models.user import role_for_lane
from processes.diagrams.forms import FormDefinitionError, check_definition
from processes.engine import BpmnError, WorkflowEngine
from processes.engine.xmlsafe import safe_xml_tree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
_FLOW_NODE_ENDINGS = ("Task", "task", "Event", "Gateway", "subProcess", "callActivity")
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class Problem:
    element_id: str
    element_name: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def sample_case_data(timescales: Mapping[str, Any], comment_type: str = "complaint") -> dict[str, Any]:
    """Task data like a comment submitted on a Wednesday morning, for trying expressions and scripts."""
    return {"reference": "CC-2026-000001", "comment_type": comment_type, "channel": "web",
            "timescales": dict(timescales), "service_area": "waste", "received_at": "2026-01-07T10:00:00+00:00",
            # what the messages the diagrams wait for carry (see agree_extension and request_review)
            "extension": {"working_days": 5, "reason": "Waiting for a contractor's report"},
            "stage2_request": {"reasons": "Not satisfied with the response"}}


def validate_process(engine: WorkflowEngine, xml: bytes, forms: Mapping[str, Any], sample: Mapping[str, Any],
                     templates: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every reason this diagram should not be deployed; an empty list means it may be."""
    try:
        engine.check_specs(xml)
        root = safe_xml_tree(xml)
    except BpmnError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        return [Problem(exc.element or "", "", where + exc.message)]
    names = {el.get("id"): el.get("name") or "" for el in root.iter() if el.get("id")}
    problems: list[Problem] = []
    for process in root.iter(f"{BPMN}process"):
        problems += _check_user_tasks(process, forms, names)
        if templates is not None:
            problems += _check_send_tasks(process, templates, names)
        problems += _check_code(engine, process, forms, sample, names)
        problems += _check_paths(process, names)
    return problems


def _problem(names: Mapping[str, str], element_id: str, message: str) -> Problem:
    return Problem(element_id, names.get(element_id, ""), message)


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iter(f"{SPIFF}property")}


def _lanes(process) -> dict[str, str]:
    """Which lane each flow node is in: {node id: lane name}."""
    return {ref.text.strip(): lane.get("name") or "" for lane in process.iter(f"{BPMN}lane")
            for ref in lane.findall(f"{BPMN}flowNodeRef") if ref.text}


def _check_user_tasks(process, forms, names) -> Iterable[Problem]:
    lanes = _lanes(process)
    for task in process.iter(f"{BPMN}userTask"):
        tid, lane = task.get("id"), lanes.get(task.get("id"))
        if role_for_lane(lane) is None:
            yield _problem(names, tid, f"is in lane “{lane}”, which is not a role" if lane else "is in no lane")
        form = _properties(task).get("form")
        if not form:
            yield _problem(names, tid, "names no form")
        elif form not in forms:
            yield _problem(names, tid, f"uses the form “{form}”, which does not exist")
        else:
            try:
                check_definition(form, forms[form])
            except (FormDefinitionError, TypeError, AttributeError) as exc:
                yield _problem(names, tid, f"uses the form “{form}”, which is not valid: {exc}")


def _check_send_tasks(process, templates, names) -> Iterable[Problem]:
    for task in process.iter(f"{BPMN}sendTask"):
        template = _properties(task).get("template")
        if template and template not in templates:
            yield _problem(names, task.get("id"), f"uses the message template “{template}”, which does not exist")


def _form_sample(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A plausible answer to every question of a form, as a completed task would leave in the data."""
    values: dict[str, Any] = {}
    properties = definition.get("schema", {}).get("properties", {}) if isinstance(definition, Mapping) else {}
    for name, spec in properties.items() if isinstance(properties, Mapping) else ():
        if not isinstance(spec, Mapping):
            continue
        kind = spec.get("type")
        if "enum" in spec:
            values[name] = spec["enum"][0]
        elif kind == "array":
            values[name] = spec.get("items", {}).get("enum", [])[:1]
        else:
            values[name] = {"integer": 1, "number": 1.0, "boolean": True}.get(kind, "Sample answer")
    return values


def _code(process):
    """(element id, kind, source) of every script, timer and condition, in the order cases meet them."""
    order = {node_id: i for i, node_id in enumerate(_reachable_order(process))}
    found = []
    for el in process.iter():
        tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
        owner = next((a for a in el.iterancestors() if a.get("id") and not _is_definition(a)), None)
        if tag in ("script", "preScript", "postScript") and (el.text or "").strip():
            found.append((owner.get("id"), "script", el.text))
        elif tag in TIMER_KINDS and (el.text or "").strip():
            found.append((owner.get("id"), tag, el.text.strip()))
        elif tag == "conditionExpression" and (el.text or "").strip():
            found.append((owner.get("id"), "condition", el.text.strip()))
    return sorted(found, key=lambda item: order.get(item[0], len(order)))


def _is_definition(element) -> bool:
    return etree.QName(element).localname.endswith("EventDefinition")


def _check_code(engine, process, forms, sample, names) -> Iterable[Problem]:
    """Run every script and evaluate every timer and condition against sample case data.

    A first pass runs the scripts in flow order to gather the variables they set, so a timer naming
    `stage1_response_due` sees it; the second pass reports what fails against that data."""
    data = dict(sample)
    for task in process.iter(f"{BPMN}userTask"):
        data.update(_form_sample(forms.get(_properties(task).get("form"), {})))
    code = _code(process)
    for _, kind, source in code:
        if kind == "script":
            try:
                data = engine.try_script(source, data)
            except Exception:  # reported by the second pass
                continue
    for element_id, kind, source in code:
        try:
            if kind == "script":
                engine.try_script(source, data)
            elif kind == "condition":
                engine.try_expression(source, data)
            else:
                engine.try_timer(kind, source, data)
        except Exception as exc:  # anything the process owner's code raises is a problem to show them
            label = {"script": "The script", "condition": "The condition"}.get(kind, "The timer expression")
            yield _problem(names, element_id, f"{label} fails on sample case data: {_describe(exc)}")


def _describe(exc: Exception) -> str:
    if isinstance(exc, NameError):
        return f"{exc} (no variable of that name is set before this point)"
    return f"{type(exc).__name__}: {exc}" if not str(exc).startswith("line") else str(exc)


def _graph(scope, with_boundary: bool = True):
    """Flow nodes directly inside a process or subprocess, and where each can go next."""
    nodes = {el.get("id"): el for el in scope if isinstance(el.tag, str)
             and etree.QName(el).localname.endswith(_FLOW_NODE_ENDINGS)}
    edges: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for flow in scope.findall(f"{BPMN}sequenceFlow"):
        if flow.get("sourceRef") in edges:
            edges[flow.get("sourceRef")].add(flow.get("targetRef"))
    for node_id, el in nodes.items():
        if with_boundary and el.get("attachedToRef") in edges:
            edges[el.get("attachedToRef")].add(node_id)  # a boundary event is reached with its task
    return nodes, edges


def _starts(nodes) -> list[str]:
    return [i for i, el in nodes.items() if etree.QName(el).localname == "startEvent"
            or el.get("triggeredByEvent") == "true"]


def _walk(starts: Iterable[str], edges: Mapping[str, set[str]]) -> list[str]:
    seen, queue, order = set(starts), deque(starts), []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


def _reachable_order(process) -> list[str]:
    nodes, edges = _graph(process)
    order = _walk(_starts(nodes), edges)
    flows = {f.get("sourceRef"): f.get("id") for f in process.iter(f"{BPMN}sequenceFlow")}
    return [x for node in order for x in (node, flows.get(node)) if x]


def _check_paths(scope, names) -> Iterable[Problem]:
    """Every element can be reached from a start and every path from it can reach an end."""
    nodes, edges = _graph(scope)
    reached = set(_walk(_starts(nodes), edges))
    backwards: dict[str, set[str]] = {}
    # A boundary event is a way out of its task, not the task's own way on: a task must end by its flows.
    for source, targets in _graph(scope, with_boundary=False)[1].items():
        for target in targets:
            backwards.setdefault(target, set()).add(source)
    ends = [i for i, el in nodes.items() if etree.QName(el).localname == "endEvent"]
    can_end = set(_walk(ends, backwards))
    for node_id, el in nodes.items():
        if node_id not in reached:
            yield _problem(names, node_id, "cannot be reached from the start")
        elif node_id not in can_end:
            yield _problem(names, node_id, "no path from here reaches an end event")
        if etree.QName(el).localname == "subProcess":
            yield from _check_paths(el, names)
