"""A small client for ClamAV's clamd: the INSTREAM command over a unix socket or TCP, fed in chunks.

Written here rather than taken from PyPI: clamd (the library) has had no release since 2014 and pyclamd is as
old; the protocol is a few lines (zINSTREAM, then chunks each prefixed by its length as 4 bytes big-endian, a
zero-length chunk to end; clamd answers "stream: OK" or "stream: NAME FOUND")."""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd did not answer (not running, wrong address, timed out, or refused the stream): the file waits."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None = None  # the name of what was found, when not clean


def _connect(address: str, timeout: float) -> socket.socket:
    """`address`: a unix socket's path, or host:port."""
    try:
        if address.startswith("/") or ":" not in address:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        host, port = address.rsplit(":", 1)
        return socket.create_connection((host, int(port)), timeout=timeout)
    except (OSError, ValueError) as exc:
        raise ScannerUnavailable(f"clamd is not answering at {address}: {exc}") from exc


def scan_stream(address: str, stream: BinaryIO, timeout: float = 30.0) -> ScanResult:
    """Send `stream` to clamd in chunks and read its verdict; never holds the whole file in memory."""
    sock = _connect(address, timeout)
    try:
        with sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0") and (part := sock.recv(4096)):
                answer += part
    except OSError as exc:
        raise ScannerUnavailable(f"clamd stopped answering at {address}: {exc}") from exc
    reply = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if reply.endswith("OK"):
        return ScanResult(True)
    if reply.endswith("FOUND"):
        return ScanResult(False, reply.removeprefix("stream:").removesuffix("FOUND").strip())
    raise ScannerUnavailable(f"clamd could not scan the file: {reply}")  # e.g. size limit exceeded


def ping(address: str, timeout: float = 2.0) -> bool:
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except (OSError, ScannerUnavailable):
        return False
