"""What the case page marks on its flow chart, from the history and index tables (no workflow loaded)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, WaitingTimer
from processes.policy.calendar import as_utc

DONE_KINDS = ("completed", "step", "timer")


@dataclass
class DiagramMarks:
    done: list[str] = field(default_factory=list)      # element ids the case has passed
    current: list[str] = field(default_factory=list)   # tasks waiting for someone now
    # of those, and of due timers, the ones past their deadline
    overdue: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def named(self, ids: list[str]) -> list[str]:
        return [self.names.get(i, i) for i in ids]


def diagram_marks(session: Session, case: Case, now: datetime | None = None) -> DiagramMarks:
    """Done from the case's history rows, current and overdue from the ready-task and timer indexes."""
    now = now or datetime.now(timezone.utc)
    marks = DiagramMarks()
    rows = session.execute(select(CaseEvent.details, CaseEvent.summary)
                           .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(DONE_KINDS))
                           .order_by(CaseEvent.id)).all()
    for details, _ in rows:
        element = (details or {}).get("element")
        if element and element not in marks.done:
            marks.done.append(element)
    for task in case.ready_tasks:
        marks.current.append(task.bpmn_id)
        marks.names[task.bpmn_id] = task.name
        if task.due_at and as_utc(now) >= as_utc(task.due_at):  # a deadline passes at its due time
            marks.overdue.append(task.bpmn_id)
    for timer in session.scalars(select(WaitingTimer).where(WaitingTimer.case_id == case.id,
                                                            WaitingTimer.due_at <= now)):
        marks.overdue.append(timer.bpmn_id)
        marks.names[timer.bpmn_id] = timer.name
    return marks
