"""Form definitions (JSON Schema plus display hints) and server-side validation of what people submit."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Mapping

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from processes.datafiles import load_folder
from processes.policy.calendar import LONDON
from processes.typed import date_from_parts, is_email_address, whole_number


# Plain decimals in ASCII digits: float() alone would also take "nan", "inf", "1e400" and Arabic digits.
DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
FORMATS = FormatChecker()
# jsonschema's own email check only looks for an "@"; a format applies to strings only.
FORMATS.checks("email")(lambda value: not isinstance(value, str) or is_email_address(value))


class FormDefinitionError(Exception):
    """A form definition file is not a valid definition."""


@dataclass
class FormResult:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message, in field order

    @property
    def ok(self) -> bool:
        return not self.errors


def check_definition(name: str, definition: Mapping[str, Any]) -> None:
    """Raise FormDefinitionError unless the definition has a valid schema and a hint for every property."""
    try:
        if not isinstance(definition, Mapping) or not isinstance(definition.get("schema"), Mapping):
            raise SchemaError("a form definition is an object whose schema is an object")
        Draft202012Validator.check_schema(definition["schema"])
    except SchemaError as exc:
        raise FormDefinitionError(f"form {name}: invalid schema: {exc}") from exc
    _check_fields(name, definition.get("fields", []))
    declared = {f["name"] for f in definition.get("fields", [])}
    missing = set(definition["schema"].get("properties", {})) - declared
    if missing:
        raise FormDefinitionError(f"form {name}: no display hints for {', '.join(sorted(missing))}")


def _check_fields(name: str, fields: Any) -> None:
    """Each display hint an object naming its field and the label every page shows it with."""
    if not isinstance(fields, list):
        raise FormDefinitionError(f"form {name}: fields must be a list")
    for hint in fields:
        if not (isinstance(hint, Mapping) and isinstance(hint.get("name"), str)
                and isinstance(hint.get("label"), str)):
            raise FormDefinitionError(f"form {name}: each field needs a name and a label: {hint!r:.80}")


def service_areas(forms: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The council's service areas (value, name), as the public form offers them."""
    fields = forms["public_comment"]["fields"]
    options = next(f["options"] for f in fields if f["name"] == "service_area")
    return [(o["value"], o["text"]) for o in options]


def load_forms(directory: Path) -> dict[str, dict[str, Any]]:
    """Every `*.json` form definition in a folder, checked, keyed by file stem."""
    return load_folder(directory, check_definition)


def _field_value(spec: Mapping[str, Any], hint: Mapping[str, Any], name: str, data) -> Any:
    """Turn the posted strings for one field into a JSON value; None means 'not answered'."""
    widget = hint.get("widget", "input")
    if widget in ("date", "datetime"):
        return _date_value(widget, name, data)
    if spec.get("type") == "array":
        return [v for v in data.getlist(name) if v] or None
    raw = (data.get(name) or "").strip()
    if raw == "":
        return None
    kind = spec.get("type")
    if kind == "boolean":
        return {"yes": True, "no": False}.get(raw, raw)
    if kind in ("integer", "number"):
        return _number_value(kind, raw)
    return raw.replace("\r\n", "\n")


def _number_value(kind: str, raw: str) -> Any:
    """A finite number written in plain decimals; anything else stays a string, which fails the type check."""
    text = raw.replace(",", "").removeprefix("£")
    if not DECIMAL.fullmatch(text):
        return raw
    number = float(text)
    if not math.isfinite(number) or (number == 0 and text.startswith("-")):
        return raw
    return int(number) if kind == "integer" and number.is_integer() else number


def _date_value(widget: str, name: str, data) -> Any:
    parts = {p: (data.get(f"{name}-{p}") or "").strip() for p in ("day", "month", "year", "hour", "minute")}
    wanted = ("day", "month", "year") + (("hour", "minute") if widget == "datetime" else ())
    if not any(parts[p] for p in wanted):
        return None
    try:
        day = date_from_parts(parts["year"], parts["month"], parts["day"])
        if day is None:
            raise ValueError("not a date a person means")
        if widget == "date":
            return day.isoformat()
        hour, minute = whole_number(parts["hour"], 23), whole_number(parts["minute"], 59)
        if hour is None or minute is None:
            raise ValueError("not a time of day")
        local = datetime.combine(day, time(hour, minute), LONDON)
        return local.isoformat()
    except ValueError:
        return {"invalid": True}


def _message(hint: Mapping[str, Any], error) -> str:
    custom = hint.get("errors", {}).get(error.validator)
    if custom:
        return custom
    if error.validator in ("enum", "const") and "required" in hint.get("errors", {}):
        return hint["errors"]["required"]  # a value not on the list: ask again as if nothing was chosen
    label = hint.get("label", "This field")
    choose = hint.get("widget") in ("radios", "checkboxes", "select")
    if error.validator == "required":
        return f"{'Select' if choose else 'Enter'} {label[0].lower() + label[1:]}".rstrip("?")
    if error.validator == "maxLength":
        return f"{label} must be {error.validator_value:,} characters or fewer"
    if error.validator in ("type", "format") and hint.get("widget") in ("date", "datetime"):
        return f"{label} must be a real date" + (" and time" if hint["widget"] == "datetime" else "")
    if error.validator == "type":
        return (f"{label} must be a number" if error.validator_value in ("integer", "number")
                else f"{label} is not valid")
    if error.validator in ("enum", "const"):
        return f"Select one of the options for {label[0].lower() + label[1:]}".rstrip("?")
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{label} must be {error.message.split(' is ', 1)[-1]}"
    return f"{label}: {error.message}"


def _error_fields(error) -> list[str]:
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [name for name in error.validator_value if name not in instance]
    return [str(error.absolute_path[0])] if error.absolute_path else []


def validate_form(definition: Mapping[str, Any], data, only: set[str] | None = None,
                  base: Mapping[str, Any] | None = None) -> FormResult:
    """Read posted `data` into typed values and validate them; `only` limits the fields read and reported."""
    schema = definition["schema"]
    hints = {f["name"]: f for f in definition.get("fields", [])}
    values = dict(base or {})
    for name, spec in schema.get("properties", {}).items():
        if only is not None and name not in only:
            continue
        value = _field_value(spec, hints.get(name, {}), name, data)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return FormResult(values=values, errors=check_values(definition, values, only))


def check_values(definition: Mapping[str, Any], values: Mapping[str, Any],
                 only: set[str] | None = None) -> dict[str, str]:
    """Errors for already-typed values, one per field, in the form's field order."""
    hints = {f["name"]: f for f in definition.get("fields", [])}
    validator = Draft202012Validator(definition["schema"], format_checker=FORMATS)
    found: dict[str, str] = {}
    for error in validator.iter_errors(dict(values)):
        for name in _error_fields(error):
            if name in hints and name not in found and (only is None or name in only):
                found[name] = _message(hints[name], error)
    return {name: found[name] for name in hints if name in found}


def display_value(hint: Mapping[str, Any], value: Any) -> str:
    """How a stored answer reads to a person (option labels rather than codes)."""
    labels = {str(o["value"]): o["text"] for o in hint.get("options", [])}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return labels.get(str(value), "" if value is None else str(value))
