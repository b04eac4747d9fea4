"""Attachments' types judged from content: real files made here, renamed or hostile ones refused."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from processes.records.filetypes import judge, judge_stream


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0")) + chunk(b"IEND", b""))


def _zip(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_allowed_kinds_are_known_by_their_content():
    assert judge(_png()) == ("PNG image", "image/png")
    assert judge(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 100)[1] == "image/jpeg"
    assert judge(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")[1] == "application/pdf"
    assert judge(_zip(["[Content_Types].xml", "word/document.xml"]))[0] == "Word document"
    assert judge("Dear council,\nMy bin was missed — again.\n".encode()) == ("Text document", "text/plain")


def test_renamed_and_hostile_files_are_refused():
    assert judge(b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200) is None  # a Windows program
    assert judge(b"\x7fELF\x02\x01\x01" + b"\0" * 100) is None
    assert judge(b"<!DOCTYPE html><html><script>alert(1)</script>") is None  # "photo.jpg" that is a web page
    assert judge(b"  <svg onload=alert(1)>") is None
    assert judge(b"#!/bin/sh\nrm -rf /\n") is None
    assert judge(_zip(["evil.exe"])) is None  # a zip that is not a Word document
    assert judge(b"text with a \x00 NUL byte") is None
    assert judge(b"\xff\xfe\xfa bad utf-8 at the start, then more text") is None
    assert judge(b"") is None


def test_judging_a_stream_leaves_it_where_it_was():
    stream = io.BytesIO(_png())
    assert judge_stream(stream)[1] == "image/png" and stream.tell() == 0
