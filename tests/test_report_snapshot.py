"""The default dashboard worked out ahead by the timer worker (processes.reporting.snapshot): the page shows
those figures and when they were worked out, the same tables as worked out on the spot; the worker works
them out again every 5 minutes; a filtered dashboard, and the default one once the worker has stopped for
10 minutes, are worked out when asked for."""
from datetime import datetime, timezone

from sqlalchemy import select

from models import ReportSnapshot

from .helpers.cases import at
from .helpers.timers import worker_turn

UTC = timezone.utc
WORKED_OUT = "These figures were worked out"


def run_worker(app, db, moment):
    worker_turn(app, moment)
    db.expire_all()


def tables_of(page: str) -> str:
    """The page's figures: from the first table's caption to the end of the main content."""
    return page[page.index("<caption"):page.index("</main>")]


def test_the_page_shows_the_figures_worked_out_ahead_and_says_when(app, db, hand_built, login_as):
    run_worker(app, db, datetime(2026, 6, 1, 9, tzinfo=UTC))  # Monday 1 June 2026, 10am in the UK
    [stored] = db.scalars(select(ReportSnapshot)).all()
    assert stored.key == "dashboard 2025-06-01 2026-05-31 2026-06-01"  # the last twelve whole months
    with at(2026, 6, 1, 9, 2):
        cro = login_as("cro")
        ahead = cro.get("/reports/").text
        assert f"{WORKED_OUT} 1 June 2026 at 10:00am" in ahead
        filtered = cro.get("/reports/?channel=phone").text
        assert WORKED_OUT not in filtered and "<caption" in filtered
    run_worker(app, db, datetime(2026, 6, 1, 9, 4, tzinfo=UTC))  # not yet due again
    with at(2026, 6, 1, 9, 4, 30):
        assert f"{WORKED_OUT} 1 June 2026 at 10:00am" in login_as("cro").get("/reports/").text
    run_worker(app, db, datetime(2026, 6, 1, 9, 5, tzinfo=UTC))
    with at(2026, 6, 1, 9, 6):
        assert f"{WORKED_OUT} 1 June 2026 at 10:05am" in login_as("cro").get("/reports/").text
    with at(2026, 6, 1, 9, 15):  # the worker has stopped: ten minutes on, the page works them out itself
        now = login_as("cro").get("/reports/").text
        csv = login_as("cro").get("/reports/responded.csv")
    assert WORKED_OUT not in now
    assert tables_of(now) == tables_of(ahead)  # the same tables, worked out ahead or on the spot
    assert csv.text.splitlines()[1] == "\"Response, without extension\",3,3,100.0,2.3"
    assert len(db.scalars(select(ReportSnapshot)).all()) == 1  # each replaces the one before
