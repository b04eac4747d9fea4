"""Filling every field of a form definition (forms/*.json) through the page that renders it, by its label as
a person would, and the typed value the server must then read for each field."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from processes.policy.calendar import LONDON

FORMS = Path(__file__).resolve().parents[2] / "forms"
RECEIVED = datetime(2026, 3, 2, 9, 30)  # a Monday in GMT: London time and UTC agree


def shipped_forms() -> dict[str, dict]:
    """Every shipped form definition by its file stem."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(FORMS.glob("*.json"))}


def _words(field: Mapping[str, Any]) -> str:
    return f"Answer for {field['name']}"


def _typed_text(field, spec) -> tuple[str, Any]:
    """What to type in a box and the value the server should read from it."""
    widget = field.get("widget", "input")
    if widget == "email" or spec.get("format") == "email":
        return "jo@example.com", "jo@example.com"
    if widget == "tel":
        return "01773 570222", "01773 570222"
    if spec.get("type") in ("number", "integer"):
        return "25", 25
    if widget == "textarea":
        return f"{_words(field)}\non two lines", f"{_words(field)}\non two lines"
    return _words(field), _words(field)


def fill_field(form, field: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    """Fill one field by its label; returns the value the server should read."""
    label, widget, options = field["label"], field.get("widget", "input"), field.get("options", [])
    if widget == "radios":
        form.choose(label, options[-1]["text"])
        return ({"yes": True, "no": False}[options[-1]["value"]] if spec.get("type") == "boolean"
                else options[-1]["value"])
    if widget == "checkboxes":
        form.check(label, *[o["text"] for o in options])
        return [o["value"] for o in options]
    if widget == "date":
        form.fill_date(label, RECEIVED.date())
        return RECEIVED.date().isoformat()
    if widget == "datetime":
        form.fill_date(label, RECEIVED)
        return RECEIVED.replace(tzinfo=LONDON).isoformat()
    typed, value = _typed_text(field, spec)
    form.fill(label, typed)
    return value


def fill_every_field(form, definition: Mapping[str, Any], only=None) -> dict[str, Any]:
    """Fill every field of `definition` the form shows (or those in `only`); returns name -> expected
    value."""
    properties = definition["schema"]["properties"]
    return {f["name"]: fill_field(form, f, properties[f["name"]]) for f in definition["fields"]
            if only is None or f["name"] in only}

