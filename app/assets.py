"""Serves the front-end packages installed from npm (GOV.UK Frontend, bpmn-js): no CDN."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

_PACKAGES = {
    "govuk": "govuk-frontend/dist/govuk",
    "bpmn-js": "bpmn-js/dist",
}


@bp.get("/assets/<package>/<path:filename>")
def package_file(package: str, filename: str):
    if package not in _PACKAGES:
        abort(404)
    return send_from_directory(current_app.config["NODE_MODULES"] / _PACKAGES[package], filename, max_age=3600)


@bp.get("/assets/<any(fonts, images):kind>/<path:filename>")
def govuk_asset(kind: str, filename: str):
    """GOV.UK Frontend's stylesheet asks for its fonts and images under /assets/."""
    root = current_app.config["NODE_MODULES"] / _PACKAGES["govuk"] / "assets" / kind
    return send_from_directory(root, filename, max_age=86400)
