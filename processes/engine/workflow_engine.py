"""The one place that knows SpiffWorkflow: starting and advancing workflows, returning what changed as a
`Run`."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from processes.engine.moving import Moving
from processes.engine.reading import Reading, step_kind
from processes.engine.resetting import Resetting
from processes.engine.results import Diagram, Run, TaskNotReady, WorkflowError
from processes.engine.sandbox import Sandbox, SandboxError
from processes.engine.scripts import (SandboxEnvironment, Scripts, describe_error, run_calendar,
                                      run_notifications)
from processes.engine.specs import SPEC_REF, SpecByReference, Specs, spec_ref
from processes.policy.calendar import WorkingCalendar


class WorkflowEngine(Specs, Scripts, Reading, Moving, Resetting):
    """Parses diagrams, starts and advances workflows, and returns what changed as a `Run`."""

    serializer_version = SERIALIZER_VERSION  # stored with each case: an upgrade must still read old ones

    def __init__(self, calendar: WorkingCalendar | None = None, clock: Callable[[], datetime] | None = None):
        self.calendar = calendar or WorkingCalendar()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.sandbox = Sandbox(self.script_functions())
        self.script_engine = PythonScriptEngine(environment=SandboxEnvironment(self.sandbox))
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
            {**SPIFF_CONFIG, BpmnWorkflow: SpecByReference}))
        self._validator = BpmnValidator()
        self._specs: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._words: dict[tuple[str, str], frozenset[str]] = {}  # every word of each cached spec's diagram

    # -- running -----------------------------------------------------------------------------
    def start(self, xml: bytes | Callable[[], bytes], process_id: str, data: dict[str, Any],
              calendar: WorkingCalendar | None = None, version_hash: str | None = None) -> Run:
        key = self._spec_key(xml, process_id, version_hash)
        workflow = BpmnWorkflow(*self._specs[key], script_engine=self.script_engine)
        workflow.spec_ref = spec_ref(key)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
        return self._advance(workflow, lambda: None, calendar)

    # `diagram` (in the methods that restore a saved state): a loader of the diagram of the version the case
    # runs on, called only when that version's spec is not cached in this process yet.
    def complete_task(self, state: str, task_id: str, data: dict[str, Any],
                      calendar: WorkingCalendar | None = None, diagram: Diagram | None = None) -> Run:
        workflow = self._restore(state, diagram)
        task = self._ready_task(workflow, task_id)

        def finish():
            task.set_data(**data)
            task.run()
        return self._advance(workflow, finish, calendar)

    def fire_timers(self, state: str, calendar: WorkingCalendar | None = None,
                    diagram: Diagram | None = None) -> Run:
        """Let every timer whose time has come fire, and run on to the next wait; stale ones are dropped
        first."""
        workflow = self._restore(state, diagram)
        dropped: list[tuple[str, str, str]] = []

        def fire():
            dropped.extend(self._drop_stale_timers(workflow))
            workflow.refresh_timers()
        run = self._advance(workflow, fire, calendar)
        run.steps[:0] = dropped  # the case's history says so: a reminder nobody got is not a silent gap
        return run

    def _drop_stale_timers(self, workflow: BpmnWorkflow) -> list[tuple[str, str, str]]:
        """A timer that does not end its step (a reminder) is stale when a later timer of the same step is due
        too: a worker catching up after downtime finds the deadline passed, and the reminder before it says
        nothing true any more ("due soon" of a task already escalated). It is cancelled, not fired; returns
        (bpmn_id, name, "timer dropped") of each, as a run's steps are."""
        now, dropped = self.clock(), []
        due = [(task, at) for task, at in self._timer_tasks(workflow) if at <= now]
        for task, at in due:
            later = any(other.parent is task.parent and other_at > at for other, other_at in due)
            if later and not getattr(task.task_spec, "cancel_activity", True):
                task.cancel()
                spec = task.task_spec
                dropped.append((spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, "timer dropped"))
        return dropped

    def send_message(self, state: str, name: str, payload: dict[str, Any],
                     calendar: WorkingCalendar | None = None, diagram: Diagram | None = None) -> Run:
        """Deliver a message (such as an agreed extension) to the case's waiting message event."""
        workflow = self._restore(state, diagram)
        event = BpmnEvent(MessageEventDefinition(name), payload)
        return self._advance(workflow, lambda: workflow.send_event(event), calendar)

    def cancel(self, state: str, diagram: Diagram | None = None) -> Run:
        """Stop a workflow where it stands (a withdrawn comment): nothing is left ready or waiting."""
        workflow = self._restore(state, diagram)
        ready_before, timers_before = self._ready_ids(workflow), self._timers(workflow)
        workflow.cancel()
        return Run(state=self.serializer.serialize_json(workflow), ready=[], timers=[], notifications=[],
                   finished=True, end_name="Withdrawn by the customer", ready_before=ready_before,
                   timers_before=timers_before)

    def _restore(self, state: str, diagram: Diagram | None = None) -> BpmnWorkflow:
        dct = json.loads(state)
        self.serializer.migrate(dct)
        ref = dct.pop(SPEC_REF, None)
        if ref is not None:  # the library restores objects it is handed as they are
            dct["spec"], dct["subprocess_specs"] = self._spec(diagram, ref["process"], ref["hash"])
        workflow = self.serializer.from_dict(dct)
        workflow.spec_ref = ref
        workflow.script_engine = self.script_engine  # the script engine is not serialized
        return workflow

    def standalone_state(self, state: str, diagram: Diagram | None = None) -> str:
        """The saved workflow with its whole spec in it, as the library saves it: any SpiffWorkflow 3.2 reads
        it without this app (for an export, and for the bare engine's cost in bench/run.py)."""
        workflow = self._restore(state, diagram)
        workflow.spec_ref = None
        return self.serializer.serialize_json(workflow)

    @staticmethod
    def _ready_task(workflow: BpmnWorkflow, task_id: str):
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id)
        return task

    def _advance(self, workflow: BpmnWorkflow, action: Callable[[], None],
                 calendar: WorkingCalendar | None) -> Run:
        notifications: list[tuple[str, str]] = []
        steps: list[tuple[str, str, str]] = []
        sends: list[tuple[str, dict[str, Any]]] = []
        token = run_notifications.set(notifications)
        calendar_token = run_calendar.set(calendar or self.calendar)

        def record(task):
            spec = task.task_spec
            if spec.bpmn_name and not spec.manual and "Gateway" not in type(spec).__name__:
                steps.append((spec.bpmn_id, spec.bpmn_name, step_kind(spec)))
            template = getattr(spec, "extensions", {}).get("properties", {}).get("template")
            if template:
                sends.append((template, dict(task.data)))
        ready_before, timers_before = self._ready_ids(workflow), self._timers(workflow)
        try:
            action()
            workflow.do_engine_steps(did_complete_task=record)
        except (SpiffWorkflowException, SandboxError) as exc:
            raise WorkflowError(describe_error(exc)) from exc
        finally:
            run_notifications.reset(token)
            run_calendar.reset(calendar_token)
        run = self._snapshot(workflow, notifications, steps, sends)
        run.ready_before, run.timers_before = ready_before, timers_before
        return run


ENGINE_KEY = "workflow_engine"  # in session.info: see processes.sessions


def engine_of(session) -> WorkflowEngine:
    """The engine of the app that opened `session` (any object with an `info` mapping: the engine knows no
    database), so every operation of one app shares its parsed specs."""
    try:
        return session.info[ENGINE_KEY]
    except KeyError:
        raise LookupError("this session has no workflow engine: open it with "
                          "processes.sessions.session_factory") from None
