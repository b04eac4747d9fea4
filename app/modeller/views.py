"""The process owner's flow chart editor: open, validate, preview forms, import, export and deploy."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from models.user import ROLES
from processes.access import roles_for
from processes.diagrams import editing
from processes.diagrams.deploy import latest_version
from processes.diagrams.forms import FormDefinitionError, check_definition
from processes.engine import BpmnError, engine_of
from processes.errors import InvalidInput
from processes.messaging.messages import load_templates

from ..extensions import db
from ..formatting import uk_datetime
from ..guard import guard

bp = Blueprint("modeller", __name__, url_prefix="/processes")
guard(bp, "change_process")
# The roles a lane may stand for (people who work cases), offered in the order of ROLES.
LANE_ROLES = {k: v for k, v in ROLES.items() if k in roles_for("work_tasks")}


def _version_or_404(key: str):
    version = latest_version(db.session, key)
    if version is None:
        abort(404)
    return version


@bp.get("/")
def index():
    return render_template("modeller/index.html", title="Flow charts",
                           versions=editing.newest_versions(db.session))


def _editor(version, xml: bytes, error: str | None = None, imported: str | None = None, status: int = 200):
    forms = editing.editable_forms(version, current_app.extensions["forms"])
    return render_template("modeller/edit.html", title=f"Edit the flow chart: {version.name}",
                           version=version, version_caption=version_caption,
                           xml=xml.decode("utf-8"), forms=forms, lanes=LANE_ROLES,
                           templates=sorted(load_templates()), error=error, imported=imported,
                           form_errors={"bpmn_file": error} if error else None), status


def version_caption(version) -> str:
    """The editor's header line, drawn by the page and again by its script after a deploy."""
    return f"Version {version.number} deployed {uk_datetime(version.deployed_at)}"


@bp.get("/<key>/edit")
def edit(key: str):
    version = _version_or_404(key)
    return _editor(version, version.bpmn_xml)


@bp.get("/<key>/export")
def export(key: str):
    version = _version_or_404(key)
    filename = f"{key}-v{version.number}.bpmn"
    return Response(version.bpmn_xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/<key>/import")
def import_file(key: str):
    """Open an uploaded .bpmn file in the editor (nothing is deployed), or say why it was refused."""
    version = _version_or_404(key)
    upload = request.files.get("bpmn_file")
    xml = upload.read() if upload else b""
    if not xml:
        return _editor(version, version.bpmn_xml, "Choose a .bpmn file to open", status=400)
    try:
        engine_of(db.session).parse(xml, upload.filename or "upload.bpmn")
        xml.decode("utf-8")
    except (BpmnError, UnicodeDecodeError) as exc:
        return _editor(version, version.bpmn_xml, f"The file could not be opened: {exc}", status=400)
    return _editor(version, xml, imported=upload.filename or "the file")


def _posted(version):
    """The editor's JSON: the diagram's XML and the forms as edited (over those the editor opened with)."""
    body = request.get_json(silent=True) or {}
    xml, forms = body.get("xml"), body.get("forms")
    if not isinstance(xml, str) or not isinstance(forms, dict):
        abort(400)
    return xml.encode("utf-8"), {**editing.editable_forms(version, current_app.extensions["forms"]),
                                 **forms}, body


@bp.post("/<key>/validate")
def validate(key: str):
    xml, forms, _ = _posted(_version_or_404(key))
    problems = editing.check_edited_process(db.session, key, xml, forms)
    return jsonify(problems=[p.as_dict() for p in problems])


@bp.post("/<key>/deploy")
def deploy(key: str):
    xml, forms, body = _posted(_version_or_404(key))
    try:
        version, new = editing.deploy_edited_process(db.session, current_user, key, xml, forms,
                                                     body.get("comment", ""))
    except InvalidInput as exc:
        return jsonify(errors=exc.errors, problems=[]), 400
    except editing.NotValid as exc:
        return jsonify(errors={}, problems=[p.as_dict() for p in exc.problems]), 400
    message = (f"Deployed {version.name} version {version.number}: new cases start on it" if new
               else f"Nothing changed: version {version.number} is already deployed")
    return jsonify(version=version.number, new=new, edit_url=url_for(".edit", key=key),
                   caption=version_caption(version), message=message)


@bp.post("/forms/preview")
def preview_form():
    """A form definition drawn exactly as an officer's task page draws it, for the editor's preview."""
    body = request.get_json(silent=True) or {}
    try:
        definition = json.loads(body.get("definition", ""))
        check_definition(body.get("name", "form"), definition)
    except (ValueError, TypeError, AttributeError, FormDefinitionError) as exc:
        return render_template("modeller/_preview_error.html", message=str(exc)), 400
    return render_template("modeller/_preview.html", definition=definition)
