"""The process owner's code in the engine: the sandboxed script environment, the functions diagrams call,
trial runs."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import timezone
from typing import Any, Callable

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from processes.engine.sandbox import Sandbox, SandboxError
from processes.engine.trials import TRIALS, Failure, Piece

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from processes.policy.calendar import WorkingCalendar, as_utc

run_notifications: contextvars.ContextVar[list[tuple[str, str]]] = contextvars.ContextVar("notifications")
run_calendar: contextvars.ContextVar[WorkingCalendar] = contextvars.ContextVar("calendar")


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, sandbox: Sandbox):
        super().__init__({})
        self.sandbox = sandbox

    def evaluate(self, expression, context, external_context=None):
        return self.sandbox.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context)
        return True


def describe_error(exc: Exception) -> str:
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


def _notify(role: str, message: str) -> None:
    run_notifications.get().append((str(role), str(message)))


class Scripts:

    def script_functions(self) -> dict[str, Callable[..., Any]]:
        """The only functions diagrams can call; documented on the process owner's help page."""
        cal = lambda: run_calendar.get(self.calendar)  # noqa: E731  (the calendar of the run in progress)
        return {
            "add_working_days": lambda moment, days: cal().deadline(moment, int(days)).isoformat(),
            "extend_deadline": lambda deadline, days: cal().extend(deadline, int(days)).isoformat(),
            "working_days_before": lambda deadline,
                days: cal().working_days_before(deadline, int(days)).isoformat(),
            "working_days_between": lambda a,
                b: cal().working_days_between(as_utc(a).date(), as_utc(b).date()),
            "next_working_day": lambda moment: cal().next_working_day(as_utc(moment).date()).isoformat(),
            "now": lambda: self.clock().astimezone(timezone.utc).isoformat(),
            "notify": _notify,
        }

    @contextmanager
    def _trial(self):
        notifications, calendar = run_notifications.set([]), run_calendar.set(self.calendar)
        try:
            yield
        finally:
            run_notifications.reset(notifications)
            run_calendar.reset(calendar)

    def run_trials(self, pieces: list[Piece], data: dict[str, Any]) -> list[Failure]:
        """Try the owner's code against sample data in a worker process (processes.engine.trials)."""
        return TRIALS.run(pieces, data, run_calendar.get(self.calendar), self.clock())

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
