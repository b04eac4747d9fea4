"""What the engine hands back: a run's results, the tasks and timers it left, and its errors."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.



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
    # (bpmn_id, name, kind) of automatic steps run
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    # (template, task data) of send tasks
    sends: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    finished: bool = False
    end_name: str | None = None
    # What was ready and waiting before this run, which is what the app's indexes hold: they are brought into
    # step by the difference, without being read back.
    ready_before: list[str] = field(default_factory=list)
    timers_before: list[WaitingTimer] = field(default_factory=list)
    # The deadline each user task of the process would carry if it were ready now: (its properties, due time),
    # so the customer can be told a response date before the response task is ready.
    dues: list[tuple[dict[str, str], datetime]] = field(default_factory=list)


Diagram = Callable[[], bytes]
