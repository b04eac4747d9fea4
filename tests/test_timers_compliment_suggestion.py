"""Time travel over the compliment's and the suggestion's own timers (issue 21: every timer has a test):
the suggestion's reminder to the service manager and its overdue alert to the CRO, each firing once and
the task staying with the service; the compliment's alert when it has not been passed on in time."""
from datetime import datetime, timezone

from .helpers.cases import at
from .helpers.journeys import complete, submit_online, tasks_of
from .helpers.timers import fire, notes, timers

UTC = timezone.utc


def test_a_suggestion_not_decided_is_reminded_then_reported_overdue(db, login_as):
    with at(2026, 3, 2, 9):  # Monday 2 March 2026
        reference = submit_online(login_as("frontline"), "suggestion")
    # The decision in 10 working days (Monday 16 March), the reminder 3 before; the holding reply at 5.
    assert timers(db, reference) == {"suggestion_ack_due": datetime(2026, 3, 10, tzinfo=UTC),
                                     "suggestion_reminder": datetime(2026, 3, 12, tzinfo=UTC),
                                     "suggestion_overdue": datetime(2026, 3, 17, tzinfo=UTC)}
    with at(2026, 3, 10, 0, 0, 1):
        assert fire(db) == (1, [])  # the holding reply (tests/test_deadlines_watched.py)
    with at(2026, 3, 11, 23, 59):
        assert fire(db) == (0, [])  # not yet
    with at(2026, 3, 12, 0, 0, 1):
        assert fire(db) == (1, [])
    assert notes(db, reference) == ["Reminder: a suggestion decision is due soon"]
    with at(2026, 3, 17, 0, 0, 1):
        assert fire(db) == (1, [])
        assert fire(db) == (0, [])  # once
    assert notes(db, reference) == ["Reminder: a suggestion decision is due soon",
                                    "Suggestion decision is overdue"]
    assert timers(db, reference) == {}
    assert list(tasks_of(db, reference)) == ["consider_suggestion"]  # still the service's to decide
    with at(2026, 3, 18, 10):
        complete(login_as("manager"), tasks_of(db, reference)["consider_suggestion"].id,
                 {"suggestion_decision": "adopted", "suggestion_reason": "A good idea."})
    assert tasks_of(db, reference) == {}


def test_a_compliment_not_passed_on_in_time_is_reported_to_the_cro(db, login_as):
    with at(2026, 3, 2, 9):
        reference = submit_online(login_as("frontline"), "compliment")
    # Passed to the service within 10 working days: by Monday 16 March.
    assert timers(db, reference) == {"pass_on_overdue": datetime(2026, 3, 17, tzinfo=UTC)}
    assert tasks_of(db, reference)["pass_on_compliment"].due_at == datetime(2026, 3, 17, tzinfo=UTC)
    with at(2026, 3, 16, 23, 59, 59):
        assert fire(db) == (0, [])
    with at(2026, 3, 17, 0, 0, 1):
        assert fire(db) == (1, [])
        assert fire(db) == (0, [])
    assert notes(db, reference) == ["Compliment not yet passed to the service"]
    assert list(tasks_of(db, reference)) == ["pass_on_compliment"]
