"""The one list of checks a diagram must pass to be deployed, run by deploy, the editor, the CLI, rollback."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from models.user import role_for_lane
from processes.diagrams.flow_checks import every_path_starts_and_ends, references_resolve
from processes.diagrams.forms import FormDefinitionError, check_definition
from processes.diagrams.problems import DiagramUnderCheck, Problem, properties, read_diagram, unreadable
from processes.diagrams.script_checks import code_runs_on_sample_data, code_the_sandbox_allows
from processes.engine import BPMN, BpmnError, WorkflowEngine


def _lanes(process) -> dict[str, str]:
    """Which lane each flow node is in: {node id: lane name}."""
    return {ref.text.strip(): lane.get("name") or "" for lane in process.iter(f"{BPMN}lane")
            for ref in lane.findall(f"{BPMN}flowNodeRef") if ref.text}


def _tasks(diagram: DiagramUnderCheck, kind: str):
    """(process, task) for each task of a kind ("userTask", "sendTask") in the processes checked."""
    for process in diagram.processes():
        yield from ((process, task) for task in process.iter(f"{BPMN}{kind}"))


def user_tasks_are_in_lanes_of_roles(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each user task is in a lane that names a role, so someone is offered it."""
    for process in diagram.processes():
        lanes = _lanes(process)
        for task in process.iter(f"{BPMN}userTask"):
            lane = lanes.get(task.get("id"))
            if role_for_lane(lane) is None:
                yield diagram.problem(task.get("id"), f"is in lane “{lane}”, which is not a role" if lane
                                      else "is in no lane")


def user_tasks_have_valid_forms(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each user task names a form that exists and is a valid definition."""
    faults: dict[str, str | None] = {}  # each form is checked once: checking a schema takes milliseconds
    for _, task in _tasks(diagram, "userTask"):
        tid, form = task.get("id"), properties(task).get("form")
        if not form:
            yield diagram.problem(tid, "names no form")
        elif form not in diagram.forms:
            yield diagram.problem(tid, f"uses the form “{form}”, which does not exist")
        else:
            if form not in faults:
                faults[form] = _form_fault(form, diagram.forms[form])
            if faults[form] is not None:
                yield diagram.problem(tid, f"uses the form “{form}”, which is not valid: {faults[form]}")


def _form_fault(name: str, definition: Any) -> str | None:
    try:
        check_definition(name, definition)
    except (FormDefinitionError, TypeError, AttributeError) as exc:
        return str(exc)
    return None


def send_tasks_have_templates(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each send task that names a message template names one that exists."""
    for _, task in _tasks(diagram, "sendTask"):
        template = properties(task).get("template")
        if template and template not in diagram.templates:
            message = f"uses the message template “{template}”, which does not exist"
            yield diagram.problem(task.get("id"), message)


def user_tasks_with_deadlines_are_watched(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each user task with a due date has a timer boundary event (interrupting or not): a deadline that no
    timer watches passes with no one told."""
    for process in diagram.processes():
        watched = {event.get("attachedToRef") for event in process.iter(f"{BPMN}boundaryEvent")
                   if event.find(f"{BPMN}timerEventDefinition") is not None}
        for task in process.iter(f"{BPMN}userTask"):
            due = properties(task).get("due")
            if due and task.get("id") not in watched:
                yield diagram.problem(task.get("id"), f"has a due date ({due}) but no timer watches it: "
                                      "attach a timer boundary event that tells someone when it passes")


def stage2_tasks_are_independent(diagram: DiagramUnderCheck) -> Iterable[Problem]:
    """Each stage 2 user task is done by someone who did not handle stage 1 (an independent review)."""
    for _, task in _tasks(diagram, "userTask"):
        props = properties(task)
        if props.get("stage") == "stage2" and props.get("independent_of") != "stage1":
            yield diagram.problem(task.get("id"), "is a stage 2 task but is not independent of stage 1: "
                                  "give it the property independent_of = stage1")


@dataclass(frozen=True)
class Check:
    """One rule of deploying: its name, and what finds the problems it stands for."""

    name: str
    find: Callable[[DiagramUnderCheck], Iterable[Problem]]
    # A trial runs the owner's code on sample case data. The editor and the CLI refuse a diagram failing one;
    # deploying from code does not run them: sample data is a guess, and tests deploy code that fails at run
    # time on purpose, to see what a case does then.
    trial: bool = False


CHECKS = (
    Check("lanes", user_tasks_are_in_lanes_of_roles),
    Check("forms", user_tasks_have_valid_forms),
    Check("templates", send_tasks_have_templates),
    Check("deadlines", user_tasks_with_deadlines_are_watched),
    Check("independence", stage2_tasks_are_independent),
    Check("sandbox", code_the_sandbox_allows),
    Check("paths", every_path_starts_and_ends),
    Check("references", references_resolve),
    Check("sample data", code_runs_on_sample_data, trial=True),
)


def find_problems(engine: WorkflowEngine, xml: bytes, forms: Mapping[str, Any], templates: Mapping[str, Any],
                  sample: Mapping[str, Any] | None = None, process_id: str | None = None) -> list[Problem]:
    """Every problem CHECKS find in a diagram (or one process of it), the trials too if given sample data."""
    try:
        diagram = read_diagram(engine, xml, forms, templates, sample, process_id)
    except BpmnError as exc:
        return [unreadable(exc)]
    checks = [check for check in CHECKS if sample is not None or not check.trial]
    return [problem for check in checks for problem in check.find(diagram)]


class DiagramRefused(BpmnError):
    """The checks found problems, so nothing was deployed; `problems` holds each, the message all of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)), problems[0].line, problems[0].element_id or None)
        self.problems = problems

    def __str__(self) -> str:
        return self.message
