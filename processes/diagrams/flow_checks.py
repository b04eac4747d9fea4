"""Deploy checks on a diagram's flow: every element can be reached from a start, and can reach an end."""
from __future__ import annotations

from collections import deque
from typing import Iterable, Mapping

from lxml import etree

from processes.diagrams.problems import DiagramUnderCheck, Problem
from processes.engine import BPMN

_FLOW_NODE_ENDINGS = ("Task", "task", "Event", "Gateway", "subProcess", "callActivity")


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


def flow_order(process) -> list[str]:
    """The ids of a process's nodes and their outgoing flows, in the order a case meets them."""
    nodes, edges = _graph(process)
    order = _walk(_starts(nodes), edges)
    flows = {f.get("sourceRef"): f.get("id") for f in process.iter(f"{BPMN}sequenceFlow")}
    return [x for node in order for x in (node, flows.get(node)) if x]


def every_path_starts_and_ends(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Every element can be reached from a start and every path from it can reach an end."""
    for process in diagram.processes():
        yield from _check_paths(diagram, process)


def _check_paths(diagram: DiagramUnderCheck, scope) -> Iterable[Problem]:
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
            yield diagram.problem(node_id, "cannot be reached from the start")
        elif node_id not in can_end:
            yield diagram.problem(node_id, "no path from here reaches an end event")
        if etree.QName(el).localname == "subProcess":
            yield from _check_paths(diagram, el)


def references_resolve(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each element's incoming and outgoing flows, and each lane's elements, are there. The engine goes by
    the flows themselves, so a stale <outgoing> runs; but the flow chart editor (bpmn-js) reports it as an
    unresolved reference, and a lane naming an element that is gone leaves that element's role unclear."""
    for process in diagram.processes():
        ids = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        flows = {flow.get("id") for flow in process.iter(f"{BPMN}sequenceFlow")}
        for el in process.iter():
            for tag in ("incoming", "outgoing"):
                for name in (ref.text.strip() for ref in el.findall(f"{BPMN}{tag}") if ref.text):
                    if name not in flows:
                        yield diagram.problem(el.get("id"), f"names the {tag} flow “{name}”, which does not "
                                              "exist")
        for lane in process.iter(f"{BPMN}lane"):
            for name in (ref.text.strip() for ref in lane.findall(f"{BPMN}flowNodeRef") if ref.text):
                if name not in ids:
                    yield diagram.problem(lane.get("id"), f"lists “{name}”, which does not exist")
