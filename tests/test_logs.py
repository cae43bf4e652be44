"""Structured logs: JSON for a log shipper, readable lines for a person, store data kept as data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from orderhub.logs import bound_run, configure_logging, escape_control, resolve_format

# What a store may hold in an order number, a customer's name or an error message: a colour
# escape, a cursor move, a forged second log line, a Unicode line separator, Rich markup.
HOSTILE = "A-1\x1b[31mRED\x1b[2J\r\nlevel=error event=forged\u2028[bold red]markup[/]\x07"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


pytestmark = pytest.mark.usefixtures("restore_logging")


def test_auto_is_readable_on_a_terminal_and_json_elsewhere() -> None:
    assert resolve_format("auto", Terminal()) == "console"
    assert resolve_format("auto", io.StringIO()) == "json"
    assert resolve_format("json", Terminal()) == "json"
    assert resolve_format("console", io.StringIO()) == "console"


def test_json_is_one_object_a_line_and_keeps_store_data_exactly() -> None:
    out = io.StringIO()
    assert configure_logging("json", stream=out) == "json"
    logging.getLogger("orderhub.example").warning("order %s refused", HOSTILE)
    structlog.get_logger("orderhub.example").info("pushed", sku=HOSTILE)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # no value broke a line
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == f"order {HOSTILE} refused"
    assert (first["level"], first["logger"]) == ("warning", "orderhub.example")
    assert second["sku"] == HOSTILE
    assert "timestamp" in first
    assert "\x1b" not in out.getvalue()  # JSON escapes every control character


def test_console_escapes_control_characters_and_reads_no_markup() -> None:
    out = io.StringIO()
    assert configure_logging("console", stream=out) == "console"
    logging.getLogger("orderhub.example").warning("order %s refused", HOSTILE)
    structlog.get_logger("orderhub.example").info("pushed", sku=HOSTILE)
    text = out.getvalue()
    assert len(text.splitlines()) == 2
    assert not any(ord(char) < 0x20 and char != "\n" for char in text)
    assert "\x7f" not in text
    assert "\u2028" not in text
    assert "A-1\\x1b[31mRED\\x1b[2J\\r\\nlevel=error event=forged\\u2028" in text
    assert "[bold red]markup[/]\\x07" in text  # markup is printed as it is, never read


def test_a_traceback_keeps_its_lines_and_escapes_the_rest() -> None:
    out = io.StringIO()
    configure_logging("console", stream=out)
    try:
        raise ValueError(f"bad record {HOSTILE}")
    except ValueError:
        logging.getLogger("orderhub.example").exception("run failed")
    text = out.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "\x1b" not in text
    assert "\r" not in text


def test_a_runs_ids_are_bound_for_what_is_logged_inside_it_only() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    log = logging.getLogger("orderhub.example")
    with bound_run("integration-1", "orders.pull", run_id="run-1"):
        log.info("inside")
    log.info("outside")
    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert (inside["run_id"], inside["integration_id"], inside["flow"]) == (
        "run-1",
        "integration-1",
        "orders.pull",
    )
    assert not {"run_id", "integration_id", "flow"} & outside.keys()


def test_the_level_is_honoured_and_configuring_twice_keeps_one_handler() -> None:
    out = io.StringIO()
    configure_logging("json", level="WARNING", stream=io.StringIO())
    configure_logging("json", level="WARNING", stream=out)
    logging.getLogger("orderhub.example").info("quiet")
    logging.getLogger("orderhub.example").warning("loud")
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == ["loud"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("tab\there", "tab\\there"),
        ("\x00\x1b\x7f\x9b", "\\x00\\x1b\\x7f\\x9b"),
        ("line\u2028sep", "line\\u2028sep"),
        ("café ✓", "café ✓"),
    ],
)
def test_escape_control(text: str, shown: str) -> None:
    assert escape_control(text) == shown
