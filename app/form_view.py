"""Turns a form definition (JSON Schema plus display hints) into GOV.UK Frontend macro parameters."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from processes.diagrams.forms import display_value
from processes.policy.calendar import LONDON, as_utc

from .formatting import uk_datetime

_INPUT_TYPES = {"input": "text", "email": "email", "tel": "tel", "number": "text"}


def _error(errors: Mapping[str, str], name: str) -> dict | None:
    return {"text": errors[name]} if name in errors else None


def _hint(field: Mapping[str, Any]) -> dict | None:
    return {"text": field["hint"]} if field.get("hint") else None


def _choice_items(field, value) -> list[dict]:
    chosen = value if isinstance(value, list) else [value]
    option_hints = field.get("options_hints", {})
    return [{"value": o["value"], "text": o["text"], "checked": o["value"] in chosen,
             **({"hint": {"text": option_hints[o["value"]]}} if o["value"] in option_hints else {})}
            for o in field.get("options", [])]


def _date_items(field, value, errors, with_time: bool) -> list[dict]:
    parts = {}
    if isinstance(value, str) and value:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(LONDON) if moment.tzinfo else moment
        parts = {"day": moment.day, "month": moment.month, "year": moment.year,
                 "hour": f"{moment.hour:02d}", "minute": f"{moment.minute:02d}"}
    elif isinstance(value, Mapping):
        parts = value
    bad = " govuk-input--error" if field["name"] in errors else ""
    names = [("day", 2), ("month", 2), ("year", 4)] + ([("hour", 2), ("minute", 2)] if with_time else [])
    return [{"name": n, "label": n.capitalize(), "value": parts.get(n, ""),
             "classes": f"govuk-input--width-{w}{bad}"} for n, w in names]


def field_params(field: Mapping[str, Any], values: Mapping[str, Any], errors: Mapping[str, str],
                 page_heading: bool = False) -> tuple[str, dict]:
    """The GOV.UK macro to call for a field and its parameters."""
    name, widget, value = field["name"], field.get("widget", "input"), values.get(field["name"])
    label_class = "govuk-label--l" if page_heading else "govuk-label--s"
    legend = {"text": field["label"], "isPageHeading": page_heading,
              "classes": "govuk-fieldset__legend--l" if page_heading else "govuk-fieldset__legend--s"}
    common = {"name": name, "id": name, "hint": _hint(field), "errorMessage": _error(errors, name)}
    if widget in ("radios", "checkboxes"):
        return widget, {**common, "idPrefix": name, "fieldset": {"legend": legend},
                        "items": _choice_items(field, value)}
    if widget in ("date", "datetime"):
        # namePrefix: the boxes are posted as received_at-day, received_at-month..., which the server reads.
        return "date", {**common, "idPrefix": name, "namePrefix": name,
                        "fieldset": {"role": "group", "legend": legend},
                        "items": _date_items(field, value, errors, widget == "datetime")}
    label = {"text": field["label"], "isPageHeading": page_heading, "classes": label_class}
    shown = "" if value is None or isinstance(value, Mapping) else str(value)
    if widget == "textarea":
        return "textarea", {**common, "label": label, "value": shown, "rows": field.get("rows", 5),
                            "autocomplete": field.get("autocomplete")}
    params = {**common, "label": label, "value": shown, "type": _INPUT_TYPES.get(widget, "text"),
              "autocomplete": field.get("autocomplete"),
              "spellcheck": False if widget in ("email", "tel") else None}
    if widget == "number":
        params.update(inputmode="decimal", classes="govuk-input--width-10")
        if field.get("prefix"):
            params["prefix"] = {"text": field["prefix"]}
    return "input", params


def error_list(definition: Mapping[str, Any], errors: Mapping[str, str]) -> list[dict]:
    """The error summary's links, pointing at the first input of each field."""
    widgets = {f["name"]: f.get("widget", "input") for f in definition.get("fields", [])}
    suffix = {"date": "-day", "datetime": "-day"}
    return [{"text": message, "href": f"#{name}{suffix.get(widgets.get(name), '')}"}
            for name, message in errors.items()]


def summary_rows(definition: Mapping[str, Any], values: Mapping[str, Any], change_url=None) -> list[dict]:
    """Rows for a GOV.UK summary list of the answers given."""
    rows = []
    for field in definition.get("fields", []):
        value = values.get(field["name"])
        if value in (None, "", []):
            continue
        text = display_value(field, value)
        if field.get("widget") == "datetime":
            text = uk_datetime(as_utc(value))
        row = {"key": {"text": field["label"]}, "value": {"text": text}}
        if change_url:
            row["actions"] = {"items": [{"href": change_url(field["name"]), "text": "Change",
                                         "visuallyHiddenText": field["label"].lower()}]}
        rows.append(row)
    return rows
