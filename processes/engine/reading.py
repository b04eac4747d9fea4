"""Reading what a workflow stands on after a run: ready tasks, waiting timers, deadlines, messages awaited."""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from processes.engine.results import ReadyTask, Run, WaitingTimer
from processes.policy.calendar import as_utc


def step_kind(spec) -> str:
    """'timer' for a timer that fired (it moves work on: a reminder, an escalation), 'step' for any other step
    the engine ran by itself (a script, a start or end event, a send task whose message has its own line)."""
    return "timer" if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition) else "step"


class Reading:

    def _snapshot(self, workflow: BpmnWorkflow, notifications, steps, sends=()) -> Run:
        finished = workflow.is_completed()
        end_name = None
        if finished:
            ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
                    if t.task_spec.__class__.__name__ == "EndEvent" and t.workflow is workflow]
            end_name = max(ends, key=lambda t: t.last_state_change).task_spec.bpmn_name if ends else None
        return Run(
            state=self.serializer.serialize_json(workflow),
            ready=[self._ready(t) for t in workflow.get_tasks(state=TaskState.READY, manual=True)],
            timers=self._timers(workflow),
            messages=sorted({t.task_spec.event_definition.name for t in workflow.event_manager.tasks.values()
                             if isinstance(t.task_spec.event_definition, MessageEventDefinition)}),
            notifications=notifications,
            steps=steps,
            sends=list(sends),
            finished=finished,
            end_name=end_name,
            dues=self._dues(workflow),
        )

    @staticmethod
    def _dues(workflow: BpmnWorkflow) -> list[tuple[dict[str, str], datetime]]:
        """Each user task's deadline as the data where the workflow stands (its ready and waiting tasks) gives
        it."""
        standing = [t.data for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
        dues = []
        for spec in workflow.spec.task_specs.values():
            props = getattr(spec, "extensions", {}).get("properties", {})
            value = (next((d[props["due"]] for d in standing if d.get(props["due"])), None)
                     if props.get("due") else None)
            try:
                if value:
                    dues.append((dict(props), as_utc(value)))
            except (TypeError, ValueError, AttributeError):
                continue  # not a time: the task shows no due date either
        return dues

    @staticmethod
    def _ready_ids(workflow: BpmnWorkflow) -> list[str]:
        return [str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]

    @staticmethod
    def _ready(task) -> ReadyTask:
        props = dict(task.task_spec.extensions.get("properties", {}))
        due_value = task.data.get(props.get("due", ""), None)
        return ReadyTask(
            task_id=str(task.id), bpmn_id=task.task_spec.bpmn_id,
                         name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            lane=task.task_spec.lane, properties=props, due_at=as_utc(due_value) if due_value else None,
        )

    @staticmethod
    def _timer_tasks(workflow: BpmnWorkflow):
        """(task, due time) of each waiting timer whose time is known."""
        for task in list(workflow.event_manager.tasks.values()):
            definition = task.task_spec.event_definition
            if not isinstance(definition, TimerEventDefinition):
                continue
            value = definition.details(task).value
            if isinstance(value, dict):
                value = value.get("next")
            try:
                due = TimerEventDefinition.get_datetime(value)
            except (TypeError, ValueError):
                continue  # not yet started (a duration measured from when it starts waiting)
            yield task, as_utc(due)

    @classmethod
    def _timers(cls, workflow: BpmnWorkflow) -> list[WaitingTimer]:
        return [WaitingTimer(str(task.id), task.task_spec.bpmn_id,
                             task.task_spec.bpmn_name or task.task_spec.bpmn_id, due)
                for task, due in cls._timer_tasks(workflow)]
