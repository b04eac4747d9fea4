"""The shape every small staff action takes: run one operation, commit once, say what happened."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, request

from processes.errors import ProcedureError

from .extensions import db


def act(operation: Callable[[], object], success: str, then: str, failed: str | None = None):
    """Run `operation`; on a refusal roll back and show why, otherwise commit and show `success`."""
    try:
        operation()
    except ProcedureError as exc:
        db.session.rollback()
        flash(f"{failed}: {exc}" if failed else str(exc), "error")
        return redirect(request.referrer or then)
    db.session.commit()
    flash(success, "success")
    return redirect(then)
