"""What no stranger's input reaches: ids past the databases' integers (404) and NUL bytes (400), each
refused in one place for every route."""
from __future__ import annotations

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

from processes.typed import BIGGEST_ID


class IdConverter(IntegerConverter):
    """`<int:...>` for every route: ASCII digits up to BIGGEST_ID, so a larger number is a 404, not a 500."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = BIGGEST_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul() -> bool:
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    return ("\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in fields)
            or (request.is_json and b"\\u0000" in request.get_data()))


def refuse_nul_bytes():
    """PostgreSQL stores no NUL byte in text and no person types one: any in a path, query, form or JSON body
    is a 400."""
    if _has_nul():
        abort(400, "What you sent contains a character we cannot accept. Go back and remove it.")
    return None


UPLOAD_ENDPOINTS = ("cases.record", "public.question", "tasks.show", "cases.add_files",
                    "reports.attach_letter")  # the forms that take files


def allow_uploads():
    """MAX_CONTENT_LENGTH (2 MB) holds for every request but those of the forms that take files: these may
    bring ATTACHMENTS_MAX_FILES files of ATTACHMENT_MAX_MB each, and 1 MB more for the other answers. Runs
    before anything reads the form (the CSRF check does)."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        config = current_app.config
        request.max_content_length = (config["ATTACHMENTS_MAX_FILES"] * config["ATTACHMENT_MAX_MB"] + 1) \
            * 1024 * 1024
    return None


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)  # first: before the CSRF check
