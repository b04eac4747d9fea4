"""A real SMTP server (aiosmtpd) that keeps what it receives, on a port chosen for it."""
from __future__ import annotations

import email
import email.policy
import re
import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from processes.messaging.outbox import SmtpSettings


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        """The messages received for `address`."""
        return [m for m in self.messages if address in m["X-Rcpt"]]

    def about(self, subject: str) -> email.message.Message:
        """The one message received whose subject is `subject`."""
        (found,) = [m for m in self.messages if m["Subject"] == subject]
        return found


def link_path(message: email.message.Message, path: str) -> str:
    """The path of the first link in the message that starts with `path` (its host is the BASE_URL
    setting)."""
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", message.get_content()).group(1)


def free_port() -> int:
    """A port nothing listens on (until a server is started on it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@contextmanager
def smtp_server(port: int | None = None):
    """A real SMTP server for the duration of the block: yields the settings to reach it and its inbox."""
    port = port or free_port()
    controller, inbox = start_smtp(port)
    try:
        yield SmtpSettings(host="127.0.0.1", port=port), inbox
    finally:
        controller.stop()
