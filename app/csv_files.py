"""Every CSV the app sends, written in one place with its cells made safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from flask import Response

# A cell starting with one of these is read by Excel and LibreOffice as a formula (`=HYPERLINK(...)`,
# `@SUM(...)`, `-2+3`), even after a tab or carriage return: such cells are written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet shows it, never as a formula it runs; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(headers: Iterable[Any], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """A CSV download: a header row, then each row with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in headers])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
