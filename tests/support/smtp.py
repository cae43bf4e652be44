"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["MailHandler", "smtp_server"]


@dataclass
class MailHandler:
    """What the server received, each message with its envelope recipients as `X-Envelope-To`."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(mail)
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [str(mail["Subject"]) for mail in self.received]


def _free_port() -> int:
    # aiosmtpd's Controller checks its server by connecting to the port it was given, so it
    # needs a real one, not 0.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[MailHandler, int]]:
    """A started server on 127.0.0.1: (its handler, its port); stopped on exit."""
    handler = MailHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
