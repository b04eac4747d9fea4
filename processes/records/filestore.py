"""Attachments' bytes, outside the database: content-addressed files (named by their sha256) in one folder
that every app server shares. Copied in chunks, hashed as they are read; a file is never whole in memory."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
_SHA = re.compile(r"[0-9a-f]{64}")


class TooBig(Exception):
    """The file passed the size allowed while it was being copied; nothing was kept."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def is_hash(name: str) -> bool:
    """Whether `name` is a stored file's name (a sha256 in hex), not a temporary one."""
    return _SHA.fullmatch(name) is not None


def path_of(directory: Path, sha256: str) -> Path:
    """Where a stored file lies (ab/abcdef...): only ever from a hash, never from a name anyone gave."""
    if not _SHA.fullmatch(sha256):
        raise ValueError("not a sha256")
    return Path(directory) / sha256[:2] / sha256


def store(directory: Path, stream: BinaryIO, max_bytes: int) -> Stored:
    """Copy `stream` into the store, hashing as it goes; refuse (keeping nothing) past `max_bytes`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooBig(f"over {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
        target = path_of(directory, digest.hexdigest())
        target.parent.mkdir(exist_ok=True)
        os.replace(temporary, target)  # the same content twice is one file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Stored(digest.hexdigest(), size)


def chunks(directory: Path, sha256: str):
    """The stored file's bytes, a chunk at a time (for a response or a zip)."""
    with path_of(directory, sha256).open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def delete(directory: Path, sha256: str) -> None:
    """Remove a stored file (the caller checks that no other attachment row still names it)."""
    path_of(directory, sha256).unlink(missing_ok=True)
