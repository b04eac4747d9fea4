"""Signing staff in and out."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from processes.accounts import sign_in, sign_out
from processes.errors import NotAllowed

from ..extensions import db
from ..limits import caps, client_address
from ..unit_of_work import keep_even_if_refused
from ..navigation import landing_endpoint

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, user) -> str:
    """Only this site's own paths: never another host, never a scheme-relative //host. Without one (or with
    one that is not safe), the user's landing page."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for(landing_endpoint(user))
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    errors, email = {}, request.form.get("email", "").strip()
    if request.method == "POST":
        if not email:
            errors["email"] = "Enter your email address"
        if not request.form.get("password"):
            errors["password"] = "Enter your password"
        if not errors:
            try:
                user = sign_in(db.session, email, request.form["password"], datetime.now(timezone.utc),
                               client_address(), caps()["sign_in_address"])
            except NotAllowed as exc:
                errors["email"] = str(exc)
                keep_even_if_refused()  # failures count too
        if not errors:
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), user))
    return render_template("auth/login.html", title="Sign in", errors=errors, email=email,
                           form_errors=errors), (400 if errors else 200)


@bp.route("/sign-out", methods=["POST"])  # a form with the CSRF token: another site cannot sign anyone out
@login_required
def logout():
    sign_out(db.session, current_user)
    logout_user()
    flash("You have signed out", "success")
    return redirect(url_for("auth.login"))
