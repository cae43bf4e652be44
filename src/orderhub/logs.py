"""Structured logs (structlog): JSON lines in production, readable lines in a terminal.

The hub's modules log through the standard library (`logging.getLogger(__name__)`), and so do
uvicorn, SQLAlchemy and Procrastinate; `configure_logging` puts one structlog formatter on the
root logger, so every record leaves in the same shape:

- `json` — one JSON object per line (`timestamp`, `level`, `logger`, `event`, and the context
  bound at the time: `run_id`, `integration_id`, `flow` inside a run), for a log shipper;
- `console` — `2026-01-01T00:00:00Z [info] event  key=value`, for a person at a terminal;
- `auto` (the default, `ORDERHUB_LOG_FORMAT`) — `console` when stderr is a terminal, else `json`.

What comes from a store is data (an order number, a customer's name, an error the store sent):
in the console form every control character in a logged value is escaped (`\\x1b`, `\\n`), so a
value can neither colour the terminal, move its cursor, nor forge a log line of its own; the
JSON form escapes them by construction. Nothing is read as markup.

`bind_run` / `bind_run_id` / `unbind_run` (or `bound_run`) bind a run's ids for everything
logged while it runs, on its thread (contextvars): the engine's runner does it for every run.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "LOG_FORMATS",
    "LogFormat",
    "RunLogContext",
    "bind_run",
    "bind_run_id",
    "bound_run",
    "configure_logging",
    "escape_control",
    "resolve_format",
    "unbind_run",
]

LogFormat = Literal["auto", "json", "console"]
LOG_FORMATS: tuple[LogFormat, ...] = ("auto", "json", "console")

# C0 and C1 control characters and DEL: everything a terminal may act on. Tabs too: a log
# line is one line of fields, and a tab inside a value would fake a column.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HANDLER_NAME = "orderhub"


def escape_control(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with each control character written as an escape (`\\n`, `\\x1b`, `\\u2028`);
    `keep_newlines`: line breaks stay (a traceback's lines)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if keep_newlines and char == "\n":
            return char
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


def _escape_values(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Escape control characters in every string (and the repr of every other value)."""
    for key, value in list(event.items()):
        if isinstance(value, str):
            event[key] = escape_control(value, keep_newlines=key == "exception")
        elif value is not None and not isinstance(value, bool | int | float):
            event[key] = escape_control(repr(value))
    return event


def resolve_format(format_: str, stream: TextIO | None = None) -> Literal["json", "console"]:
    """`auto` becomes `console` on a terminal and `json` elsewhere; the others stay."""
    if format_ == "json":
        return "json"
    if format_ == "console":
        return "console"
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return "console" if callable(isatty) and isatty() else "json"


def _processors(kind: Literal["json", "console"]) -> list[Processor]:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    if kind == "console":
        shared.append(_escape_values)
    return shared


def configure_logging(
    format_: str = "auto", *, level: int | str = logging.INFO, stream: TextIO | None = None
) -> Literal["json", "console"]:
    """Send every log record (the hub's, the libraries') through structlog to `stream`.

    Idempotent: a second call replaces the first one's handler. Returns the format in use.
    """
    stream = sys.stderr if stream is None else stream
    kind = resolve_format(format_, stream)
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if kind == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    pre_chain = _processors(kind)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    structlog.configure(
        processors=[*pre_chain, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    return kind


RunLogContext = Mapping[str, Any]
"""What `bind_run` set, for `unbind_run` to put back."""


def bind_run(integration_id: str, flow: str) -> RunLogContext:
    """From now on, on this thread, everything logged carries `integration_id` and `flow`,
    and `run_id` once `bind_run_id` names it; `unbind_run` ends it.

    The run id is held open (`...`, which structlog leaves out of a record) so that
    `unbind_run` also takes back the id bound later.
    """
    return structlog.contextvars.bind_contextvars(
        integration_id=integration_id, flow=flow, run_id=...
    )


def bind_run_id(run_id: str) -> None:
    """The run's id, once it has one (inside `bind_run`)."""
    structlog.contextvars.bind_contextvars(run_id=run_id)


def unbind_run(context: RunLogContext) -> None:
    """Put back what was bound before `bind_run` (and `bind_run_id`)."""
    structlog.contextvars.reset_contextvars(**context)


@contextmanager
def bound_run(integration_id: str, flow: str, run_id: str | None = None) -> Iterator[None]:
    """`bind_run` (and `bind_run_id`) for the length of a `with` block."""
    context = bind_run(integration_id, flow)
    if run_id is not None:
        bind_run_id(run_id)
    try:
        yield
    finally:
        unbind_run(context)
