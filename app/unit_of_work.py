"""One unit of work per request, CLI command and timer run: commit once when the work is done, roll back when
it fails or is refused. Nothing else in app/ commits or rolls back (tests/test_unit_of_work.py checks).

A request's work is committed after its view, when the response is not an error (below 400) and no operation
was refused; otherwise it is rolled back. Two named exceptions to that rule, each said by the view:
`keep_even_if_refused` (what was written must stand although the answer is an error: a failed sign-in is
counted) and `mark_refused` (a refusal shown on a page of its own, with a 200, is not kept). A ProcedureError
a view lets through is answered here, in one place (`init_app`): flashed and redirected to where the view said
with `on_refusal`, or for bad input with nowhere to go, the 400 page."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from flask import Flask, Response, current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session

from models.db import begin_reading, begin_writing
from processes.errors import InvalidInput, ProcedureError

from .extensions import db


class Turns:
    """Where work done in turns ends one turn and begins the next: the turn so far is committed, and the next
    transaction reads or writes. So on SQLite the write lock is held only while writing (the public form's
    submission, processes.cases.submission.submit_in_turns) and a long batch of the timer worker's is kept
    case by case (`end`, its `commit` callable)."""

    def __init__(self, session: Session):
        self.session = session

    def end(self) -> None:
        """Commit the turn so far."""
        self.session.commit()

    def reading(self) -> None:
        """End the turn; the next transaction only reads (on SQLite: without the write lock)."""
        self.end()
        begin_reading(self.session)

    def writing(self, later_commit_syncs: bool = False) -> None:
        """End the turn; the next transaction writes (see models.db.begin_writing)."""
        self.end()
        begin_writing(self.session, later_commit_syncs)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Turns]:
    """A CLI command's or timer run's work: committed when the block ends, rolled back (to its last turn)
    if it raises, whatever it raises."""
    try:
        yield Turns(session)
    except BaseException:
        session.rollback()
        raise
    session.commit()


@dataclass
class _RequestWork:
    """What the view said about its request's unit of work."""
    then: str | None = None  # where a refusal sends the person
    referrer: bool = False  # back to the page they came from, if the browser said
    failed: str | None = None  # words before the refusal's own
    keep: bool = False
    refused: bool = False


def _work() -> _RequestWork:
    # Kept with the request, not in flask.g: a test's app context outlives its requests, a request does not.
    return request.environ.setdefault("customer_comments.unit_of_work", _RequestWork())


def on_refusal(then: str, *, referrer: bool = False, failed: str | None = None) -> None:
    """Where a refused operation of this request takes the person: `then`, or with `referrer` the page they
    came from (`then` if the browser did not say); `failed` goes before the refusal's words."""
    work = _work()
    work.then, work.referrer, work.failed = then, referrer, failed


def keep_even_if_refused() -> None:
    """Commit this request's work although its answer is an error or a refusal (a failed sign-in counts; a
    500 keeps nothing, its handler has rolled back)."""
    _work().keep = True


def mark_refused() -> None:
    """Roll this request's work back although its answer is no error (a refusal shown on the form's page)."""
    _work().refused = True


def discard_failed_work() -> None:
    """Roll back now, before an error page reads anything (the session may be unusable until then)."""
    db.session.rollback()


def init_app(app: Flask) -> None:
    app.after_request(_finish)
    app.register_error_handler(ProcedureError, _refused)


def _finish(response: Response) -> Response:
    """The request's one commit, or its rollback."""
    work = _work()
    if not (work.keep or (response.status_code < 400 and not work.refused)):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        # Nothing was saved: the browser keeps its session as it came (a form's answers, no false success).
        came = current_app.session_interface.open_session(current_app, request)
        session.clear()
        session.update(came or {})
        raise
    return response


def _refused(error: ProcedureError):
    """A refusal the view let through: flashed on the page the view said, or for bad input, the 400 page."""
    work = _work()
    work.refused = True
    if isinstance(error, InvalidInput) and work.then is None:
        return render_template("error.html", title=str(error),
                               message=". ".join(error.errors.values()) or "Go back and check it."), 400
    flash(_words(error, work.failed), "error")
    back = request.referrer if work.referrer or work.then is None else None
    return redirect(back or work.then or url_for("public.start"))


def _words(error: ProcedureError, failed: str | None) -> str:
    """What the person is told: the refusal's own words (for bad input, its first problem), after `failed`."""
    said = next(iter(error.errors.values()), str(error)) if isinstance(error, InvalidInput) else str(error)
    return f"{failed}: {said}" if failed else said
