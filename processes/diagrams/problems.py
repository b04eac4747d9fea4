"""What the deploy checks look at and what they find: a diagram read once, and its problems by element."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from processes.engine import BPMN, SPIFF, BpmnError, WorkflowEngine, safe_xml_tree


@dataclass(frozen=True)
class Problem:
    """One reason a diagram may not be deployed: its element (id and name), what is wrong, its XML line."""

    element_id: str
    element_name: str
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        """The element as every list of problems names it: its id, then its name in brackets."""
        if not self.element_name:
            return self.element_id
        return f"{self.element_id} ({self.element_name})"

    def __str__(self) -> str:
        # The reader of the XML puts the line first in its own messages ("line 6: not well-formed XML").
        located = self.line and not self.message.startswith(f"line {self.line}:")
        text = f"{self.message} (line {self.line})" if located else self.message
        return f"{self.where}: {text}" if self.where else text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DiagramUnderCheck:
    """A diagram read once for the checks, with the forms and message templates it would be deployed with."""

    engine: WorkflowEngine
    root: Any  # the diagram's XML, read safely
    forms: Mapping[str, Any]
    templates: Mapping[str, Any]
    sample: Mapping[str, Any] | None = None  # sample case data, for the checks that run the owner's code
    process_id: str | None = None  # check this process only (a rollback deploys one process of a diagram)
    _elements: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._elements = {el.get("id"): el for el in self.root.iter() if el.get("id")}

    def processes(self) -> list[Any]:
        """The processes checked: every one in the file (one a case calls may not be executable itself)."""
        return [p for p in self.root.iter(f"{BPMN}process") if self.process_id in (None, p.get("id"))]

    def problem(self, element_id: str, message: str, line: int | None = None) -> Problem:
        """A problem on an element, named and located from the diagram (at `line` if given, within it)."""
        element = self._elements.get(element_id)
        if element is None:
            return Problem(element_id, "", message, line)
        return Problem(element_id, element.get("name") or "", message, line or element.sourceline)


def read_diagram(engine: WorkflowEngine, xml: bytes, forms: Mapping[str, Any], templates: Mapping[str, Any],
                 sample: Mapping[str, Any] | None = None, process_id: str | None = None) -> DiagramUnderCheck:
    """Read a diagram safely and build its processes as deploying would; raises BpmnError if it cannot be."""
    engine.check_specs(xml)
    return DiagramUnderCheck(engine, safe_xml_tree(xml), forms, templates, sample, process_id)


def unreadable(exc: BpmnError) -> Problem:
    """The problem of a diagram that cannot be read, in the reader's words and at its line."""
    where = f"line {exc.line}: " if exc.line else ""
    return Problem(exc.element or "", "", where + exc.message, exc.line)


def properties(element) -> dict[str, str]:
    """The SpiffWorkflow properties of an element (a user task's form, a send task's template)."""
    return {p.get("name"): p.get("value") or "" for p in element.iter(f"{SPIFF}property")}
