"""Issue 19, item 3: "Check for problems" and deploy's checks try the owner's code in a worker process with
limits of its own, so no diagram can stall or bloat the web process."""
from datetime import datetime, timezone

import pytest

from processes.engine.trials import Piece, TrialRunner
from processes.policy.calendar import WorkingCalendar

from .helpers.hostile_code import ENDLESS, GREEDY

SLOW = [ENDLESS] * 10  # tried twice each: 4 million lines at least, seconds of processor time

NOW = datetime(2026, 1, 7, 10, tzinfo=timezone.utc)


@pytest.fixture()
def runner():
    made = []

    def make(**limits):
        made.append(TrialRunner(**limits))
        return made[-1]
    yield make
    for trial_runner in made:
        trial_runner.close()


def run(runner, *sources, data=None):
    return runner.run([Piece("exec", source) for source in sources], dict(data or {}), WorkingCalendar(), NOW)


def test_scripts_run_in_the_worker_as_they_would_in_a_case(runner):
    trials = runner()
    ok = "due = add_working_days(received_at, 10)\nnotify('cro', 'due ' + due)"
    failures = run(trials, ok, "x = missing + 1", "y = due[:10] + 1",
                   data={"received_at": "2026-01-07T10:00:00+00:00"})
    assert [(f.index, f.kind) for f in failures] == [(1, "NameError"), (2, "TypeError")]
    assert "missing" in failures[0].message
    assert run(trials, ok, data={"received_at": "2026-01-07T10:00:00+00:00"}) == []  # the warm worker again


def test_the_worker_processor_time_limit_holds(runner):
    failures = run(runner(cpu_seconds=1, wall_seconds=60), "x = 1", *SLOW)
    assert [f.kind for f in failures] == ["limit"] and failures[0].index >= 1
    assert failures[0].message == ("the trial run of this code used more than 1 s of processor time, "
                                   "so it was stopped")


def test_the_wall_clock_deadline_kills_the_worker(runner):
    failures = run(runner(cpu_seconds=60, wall_seconds=1), *SLOW)
    assert failures[0].message == "the trial run of this code took longer than 1 s, so it was stopped"


def test_the_worker_memory_limit_holds(runner):
    failures = run(runner(memory_bytes=16 * 2**20), "x = 1", GREEDY)
    assert [(f.index, f.kind) for f in failures] == [(1, "limit")]
    assert "used more than 16 MB of memory" in failures[0].message


def test_the_worker_does_not_get_the_web_process_secrets(runner):
    trials = runner()
    run(trials, "x = 1")
    worker = trials._idle[0].process.pid
    with open(f"/proc/{worker}/environ", "rb") as environ:
        names = {entry.split(b"=")[0].decode() for entry in environ.read().split(b"\0") if entry}
    assert names <= {"PYTHONPATH", "PATH", "LANG"}


def test_a_worker_that_hit_a_limit_is_replaced(runner):
    trials = runner(cpu_seconds=1, wall_seconds=60)
    run(trials, "x = 1")
    first = trials._idle[0].process.pid
    assert run(trials, *SLOW)[-1].kind == "limit"
    assert not trials._idle
    assert run(trials, "x = 1") == []
    assert trials._idle[0].process.pid != first


def test_a_worker_that_died_while_idle_is_reaped_and_replaced(runner):
    trials = runner()
    run(trials, "x = 1")
    dead = trials._idle[0].process
    dead.kill()
    dead.wait()
    assert [f.kind for f in run(trials, "x = y")] == ["NameError"]
    assert dead.stdout.closed and trials._idle[0].process is not dead
