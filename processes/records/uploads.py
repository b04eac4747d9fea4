"""Taking one uploaded file: refused with a GOV.UK message when empty, too big, of a kind not allowed or
infected; otherwise stored under its hash and marked clean, or `pending` when clamd is not answering (it waits
in quarantine, never served, until the timer worker scans it)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from processes.errors import InvalidInput
from processes.records import filestore
from processes.records.clamav import ScannerUnavailable, scan_stream
from processes.records.filetypes import judge_stream

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
KINDS_WORDS = "a photo (JPG, PNG, GIF, WebP, HEIC), a PDF, a Word document or a text file"


def clean_name(name: str | None) -> str:
    """The name shown and offered on download: the last part of what the browser sent, without control
    characters, at most 255 characters. Never used as a path (the store names files by their hash)."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".")
    return name[-255:] or "file"


@dataclass(frozen=True)
class Taken:
    sha256: str
    size: int
    kind: str  # what people call it
    mime: str
    scan_state: str  # clean | pending


def take_file(directory: Path, stream: BinaryIO, field: str, max_mb: int, clamd: str) -> Taken:
    """Judge, store and scan one file; raises InvalidInput({field: message}) for a refusal. An infected file
    is removed from the store before the refusal (the caller audits it, naming no content)."""
    kind = judge_stream(stream)
    if stream.read(1) == b"":
        raise InvalidInput({field: "The selected file is empty"})
    stream.seek(0)
    if kind is None:
        raise InvalidInput({field: f"The selected file must be {KINDS_WORDS}"})
    try:
        stored = filestore.store(directory, stream, max_mb * 1024 * 1024)
    except filestore.TooBig:
        raise InvalidInput({field: f"The selected file must be smaller than {max_mb}MB"}) from None
    state = scan_stored(directory, stored.sha256, clamd)
    if state == "infected":
        filestore.delete(directory, stored.sha256)
        raise InvalidInput({field: "The selected file contains a virus"})
    return Taken(stored.sha256, stored.size, kind[0], kind[1], state)


def scan_stored(directory: Path, sha256: str, clamd: str) -> str:
    """clean, infected, or pending (clamd not answering); the timer worker calls it for pending files."""
    try:
        with filestore.path_of(directory, sha256).open("rb") as stream:
            result = scan_stream(clamd, stream)
    except ScannerUnavailable:
        return "pending"
    return "clean" if result.clean else "infected"
