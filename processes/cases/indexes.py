"""The task and timer indexes brought into step with a run by the difference, with plain statements."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models import Case, ReadyTask, User, WaitingTimer
from models.user import role_for_lane
from processes.engine import Run
from processes.errors import ProcedureError
from processes.records.history import record_event


def add_tasks(session: Session, case: Case, run: Run) -> list[ReadyTask]:
    """Index the tasks that became ready in this run."""
    before = set(run.ready_before)
    added: list[ReadyTask] = []
    for ready in run.ready:
        if ready.task_id in before:
            continue
        props = ready.properties
        role = role_for_lane(ready.lane)
        if role is None:
            raise ProcedureError(f"Task {ready.name} is in lane {ready.lane!r}, which is not a role")
        added.append(ReadyTask(
            case=case, task_uuid=ready.task_id, bpmn_id=ready.bpmn_id, name=ready.name, role=role,
            form_name=props.get("form"), stage=props.get("stage"), independent_of=props.get("independent_of"),
            due_at=ready.due_at, service_area=case.service_area))
    session.add_all(added)
    return added


def remove_tasks(session: Session, case: Case, gone: list[str], added: list[ReadyTask], actor: User | None,
                  because: str, completed_id: int | None) -> None:
    """Drop the tasks no longer ready, each closed other than by its own completion with a line in the history
    that its link (/tasks/<id>) reads. A task the flow loops back to (after an extension, say) stays with the
    officer who had it."""
    if gone:
        removed = session.execute(_DROP_TASKS, {"case_id": case.id, "gone": gone}).all()
        _forget(session, ReadyTask, [task_id for task_id, _, _, _ in removed])
        for task_id, bpmn_id, _, name in removed:
            if task_id != completed_id:
                record_event(session, case, actor, "task_closed", f"“{name}” closed: {because}",
                             {"element": bpmn_id, "task": name, "because": because}, task_id=task_id)
        carried = {bpmn_id: officer for _, bpmn_id, officer, _ in removed if officer is not None}
        for task in added:
            if task.bpmn_id in carried:
                task.assigned_to_id = carried[task.bpmn_id]
    if gone or added:
        session.expire(case, ["ready_tasks"])  # read again if asked for in this transaction


def add_timers(session: Session, case: Case, run: Run) -> list[tuple[str, datetime | None]]:
    """Index the timers that started waiting in this run; the (uuid, new due time or None to remove) of the
    others that changed, for `change_timers` once the case row is written."""
    before = {t.task_id: t.due_at for t in run.timers_before}
    after = {t.task_id: t for t in run.timers}
    session.add_all([WaitingTimer(case=case, task_uuid=uuid, bpmn_id=timer.bpmn_id, name=timer.name,
                                  due_at=timer.due_at) for uuid, timer in after.items()
                     if uuid not in before])
    return [(uuid, None) for uuid in before if uuid not in after] + \
        [(uuid, timer.due_at) for uuid, timer in after.items() if uuid in before
         and before[uuid] != timer.due_at]


def change_timers(session: Session, case: Case, changes: list[tuple[str, datetime | None]]) -> None:
    if gone := [uuid for uuid, due in changes if due is None]:
        _forget(session, WaitingTimer,
                session.scalars(_DROP_TIMERS, {"case_id": case.id, "gone": gone}).all())
    for uuid, due in changes:
        if due is not None:
            moved = session.scalars(_MOVE_TIMER, {"case_id": case.id, "uuid": uuid, "due_at": due}).all()
            _forget(session, WaitingTimer, moved, expunge=False)


def _forget(session: Session, model, ids, expunge: bool = True) -> None:
    """Rows changed by plain statements: a loaded object of a deleted row leaves the session (as the ORM's own
    delete would leave it), one of a changed row is read again when next used."""
    for row_id in ids:
        loaded = session.identity_map.get(identity_key(model, row_id))
        if loaded is None:
            continue
        if expunge:
            session.expunge(loaded)
        else:
            session.expire(loaded)


# Plain statements on the index tables (the ORM's bulk delete costs several times the round trip).
_INDEX, _TIMERS = ReadyTask.__table__, WaitingTimer.__table__
_DROP_TASKS = (delete(_INDEX).where(_INDEX.c.case_id == bindparam("case_id"),
                                    _INDEX.c.task_uuid.in_(bindparam("gone", expanding=True)))
               .returning(_INDEX.c.id, _INDEX.c.bpmn_id, _INDEX.c.assigned_to_id, _INDEX.c.name))
_DROP_TIMERS = (delete(_TIMERS).where(_TIMERS.c.case_id == bindparam("case_id"),
                                      _TIMERS.c.task_uuid.in_(bindparam("gone", expanding=True)))
                .returning(_TIMERS.c.id))
_MOVE_TIMER = (update(_TIMERS).where(_TIMERS.c.case_id == bindparam("case_id"),
                                     _TIMERS.c.task_uuid == bindparam("uuid"))
               .values(due_at=bindparam("due_at")).returning(_TIMERS.c.id))
