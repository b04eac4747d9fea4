"""Folders of JSON definitions (forms, message templates): read, checked, keyed by file name."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable


def load_folder(directory: Path, check: Callable[[str, dict[str, Any]], None]) -> dict[str, dict[str, Any]]:
    items = {}
    for path in sorted(Path(directory).glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        check(path.stem, item)
        items[path.stem] = item
    return items
