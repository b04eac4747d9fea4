"""The shape every small staff action takes: run one operation, say what happened, go on."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect

from .unit_of_work import on_refusal


def act(operation: Callable[[], object], success: str, then: str, failed: str | None = None):
    """Run `operation` and show `success`; a refusal goes back to the page the person came from, saying why
    (app.unit_of_work commits or rolls back)."""
    on_refusal(then, referrer=True, failed=failed)
    operation()
    flash(success, "success")
    return redirect(then)
