"""Trial runs of the process owner's code (the editor's "Check for problems", deploy's checks) in a child
process, so that no diagram can stall or bloat a web worker.

The sandbox's own bounds are per evaluation and stop a script between lines; one call into C that is slow
(or a bound we did not think of) holds the interpreter, and every other request of that process, until it
returns. So the trials run in a worker process started with `python -m processes.engine.trials`, under
`resource` limits of its own (processor time and address space), while the web process only waits on a
pipe with a wall-clock deadline and kills the worker when it passes. A warm worker is kept for the next
check (starting one costs about a second); one that hit a limit or was killed is replaced.

The two speak JSON lines (never pickle: the worker runs hostile code, the web process must not trust it);
the worker says which piece it is on in a shared page of memory.
"""
from __future__ import annotations

import json
import mmap
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, time as day_time
from pathlib import Path
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from processes.policy.calendar import WorkingCalendar

# The shipped complaint process, every piece of its code tried twice, takes about 25 ms of processor time.
WALL_SECONDS = 6.0         # one whole check, waited for by the web process
CPU_SECONDS = 3            # processor time of one check in the worker (RLIMIT_CPU)
MEMORY_BYTES = 256 * 2**20  # address space the worker may add to what it has after start-up (RLIMIT_AS)
JOBS_PER_WORKER = 200      # a worker is replaced after this many checks all the same
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Piece:
    """One piece of code to try: "exec" (a script) or "eval"; a timer expression names its kind."""

    mode: str
    source: str
    timer: str = ""


@dataclass(frozen=True)
class Failure:
    """What failed: the index of the piece, the kind of error (`NameError`, `limit`...) and its message."""

    index: int
    kind: str
    message: str


class TrialRunner:
    """Runs trials in a warm worker process; thread-safe (a busy worker means another is started)."""

    def __init__(self, wall_seconds: float = WALL_SECONDS, cpu_seconds: int = CPU_SECONDS,
                 memory_bytes: int = MEMORY_BYTES):
        self.limits = _Limits(wall_seconds, cpu_seconds, memory_bytes)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def run(self, pieces: Sequence[Piece], data: dict[str, Any], calendar: WorkingCalendar,
            now: datetime) -> list[Failure]:
        """Try `pieces` against `data` as the deploy checks do (scripts first, to gather their variables)."""
        if not pieces:
            return []
        request = json.dumps({"pieces": [[p.mode, p.source, p.timer] for p in pieces], "data": data,
                              "calendar": _calendar_json(calendar), "now": now.isoformat(),
                              "cpu_seconds": self.limits.cpu_seconds}, default=str)
        worker = self._take()
        try:
            failures, healthy = worker.ask(request)
        except OSError:  # the idle worker died since it was last used: once more in a new one
            worker.stop()
            worker = _Worker(self.limits)
            failures, healthy = worker.ask(request)
        self._give_back(worker) if healthy else worker.stop()
        return failures

    def _take(self) -> _Worker:
        while True:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                return _Worker(self.limits)
            if worker.alive():
                return worker
            worker.stop()  # it died while idle: reap it

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if worker.jobs < JOBS_PER_WORKER and len(self._idle) < 2:
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


# Not the web process's environment: the worker runs hostile code and needs no secret or database address.
_WORKER_ENVIRONMENT = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class _Limits:
    wall_seconds: float
    cpu_seconds: int
    memory_bytes: int


class _Worker:
    """One child process and the pipes to it."""

    def __init__(self, limits: _Limits):
        self.jobs, self.limits = 0, limits
        # Which piece the worker is on, in memory both processes map (a message a piece would cost more than
        # the pieces): read when the worker has to be stopped, to name the code that was running.
        progress = os.memfd_create("cc-trial-progress")
        os.ftruncate(progress, 8)
        self._progress = mmap.mmap(progress, 8)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "processes.engine.trials", str(limits.memory_bytes), str(progress)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=_WORKER_ENVIRONMENT, pass_fds=(progress,))
        os.close(progress)
        self._buffer = b""

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        self._progress.close()

    def ask(self, request: str) -> tuple[list[Failure], bool]:
        """The worker's answer and whether it may be used again; a worker past a limit is killed."""
        self.jobs += 1
        deadline = time.monotonic() + self.limits.wall_seconds
        struct.pack_into("q", self._progress, 0, 0)
        self.process.stdin.write(request.encode() + b"\n")
        self.process.stdin.flush()
        message = self._read(deadline)
        if message is None:
            return [_stopped(struct.unpack_from("q", self._progress)[0], self._stop_reason())], False
        failures = [Failure(int(i), str(kind), str(text)) for i, kind, text in message["failures"]]
        return failures, bool(message.get("healthy"))

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The worker's next JSON line, or None if it died, or sent nonsense, or the deadline passed."""
        out = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([out], [], [], remaining)[0]:
                self.process.kill()
                return None
            chunk = os.read(out, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def _stop_reason(self) -> str:
        self.process.kill()
        code = self.process.wait()
        if code == -signal.SIGXCPU:  # RLIMIT_CPU
            return f"used more than {self.limits.cpu_seconds} s of processor time"
        if code == -signal.SIGKILL:
            return f"took longer than {self.limits.wall_seconds:g} s"
        return "stopped the trial run (it used too much memory?)"


def _stopped(index: int, reason: str) -> Failure:
    return Failure(index, "limit", f"the trial run of this code {reason}, so it was stopped")


def _calendar_json(calendar: WorkingCalendar) -> dict[str, Any]:
    return {"closures": sorted(d.isoformat() for d in calendar.closures),
            "close_of_business": calendar.close_of_business.isoformat(), "tz": str(calendar.tz)}


def _calendar_of(spec: dict[str, Any]) -> WorkingCalendar:
    return WorkingCalendar(closures=frozenset(date.fromisoformat(d) for d in spec["closures"]),
                           close_of_business=day_time.fromisoformat(spec["close_of_business"]),
                           tz=ZoneInfo(spec["tz"]))


TRIALS = TrialRunner()  # one per web process: its workers are shared by every engine of the process


# -- the worker ---------------------------------------------------------------------------------
def _limit_memory(memory_bytes: int) -> None:
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    grown = _address_space() + memory_bytes
    limit = grown if hard == resource.RLIM_INFINITY else min(grown, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu_for_one_check(seconds: int) -> None:
    """RLIMIT_CPU counts the whole life of the process: allow `seconds` more from now."""
    import resource
    used = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(used.ru_utime + used.ru_stime) + 1 + seconds, hard))


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _serve(memory_bytes: int, progress_fd: int) -> None:
    """Answer check requests from stdin on stdout until stdin closes."""
    from processes.engine.trial_runs import run_pieces, warm_up  # the engine: imported only in the worker
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # nothing printed may mix with the replies
    at = mmap.mmap(progress_fd, 8)
    warm_up()
    _limit_memory(memory_bytes)
    for line in requests:
        request = json.loads(line)
        _limit_cpu_for_one_check(int(request["cpu_seconds"]))

        def progress(index: int) -> None:
            struct.pack_into("q", at, 0, index)
        pieces = [Piece(*p) for p in request["pieces"]]
        failures, healthy = run_pieces(pieces, request["data"], _calendar_of(request["calendar"]),
                                       datetime.fromisoformat(request["now"]), progress, memory_bytes)
        replies.write(json.dumps({"failures": [[f.index, f.kind, f.message] for f in failures],
                                  "healthy": healthy}).encode() + b"\n")
        replies.flush()
        if not healthy:
            return


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
