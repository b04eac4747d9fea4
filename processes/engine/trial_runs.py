"""What the trial worker (processes.engine.trials) does with one request: the owner's code tried against
sample case data in the order a case meets it, each failure described."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from processes.engine.sandbox import Sandbox
from processes.engine.scripts import Scripts
from processes.engine.trials import Failure, Piece
from processes.policy.calendar import WorkingCalendar


class _TrialScripts(Scripts):
    """The functions and sandbox a case's scripts get, on the calendar and at the moment of the check."""

    def __init__(self, calendar: WorkingCalendar, now: datetime):
        self.calendar, self.clock = calendar, lambda: now
        self.sandbox = Sandbox(self.script_functions())

    def try_piece(self, piece: Piece, data: dict[str, Any]) -> dict[str, Any]:
        if piece.mode == "exec":
            return self.try_script(piece.source, data)
        if piece.timer:
            self.try_timer(piece.timer, piece.source, data)
        else:
            self.try_expression(piece.source, data)
        return data


def warm_up() -> None:
    """Do once, before the first check, what would otherwise count against its first script's time limit:
    the calendar's first look at the bank holidays and the sandbox's first compile take a good part of it."""
    now = datetime.now().astimezone()
    _TrialScripts(WorkingCalendar(), now).try_script("x = add_working_days(now(), 10)", {})


def run_pieces(pieces: Sequence[Piece], data: dict[str, Any], calendar: WorkingCalendar, now: datetime,
               progress: Callable[[int], None], memory_bytes: int) -> tuple[list[Failure], bool]:
    """(what failed, whether this process is still fit for another check)."""
    # A first pass runs the scripts to gather the variables they set, so a timer naming `stage1_response_due`
    # sees it; the second tries every piece against that data and reports what fails.
    engine, index = _TrialScripts(calendar, now), 0
    try:
        for index, piece in enumerate(pieces):
            if piece.mode == "exec":
                progress(index)
                try:
                    data = engine.try_piece(piece, data)
                except MemoryError:
                    raise
                except Exception:  # reported by the second pass
                    continue
        failures = []
        for index, piece in enumerate(pieces):
            progress(index)
            try:
                engine.try_piece(piece, data)
            except MemoryError:
                raise
            except Exception as exc:  # anything the process owner's code raises is a problem to show them
                failures.append(Failure(index, type(exc).__name__, str(exc)))
    except MemoryError:
        message = (f"the trial run of this code used more than {memory_bytes // 2**20} MB of memory, "
                   "so it was stopped")
        return [Failure(index, "limit", message)], False
    return failures, True
