"""Putting a finished workflow back at a user task it passed: SpiffWorkflow 3.2's reset_from_task_id."""
from __future__ import annotations

from typing import Any

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
        passed = [t for t in workflow.get_tasks(state=_PASSED, manual=True) if t.task_spec.bpmn_id == bpmn_id]
        if not passed:
            raise WorkflowError(f"the case never reached the step {bpmn_id}")
        task = max(passed, key=lambda t: t.last_state_change)
        # The library copies the parent's data when given none: the task's own answers go with it.
        start = {**task.parent.data, **data} if data else None

        def reset():
            workflow.reset_from_task_id(task.id, start)
            workflow.completed = False  # the library sets it when the end is reached and never clears it
        return self._advance(workflow, reset, calendar)
