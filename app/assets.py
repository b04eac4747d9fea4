"""Serves the front-end packages installed from npm (GOV.UK Frontend, bpmn-js): no CDN."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

_FOLDERS = {
    "govuk": "govuk-frontend/dist/govuk",
    "bpmn-js": "bpmn-js/dist",
    # GOV.UK Frontend's stylesheet asks for its fonts and images under /assets/.
    "fonts": "govuk-frontend/dist/govuk/assets/fonts",
    "images": "govuk-frontend/dist/govuk/assets/images",
}


@bp.get("/assets/<folder>/<path:filename>")
def package_file(folder: str, filename: str):
    if folder not in _FOLDERS:
        abort(404)
    return send_from_directory(current_app.config["NODE_MODULES"] / _FOLDERS[folder], filename, max_age=3600)
