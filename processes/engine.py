"""The one place that knows SpiffWorkflow: parsing, the sandboxed script engine and serialization."""
from __future__ import annotations

import contextvars
import hashlib
import json
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .calendar import WorkingCalendar, as_utc
from .sandbox import Sandbox, SandboxError
from .xmlsafe import MAX_BPMN_BYTES, BpmnError, safe_xml_tree  # noqa: F401  (BpmnError is raised from here)

_notifications: contextvars.ContextVar[list[tuple[str, str]]] = contextvars.ContextVar("notifications")
_calendar: contextvars.ContextVar[WorkingCalendar] = contextvars.ContextVar("calendar")


def _step_kind(spec) -> str:
    """'timer' for a timer that fired (it moves work on: a reminder, an escalation), 'step' for any other step
    the engine ran by itself (a script, a start or end event, a send task whose message has its own line)."""
    return "timer" if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition) else "step"


class WorkflowError(Exception):
    """Running a case's workflow failed, for instance a script raised."""


class MigrationRefused(Exception):
    """A running workflow cannot safely move to another version; the message says why."""


class TaskNotReady(Exception):
    """The task is not (or no longer) waiting for a person."""


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    due_at: datetime | None


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    bpmn_id: str
    name: str
    due_at: datetime


@dataclass
class Run:
    """What one engine run left behind: the saved state and what the app must index and record."""

    state: str
    ready: list[ReadyTask]
    timers: list[WaitingTimer]
    notifications: list[tuple[str, str]]
    messages: list[str] = field(default_factory=list)  # names of messages the workflow waits for
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (bpmn_id, name, kind) of automatic steps run
    sends: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (template, task data) of send tasks
    finished: bool = False
    end_name: str | None = None
    # What was ready and waiting before this run, which is what the app's indexes hold: they are brought into
    # step by the difference, without being read back.
    ready_before: list[str] = field(default_factory=list)
    timers_before: list[WaitingTimer] = field(default_factory=list)
    # The deadline each user task of the process would carry if it were ready now: (its properties, due time),
    # so the customer can be told a response date before the response task is ready.
    dues: list[tuple[dict[str, str], datetime]] = field(default_factory=list)


class _SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, sandbox: Sandbox):
        super().__init__({})
        self.sandbox = sandbox

    def evaluate(self, expression, context, external_context=None):
        return self.sandbox.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context)
        return True


def _describe_error(exc: Exception) -> str:
    """The error with the diagram element it happened in, e.g. `“Work out deadline” (deadline): ...`."""
    message = str(exc).strip().rstrip(".").strip()
    kind = getattr(exc, "error_type", "")
    if kind and message.startswith(f"{kind}:"):
        message = message[len(kind) + 1:]
    inner = exc.__cause__ or exc.__context__
    if isinstance(inner, SandboxError) and str(inner) not in message:
        message = f"{message}: {inner}"  # the library's wrapper alone would hide which limit was hit
    spec = getattr(exc, "task_spec", None)
    if spec is None:
        return message
    return f"“{spec.bpmn_name or spec.bpmn_id}” ({spec.bpmn_id}): {message}"


def _code_of_task(ts) -> list[tuple[str, str, str]]:
    """(kind, source, "exec" or "eval") of each piece of the process owner's code on one task spec."""
    code = []
    for kind, attr in (("script", "script"), ("pre-script", "prescript"), ("post-script", "postscript")):
        if getattr(ts, attr, None):
            code.append((kind, getattr(ts, attr), "exec"))
    code += [("condition", cond.args[0], "eval") for cond, _ in getattr(ts, "cond_task_specs", [])
             if cond is not None and getattr(cond, "args", None)]
    definition = getattr(ts, "event_definition", None)
    if isinstance(definition, TimerEventDefinition) and definition.expression:
        code.append(("timer expression", definition.expression, "eval"))
    return code


_WORD = re.compile(r"[^\W\d]\w*")  # a Python name: a letter or underscore, then letters, digits, underscores


def _words_of(tree) -> frozenset[str]:
    """The words of every text and attribute of a parsed diagram, after XML's own escapes are read and in the
    form Python reads a name in (NFKC: a script may spell `reference` with a full-width "ｒ" and mean it)."""
    words: set[str] = set()
    for element in tree.iter():
        for text in (element.text, element.tail, *element.attrib.values()):
            if text:
                words.update(_WORD.findall(unicodedata.normalize("NFKC", text)))
    return frozenset(words)


_STANDING = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_STRUCTURE = {"inputs", "outputs"}  # what migrate_workflow rebuilds for the steps it resets
_CHANGE_NAMES = {"bpmn_name": "name", "event_definition": "its event or timer", "extensions": "its properties",
                 "cond_task_specs": "its conditions", "typename": "its type", "prescript": "its pre-script",
                 "postscript": "its post-script"}


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


SPEC_REF = "spec_ref"  # in a saved workflow: {"hash", "process"} of the deployed spec it runs on


def _spec_ref(key: tuple[str, str]) -> dict[str, str]:
    """What a saved workflow holds under SPEC_REF, from the spec's key in the engine's cache."""
    return {"hash": key[0], "process": key[1]}


class _SpecByReference(BpmnWorkflowConverter):
    """Saves a workflow that runs on a deployed, cached spec with a reference to it instead of the whole spec.

    The library embeds the whole spec (tens of KB, most of the cost of a save and a restore) in every saved
    workflow. A deployed version never changes, so a case's state names it and the engine restores it from its
    cache (or parses the version's diagram once per process). A workflow restored from a state that embeds its
    spec (saved before this) has no reference and is saved the library's way, as before.
    """

    def to_dict(self, workflow):
        ref = getattr(workflow, "_spec_ref", None)
        if ref is None:
            return super().to_dict(workflow)
        dct = WorkflowConverter.to_dict(self, workflow)  # what the library saves, less the specs
        dct[SPEC_REF] = ref
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _notify(role: str, message: str) -> None:
    _notifications.get().append((str(role), str(message)))


def content_hash(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


Diagram = Callable[[], bytes]


class WorkflowEngine:
    """Parses diagrams, starts and advances workflows, and returns what changed as a `Run`."""

    serializer_version = SERIALIZER_VERSION  # stored with each case: an upgrade must still read old ones

    def __init__(self, calendar: WorkingCalendar | None = None, clock: Callable[[], datetime] | None = None):
        self.calendar = calendar or WorkingCalendar()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.sandbox = Sandbox(self.script_functions())
        self.script_engine = PythonScriptEngine(environment=_SandboxEnvironment(self.sandbox))
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
            {**SPIFF_CONFIG, BpmnWorkflow: _SpecByReference}))
        self._validator = BpmnValidator()
        self._specs: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._words: dict[tuple[str, str], frozenset[str]] = {}  # every word of each cached spec's diagram

    def script_functions(self) -> dict[str, Callable[..., Any]]:
        """The only functions diagrams can call; documented on the process owner's help page."""
        cal = lambda: _calendar.get(self.calendar)  # noqa: E731  (the calendar of the run in progress)
        return {
            "add_working_days": lambda moment, days: cal().deadline(moment, int(days)).isoformat(),
            "extend_deadline": lambda deadline, days: cal().extend(deadline, int(days)).isoformat(),
            "working_days_before": lambda deadline, days: cal().working_days_before(deadline, int(days)).isoformat(),
            "working_days_between": lambda a, b: cal().working_days_between(as_utc(a).date(), as_utc(b).date()),
            "next_working_day": lambda moment: cal().next_working_day(as_utc(moment).date()).isoformat(),
            "now": lambda: self.clock().astimezone(timezone.utc).isoformat(),
            "notify": _notify,
        }

    # -- diagrams ---------------------------------------------------------------------------
    def parse(self, xml: bytes, filename: str = "diagram.bpmn") -> SpiffBpmnParser:
        """Parse and schema-check a diagram safely (no entities, no network, bounded size)."""
        return self._parse_tree(safe_xml_tree(xml), filename)

    def _parse_tree(self, tree, filename: str = "diagram.bpmn") -> SpiffBpmnParser:
        parser = SpiffBpmnParser(validator=self._validator)
        try:
            parser.add_bpmn_xml(tree.getroottree(), filename)
        except ValidationException as exc:
            raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None, exc.id or None) from exc
        return parser

    def code_of(self, xml: bytes, process_id: str) -> list[dict[str, Any]]:
        """Every script, gateway condition and timer expression of a process, for checks before deploy."""
        spec, subprocesses = self._spec(xml, process_id)
        lines = {el.get("id"): el.sourceline for el in safe_xml_tree(xml).iter() if el.get("id")}
        found = []
        for process in (spec, *subprocesses.values()):
            for ts in process.task_specs.values():
                for kind, source, mode in _code_of_task(ts):
                    found.append({"bpmn_id": ts.bpmn_id, "name": ts.bpmn_name or ts.bpmn_id, "kind": kind,
                                  "source": source, "mode": mode, "line": lines.get(ts.bpmn_id)})
        return found

    def process_ids(self, xml: bytes) -> list[str]:
        """The executable processes a diagram defines."""
        return list(self.process_names(xml))

    def process_names(self, xml: bytes) -> dict[str, str]:
        parser = self.parse(xml)
        return {pid: parser.get_process_parser(pid).get_name() for pid in parser.get_process_ids()}

    def _spec(self, xml: bytes | Callable[[], bytes] | None, process_id: str, version_hash: str | None = None):
        """The parsed spec, cached. With a deployed version's own hash, `xml` may be a loader, called only when
        the spec is not cached yet (so a case start need not fetch and hash 60 KB of diagram)."""
        return self._specs[self._spec_key(xml, process_id, version_hash)]

    def _spec_key(self, xml: bytes | Callable[[], bytes] | None, process_id: str,
                  version_hash: str | None = None) -> tuple[str, str]:
        """Parse and cache the spec unless it is cached; its key in the cache."""
        if version_hash is None:
            xml = xml() if callable(xml) else xml
        key = (version_hash or content_hash(xml), process_id)
        if key not in self._specs:
            if xml is None:
                raise WorkflowError("the diagram this case runs on was not given, so the case cannot be restored")
            tree = safe_xml_tree(xml() if callable(xml) else xml)
            words = _words_of(tree)
            parser = self._parse_tree(tree)
            try:
                self._specs[key] = (parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
            except ValidationException as exc:
                raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None, exc.id or None) from exc
            self._words[key] = words
        return key

    def mentions(self, xml: bytes | Callable[[], bytes] | None, process_id: str, word: str,
                 version_hash: str | None = None) -> bool:
        """Whether `word` appears anywhere in a process's diagram: in a script, condition or expression, or in a
        name or note. It may say yes for a word only a label uses, never no for a variable the code reads."""
        return word in self._words[self._spec_key(xml, process_id, version_hash)]

    @staticmethod
    def fill_in(state: str, placeholder: str, value: str) -> str:
        """A saved state with a value the workflow's data carried as a placeholder, which no code read (see
        `mentions`), put in its place: in the saved JSON it appears only as a copied string."""
        return state.replace(json.dumps(placeholder), json.dumps(value))

    def send_templates(self, xml: bytes, process_id: str) -> dict[str, str]:
        """The message template each send task names: {bpmn_id: template}."""
        spec, _ = self._spec(xml, process_id)
        return {ts.bpmn_id: ts.extensions["properties"]["template"] for ts in spec.task_specs.values()
                if getattr(ts, "extensions", {}).get("properties", {}).get("template")}

    def describe_user_tasks(self, xml: bytes, process_id: str) -> list[dict[str, Any]]:
        """Every user task of a process: id, name, lane and properties (for checks before deploy)."""
        spec, _ = self._spec(xml, process_id)
        return [
            {"bpmn_id": ts.bpmn_id, "name": ts.bpmn_name, "lane": ts.lane,
             "properties": dict(ts.extensions.get("properties", {}))}
            for ts in spec.task_specs.values() if getattr(ts, "manual", False)
        ]

    # -- trying a diagram's code on sample data before it is deployed (processes/validation.py) --
    def check_specs(self, xml: bytes) -> None:
        """Parse a diagram and build every process in it as deploying would, without caching them."""
        parser = self.parse(xml)
        for process_id in parser.get_process_ids():
            try:
                parser.get_spec(process_id)
                parser.get_subprocess_specs(process_id)
            except ValidationException as exc:
                raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None, exc.id or None) from exc

    @contextmanager
    def _trial(self):
        notifications, calendar = _notifications.set([]), _calendar.set(self.calendar)
        try:
            yield
        finally:
            _notifications.reset(notifications)
            _calendar.reset(calendar)

    def try_script(self, script: str, data: dict[str, Any]) -> dict[str, Any]:
        """Run a script in the sandbox on a copy of `data`, as a case would; returns the data it leaves."""
        context = dict(data)
        with self._trial():
            self.sandbox.execute(script, context)
        return context

    def try_expression(self, expression: str, data: dict[str, Any]) -> Any:
        """Evaluate a condition or timer expression in the sandbox against `data`."""
        with self._trial():
            return self.sandbox.evaluate(expression, dict(data))

    def try_timer(self, kind: str, expression: str, data: dict[str, Any]) -> None:
        """Raise ValueError unless the expression gives what a timer of this kind needs."""
        value = self.try_expression(expression, data)
        if not isinstance(value, str):
            raise ValueError(f"it gave {type(value).__name__} {value!r}, not text such as an ISO date")
        parse = {"timeDate": TimerEventDefinition.get_datetime,
                 "timeDuration": TimerEventDefinition.parse_iso_duration,
                 "timeCycle": TimerEventDefinition.parse_iso_recurring_interval}[kind]
        try:
            parse(value)
        except Exception as exc:  # the library raises assorted types for a bad ISO string
            raise ValueError(f"{value!r} is not a valid {kind} value") from exc

    # -- running -----------------------------------------------------------------------------
    def start(self, xml: bytes | Callable[[], bytes], process_id: str, data: dict[str, Any],
              calendar: WorkingCalendar | None = None, version_hash: str | None = None) -> Run:
        key = self._spec_key(xml, process_id, version_hash)
        workflow = BpmnWorkflow(*self._specs[key], script_engine=self.script_engine)
        workflow._spec_ref = _spec_ref(key)
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

    def fire_timers(self, state: str, calendar: WorkingCalendar | None = None, diagram: Diagram | None = None) -> Run:
        """Let every timer whose time has come fire, and run on to the next wait; stale ones are dropped first."""
        workflow = self._restore(state, diagram)

        def fire():
            self._drop_stale_timers(workflow)
            workflow.refresh_timers()
        return self._advance(workflow, fire, calendar)

    def _drop_stale_timers(self, workflow: BpmnWorkflow) -> None:
        """A timer that does not end its step (a reminder) is stale when a later timer of the same step is due too:
        a worker catching up after downtime finds the deadline passed, and the reminder before it says nothing
        true any more ("due soon" of a task already escalated). It is cancelled, not fired."""
        now = self.clock()
        due = [(task, at) for task, at in self._timer_tasks(workflow) if at <= now]
        for task, at in due:
            later = any(other.parent is task.parent and other_at > at for other, other_at in due)
            if later and not getattr(task.task_spec, "cancel_activity", True):
                task.cancel()

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

    def migrate(self, state: str, new_xml: bytes, process_id: str, calendar: WorkingCalendar | None = None,
                diagram: Diagram | None = None, version_hash: str | None = None) -> Run:
        """Move a running workflow onto another version of its process, or raise MigrationRefused.

        Refused when a step the case stands on (ready, waiting or started) was removed or changed, or a
        step it has already passed was removed; changes further on are what the move is for.
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
            workflow._spec_ref = _spec_ref(key)
        run = self._advance(workflow, move, calendar)
        try:
            self._restore(run.state)  # a state that does not read back would strand the case
        except Exception as exc:  # noqa: BLE001  (whatever the library raises, the move is refused)
            raise MigrationRefused(f"the new version cannot carry this case ({exc})") from exc
        return run

    def _restore(self, state: str, diagram: Diagram | None = None) -> BpmnWorkflow:
        dct = json.loads(state)
        self.serializer.migrate(dct)
        ref = dct.pop(SPEC_REF, None)
        if ref is not None:  # the library restores objects it is handed as they are
            dct["spec"], dct["subprocess_specs"] = self._spec(diagram, ref["process"], ref["hash"])
        workflow = self.serializer.from_dict(dct)
        workflow._spec_ref = ref
        workflow.script_engine = self.script_engine  # the script engine is not serialized
        return workflow

    def standalone_state(self, state: str, diagram: Diagram | None = None) -> str:
        """The saved workflow with its whole spec in it, as the library saves it: any SpiffWorkflow 3.2 reads it
        without this app (for an export, and for the bare engine's cost in bench/run.py)."""
        workflow = self._restore(state, diagram)
        workflow._spec_ref = None
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

    def _advance(self, workflow: BpmnWorkflow, action: Callable[[], None], calendar: WorkingCalendar | None) -> Run:
        notifications: list[tuple[str, str]] = []
        steps: list[tuple[str, str, str]] = []
        sends: list[tuple[str, dict[str, Any]]] = []
        token = _notifications.set(notifications)
        calendar_token = _calendar.set(calendar or self.calendar)

        def record(task):
            spec = task.task_spec
            if spec.bpmn_name and not spec.manual and "Gateway" not in type(spec).__name__:
                steps.append((spec.bpmn_id, spec.bpmn_name, _step_kind(spec)))
            template = getattr(spec, "extensions", {}).get("properties", {}).get("template")
            if template:
                sends.append((template, dict(task.data)))
        ready_before, timers_before = self._ready_ids(workflow), self._timers(workflow)
        try:
            action()
            workflow.do_engine_steps(did_complete_task=record)
        except (SpiffWorkflowException, SandboxError) as exc:
            raise WorkflowError(_describe_error(exc)) from exc
        finally:
            _notifications.reset(token)
            _calendar.reset(calendar_token)
        run = self._snapshot(workflow, notifications, steps, sends)
        run.ready_before, run.timers_before = ready_before, timers_before
        return run

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
        """Each user task's deadline as the data where the workflow stands (its ready and waiting tasks) gives it."""
        standing = [t.data for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
        dues = []
        for spec in workflow.spec.task_specs.values():
            props = getattr(spec, "extensions", {}).get("properties", {})
            value = next((d[props["due"]] for d in standing if d.get(props["due"])), None) if props.get("due") else None
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
            task_id=str(task.id), bpmn_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
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
        return [WaitingTimer(str(task.id), task.task_spec.bpmn_id, task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                             due) for task, due in cls._timer_tasks(workflow)]


_default_engine: WorkflowEngine | None = None


def default_engine() -> WorkflowEngine:
    """The process-wide engine (parsed specs are cached on it)."""
    global _default_engine
    if _default_engine is None:
        _default_engine = WorkflowEngine()
    return _default_engine
