"""Moving a running workflow onto another version of its process, or saying why it cannot move."""
from __future__ import annotations

from typing import Any, Mapping

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from SpiffWorkflow.util.task import TaskState

from processes.engine.results import Diagram, MigrationRefused, Run
from processes.engine.specs import spec_ref
from processes.policy.calendar import WorkingCalendar

_STANDING = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_STRUCTURE = {"inputs", "outputs"}  # what migrate_workflow rebuilds for the steps it resets
_CHANGE_NAMES = {"bpmn_name": "name", "event_definition": "its event or timer",
                 "extensions": "its properties", "cond_task_specs": "its conditions", "typename": "its type",
                 "prescript": "its pre-script", "postscript": "its post-script"}


def _migration_problems(diff, spec_diff) -> list[str]:
    """Why a workflow cannot move: the steps it stands on that changed or went, steps it passed that went."""
    problems = []
    for task in diff.removed:
        spec = task.task_spec
        label = f"“{spec.bpmn_name or spec.bpmn_id or spec.name}”"
        if task.state & _STANDING:
            problems.append(f"the step {label} the case is at was removed")
        elif task.state & TaskState.COMPLETED and spec.bpmn_id:
            problems.append(f"the step {label} the case has passed was removed")
    for task in diff.changed:
        changes = [c for c in spec_diff.changed[task.task_spec] if c not in _STRUCTURE]
        if task.state & _STANDING and task.task_spec.bpmn_id and changes:
            spec = task.task_spec
            problems.append(f"the step “{spec.bpmn_name or spec.bpmn_id}” the case is at changed "
                            f"({', '.join(sorted({_CHANGE_NAMES.get(c, c) for c in changes}))})")
    return sorted(set(problems))


class Moving:

    def migrate(self, state: str, new_xml: bytes, process_id: str, calendar: WorkingCalendar | None = None,
                diagram: Diagram | None = None, version_hash: str | None = None,
                timescales: Mapping[str, Any] | None = None) -> Run:
        """Move a running workflow onto another version of its process, or raise MigrationRefused.

        Refused when a step the case stands on (ready, waiting or started) was removed or changed, or a
        step it has already passed was removed; changes further on are what the move is for. The case keeps
        the timescales it started with; one it never had that the new version may read comes from
        `timescales` (today's policy).
        """
        workflow = self._restore(state, diagram)
        if workflow.subprocesses:
            raise MigrationRefused("the case is inside a subprocess; finish it on its own version")
        key = self._spec_key(new_xml, process_id, version_hash)
        spec, subprocesses = self._specs[key]
        diff = WorkflowDiff(workflow, spec_diff := SpecDiff(self.serializer.registry, workflow.spec, spec))
        problems = _migration_problems(diff, spec_diff)
        if problems:
            raise MigrationRefused("; ".join(problems))

        def move():
            migrate_workflow(diff, workflow, spec)
            workflow.subprocess_specs = subprocesses
            workflow.spec_ref = spec_ref(key)
            _fill_timescales(workflow, timescales or {})
        run = self._advance(workflow, move, calendar)
        try:
            self._restore(run.state)  # a state that does not read back would strand the case
        except Exception as exc:  # noqa: BLE001  (whatever the library raises, the move is refused)
            raise MigrationRefused(f"the new version cannot carry this case ({exc})") from exc
        return run


def _fill_timescales(workflow, timescales: Mapping[str, Any]) -> None:
    """Give each task still to run the timescales its case never had (a case keeps the ones it had)."""
    for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        kept = task.data.get("timescales")
        if isinstance(kept, dict):
            for name, value in timescales.items():
                kept.setdefault(name, value)
