"""Putting a finished workflow back at a user task it passed: SpiffWorkflow 3.2's reset_from_task_id."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from processes.engine.results import Diagram, Run, WorkflowError
from processes.policy.calendar import WorkingCalendar

_PASSED = TaskState.COMPLETED | TaskState.CANCELLED


class Resetting:
    """A mixin of WorkflowEngine (its _restore and _advance)."""

    def reset_to(self, state: str, bpmn_id: str, calendar: WorkingCalendar | None = None,
                 diagram: Diagram | None = None, data: dict[str, Any] | None = None) -> Run:
        """The newest run of user task `bpmn_id` made ready again, with what came after it removed and its
        boundary events (timers, messages) waiting again; `data` over the data it started with."""
        workflow = self._restore(state, diagram)
        task = _newest(workflow, lambda t: t.task_spec.bpmn_id == bpmn_id)
        return self._advance(workflow, lambda: _reset(workflow, task, data), calendar)

    def reset_and_send(self, state: str, message: str, payload: dict[str, Any], data: dict[str, Any],
                       calendar: WorkingCalendar | None = None, diagram: Diagram | None = None) -> Run:
        """As reset_to, at the newest user task passed that has a boundary event catching `message`, then the
        message delivered to it (a late stage 2 request accepted: as if it had come in time)."""
        workflow = self._restore(state, diagram)
        task = _newest(workflow, lambda t: message in _boundary_messages(t))

        def reset_and_send():
            _reset(workflow, task, data)
            for event in task.parent.children:  # the library gives the boundary events the old data
                event.data.update(data)
            workflow.send_event(BpmnEvent(MessageEventDefinition(message), payload))
        return self._advance(workflow, reset_and_send, calendar)


def _newest(workflow, which):
    passed = [t for t in workflow.get_tasks(state=_PASSED, manual=True) if which(t)]
    if not passed:
        raise WorkflowError("the case never reached that step")
    return max(passed, key=lambda t: t.last_state_change)


def _boundary_messages(task) -> set[str]:
    """The names of the messages the task's boundary events catch (the library puts a task with boundary
    events under a BoundaryEventSplit, beside them)."""
    split = task.parent.task_spec
    if not isinstance(split, BoundaryEventSplit):
        return set()
    return {getattr(getattr(spec, "event_definition", None), "name", None) for spec in split.outputs}


def _reset(workflow, task, data: dict[str, Any] | None) -> None:
    # The library copies the parent's data when given none: the task's own answers go with it.
    workflow.reset_from_task_id(task.id, {**task.parent.data, **data} if data else None)
    workflow.completed = False  # the library sets it when the end is reached and never clears it
