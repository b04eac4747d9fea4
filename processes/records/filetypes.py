"""What kind of file an attachment is, judged from its first bytes (the `filetype` library), never from its
name or the browser's Content-Type. Photos, letters, PDFs, Word documents and plain text are taken.

Care for two kinds: a .docx is a zip (filetype tells a Word zip by the "word/" part near its start; any other
zip is refused), and plain text has no magic number, so it is text only if its start decodes as UTF-8 with
no control bytes and does not open like a web page or a script."""
from __future__ import annotations

import re
from typing import BinaryIO

import filetype

HEAD = 8192  # how much of the start is read to judge
ALLOWED = {  # filetype's extension -> (what people read, the type served)
    "jpg": ("JPEG image", "image/jpeg"), "png": ("PNG image", "image/png"), "gif": ("GIF image", "image/gif"),
    "webp": ("WebP image", "image/webp"), "heic": ("HEIC photo", "image/heic"),
    "pdf": ("PDF document", "application/pdf"),
    "docx": ("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": ("Word document", "application/msword"),
    "odt": ("OpenDocument text", "application/vnd.oasis.opendocument.text"),
    "rtf": ("Rich text document", "application/rtf"),
}
TEXT = ("Text document", "text/plain")
_MARKUP = re.compile(rb"^\s*(<(!doctype|html|head|body|script|svg|\?xml|iframe)|#!)", re.IGNORECASE)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def judge(head: bytes) -> tuple[str, str] | None:
    """(what people call it, its MIME type) for an allowed kind, or None: refused. `head`: the file's first
    HEAD bytes."""
    if not head:
        return None
    kind = filetype.guess(head)
    if kind is not None:
        return ALLOWED.get(kind.extension)
    if _MARKUP.match(head) or _CONTROL.search(head):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a character cut at the end of the head is fine
            return None
    return TEXT


def judge_stream(stream: BinaryIO) -> tuple[str, str] | None:
    """judge() on a stream's start; the stream is left where it was."""
    where = stream.tell()
    head = stream.read(HEAD)
    stream.seek(where)
    return judge(head)
