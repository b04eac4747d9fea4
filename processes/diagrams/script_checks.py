"""Deploy checks on the process owner's code: the sandbox allows it, and it runs on sample case data."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple

from lxml import etree

from processes.diagrams.flow_checks import flow_order
from processes.diagrams.problems import DiagramUnderCheck, Problem, properties
from processes.engine import BPMN
from processes.engine.sandbox import SandboxError, check_source
from processes.engine.trials import Failure, Piece

TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
_SCRIPTS = {"script": "script", "preScript": "pre-script", "postScript": "post-script"}


class Code(NamedTuple):
    """One piece of the process owner's code: the element it is on, what it is, and its XML line."""

    element_id: str
    kind: str  # script, pre-script, post-script, condition or timer expression
    source: str
    timer: str  # for a timer expression, which kind of timer (timeDate, timeDuration, timeCycle)
    line: int | None

    @property
    def mode(self) -> str:
        return "exec" if self.kind in _SCRIPTS.values() else "eval"


def code_of(process) -> list[Code]:
    """Every script, timer and condition of a process, in the order cases meet them."""
    order = {node_id: i for i, node_id in enumerate(flow_order(process))}
    found = []
    for el in process.iter():
        tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
        text = (el.text or "").strip()
        if not text or tag not in (*_SCRIPTS, *TIMER_KINDS, "conditionExpression"):
            continue
        owner = next((a for a in el.iterancestors() if a.get("id") and not _is_definition(a)), process)
        if tag in _SCRIPTS:
            found.append(Code(owner.get("id"), _SCRIPTS[tag], el.text, "", el.sourceline))
        elif tag in TIMER_KINDS:
            found.append(Code(owner.get("id"), "timer expression", text, tag, el.sourceline))
        else:
            found.append(Code(owner.get("id"), "condition", text, "", el.sourceline))
    return sorted(found, key=lambda code: order.get(code.element_id, len(order)))


def _is_definition(element) -> bool:
    return etree.QName(element).localname.endswith("EventDefinition")


def _refusal(code: Code) -> SandboxError | None:
    try:
        check_source(code.source, code.mode)
    except SandboxError as exc:
        return exc
    return None


def code_the_sandbox_allows(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Every script, condition and timer expression passes the sandbox's checks before it ever runs."""
    for process in diagram.processes():
        for code in code_of(process):
            refusal = _refusal(code)
            if refusal is not None:
                message = f"The {code.kind} fails the sandbox's checks: {refusal}"
                yield diagram.problem(code.element_id, message, code.line)


def code_runs_on_sample_data(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Every script runs, and every timer and condition evaluates, against sample case data."""
    for process in diagram.processes():
        yield from _trial(diagram, process)


def _trial(diagram: DiagramUnderCheck, process) -> Iterable[Problem]:
    """What fails of a process's code, tried in the order a case meets it, against sample case data."""
    # The trials run in a worker process (processes.engine.trials): a diagram cannot stall this one. Code
    # the sandbox refuses is left to its own check.
    data = dict(diagram.sample or {})
    for task in process.iter(f"{BPMN}userTask"):
        data.update(_form_sample(diagram.forms.get(properties(task).get("form"), {})))
    code = [c for c in code_of(process) if _refusal(c) is None]
    failures = diagram.engine.run_trials([Piece(c.mode, c.source, c.timer) for c in code], data)
    for failure in failures:
        piece = code[failure.index]
        message = f"The {piece.kind} fails on sample case data: {_describe(failure)}"
        yield diagram.problem(piece.element_id, message, piece.line)


def _describe(failure: Failure) -> str:
    if failure.kind == "NameError":
        return f"{failure.message} (no variable of that name is set before this point)"
    if failure.kind == "limit" or failure.message.startswith("line"):
        return failure.message
    return f"{failure.kind}: {failure.message}"


def _form_sample(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A plausible answer to every question of a form, as a completed task would leave in the data."""
    values: dict[str, Any] = {}
    schema = definition.get("schema", {}) if isinstance(definition, Mapping) else {}
    fields = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    for name, spec in fields.items() if isinstance(fields, Mapping) else ():
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
