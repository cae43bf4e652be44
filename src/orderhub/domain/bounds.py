"""The limits of every number and string the hub holds, written once for every entry point.

The canonical models use these types, so the REST API (FastAPI validates bodies against the
models), the CLI, the CSV imports, the portal forms and the connectors' mappings all refuse the
same values with the same words. A value outside them never enters the hub: an API request
gets a 4xx naming the field, a CLI command or CSV row a one-line error, a record pulled from a
store becomes that record's exception.

Why these limits:
- Quantities are 32-bit integers in the store (a .NET `int`): a larger one is refused there with
  a 500 and would block every later push, so the hub refuses it at the door.
- Money is a finite decimal with at most four places (the store keeps four) and at most
  15 significant digits, so the JSON number the API prints is exact (`Money` is a float on the
  wire, as Pipe17 sends it).
- Identifiers (SKUs, external ids, order numbers) hold no control characters at all; free text
  may hold tabs and line breaks but no other control character (NUL, ESC, …), so nothing a
  store or a person types can move a terminal's cursor or cut a C string short.
- Every string and list has a length limit, so one record cannot take a megabyte.

Text typed by a person (CLI arguments, CSV cells, form fields) is parsed with `parse_quantity`
and `parse_money`, which accept ASCII digits only: Python's `int()` and `Decimal()` read `٣`
as 3, which no merchant means.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

__all__ = [
    "MAX_COUNT",
    "MAX_ITEMS",
    "MAX_LIST",
    "MAX_QUANTITY",
    "MONEY_DIGITS",
    "MONEY_PLACES",
    "Code",
    "Count",
    "Identifier",
    "InvalidValue",
    "LongText",
    "Money",
    "Name",
    "NonNegativeMoney",
    "Quantity",
    "Sku",
    "Text",
    "Url",
    "check",
    "parse_money",
    "parse_quantity",
]

MAX_QUANTITY: Final = 2_147_483_647
"""The store's largest quantity (a signed 32-bit integer)."""
MAX_COUNT: Final = MAX_QUANTITY
"""The largest stock figure of any kind (on hand, committed, available), either sign."""
MONEY_PLACES: Final = 4
MONEY_DIGITS: Final = 15
"""Significant digits of an amount: up to 15, a JSON number (a double) carries it exactly."""
MAX_ITEMS: Final = 10_000
"""Lines of an order or a fulfillment."""
MAX_LIST: Final = 500
"""Entries of any other list (image URLs, categories, tracking numbers, payments, tags)."""

SKU_CHARS: Final = 255
IDENTIFIER_CHARS: Final = 255
NAME_CHARS: Final = 500
TEXT_CHARS: Final = 2_000
LONG_TEXT_CHARS: Final = 100_000
URL_CHARS: Final = 2_048

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
_ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class InvalidValue(ValueError):
    """A value outside the hub's bounds; the message is one line naming the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


_CONTROL_NAMES: Final = {
    "\x00": "NUL",
    "\t": "tab",
    "\n": "line break",
    "\r": "carriage return",
    "\x1b": "ESC",
    "\x7f": "DEL",
}


def _char_name(char: str) -> str:
    known = _CONTROL_NAMES.get(char)
    return known if known is not None else unicodedata.name(char, f"U+{ord(char):04X}")


def _refusing(pattern: re.Pattern[str]) -> Callable[[str], str]:
    """A validator refusing text where `pattern` finds a control character, naming it."""

    def refuse(value: str) -> str:
        found = pattern.search(value)
        if found:
            raise ValueError(
                f"holds a control character ({_char_name(found.group())} at position "
                f"{found.start() + 1}); remove it"
            )
        return value

    return refuse


_no_control = _refusing(_ANY_CONTROL)
_no_control_but_lines = _refusing(_CONTROL_BUT_LINES)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _not_bool(value: Any) -> Any:
    # pydantic's lax mode reads True as 1: a quantity of `true` is a mistake, not one unit.
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


def _ascii(pattern: re.Pattern[str], what: str) -> Callable[[Any], Any]:
    """A validator taking text only as ASCII digits (`int()` and `Decimal()` also read `٣`)."""

    def check_text(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if not pattern.fullmatch(text):
                raise ValueError(f"{_shown(value)} is not {what}")
            return text
        return _not_bool(value)

    return check_text


_ascii_number = _ascii(_ASCII_DECIMAL, "a number")
_ascii_integer = _ascii(_ASCII_INTEGER, "a whole number")


def _money_digits(value: Decimal) -> Decimal:
    # Not pydantic's max_digits/decimal_places: together they also cap the digits before the
    # point at 15 - 4, refusing a 14-digit whole amount that a double carries exactly.
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: allow_inf_nan=False ran first
    if exponent < -MONEY_PLACES or len(digits) + max(exponent, 0) > MONEY_DIGITS:
        # Trailing zeros may be all that is over (`1.50000`): judge the normalised value.
        # (Most amounts pass as written: normalising every one cost a backfill ~3% of its CPU.)
        _sign, digits, exponent = value.normalize().as_tuple()
        assert isinstance(exponent, int)
    if exponent < -MONEY_PLACES:
        raise ValueError(f"{_shown(str(value))} has more than {MONEY_PLACES} decimal places")
    if len(digits) + max(exponent, 0) > MONEY_DIGITS:
        raise ValueError(f"{_shown(str(value))} has more than {MONEY_DIGITS} digits")
    if value.is_zero():
        return abs(value)  # "-0" is zero: never print a negative zero price
    return value


Sku = Annotated[
    str,
    BeforeValidator(_strip),
    Field(min_length=1, max_length=SKU_CHARS),
    AfterValidator(_no_control),
]
"""A SKU: 1-255 characters, trimmed, no control characters."""

Identifier = Annotated[
    str,
    BeforeValidator(_strip),
    Field(min_length=1, max_length=IDENTIFIER_CHARS),
    AfterValidator(_no_control),
]
"""An id from a store or the hub (order number, external id, location id)."""

Code = Annotated[
    str,
    Field(max_length=IDENTIFIER_CHARS),
    AfterValidator(_no_control),
]
"""A short code that may be empty (a UPC, a currency, a unit, a card's last four digits)."""

Name = Annotated[
    str,
    Field(max_length=NAME_CHARS),
    AfterValidator(_no_control),
]
"""A product's, location's or person's name: one line, at most 500 characters."""

Text = Annotated[
    str,
    Field(max_length=TEXT_CHARS),
    AfterValidator(_no_control_but_lines),
]
"""Short free text (an address line, a status, a note): tabs and line breaks allowed."""

LongText = Annotated[
    str,
    Field(max_length=LONG_TEXT_CHARS),
    AfterValidator(_no_control_but_lines),
]
"""Long free text (a product description, an order note)."""

Url = Annotated[
    str,
    BeforeValidator(_strip),
    Field(max_length=URL_CHARS),
    AfterValidator(_no_control),
]

Quantity = Annotated[
    int,
    BeforeValidator(_ascii_integer),
    Field(ge=0, le=MAX_QUANTITY),
]
"""A number of units: a whole number from 0 to 2,147,483,647."""

Count = Annotated[
    int,
    BeforeValidator(_ascii_integer),
    Field(ge=-MAX_COUNT, le=MAX_COUNT),
]
"""A stock figure that may go below zero (oversold): within ±2,147,483,647."""

Money = Annotated[
    Decimal,
    BeforeValidator(_ascii_number),
    Field(allow_inf_nan=False),
    AfterValidator(_money_digits),
    PlainSerializer(float, return_type=float, when_used="json"),
]
"""A `Decimal` amount inside the hub; a JSON number on the wire, as Pipe17 sends money.

Finite, at most four decimal places and 15 significant digits (so the float is exact). May be
negative (a refund, a discount as a store reports it); prices a person sets use
`NonNegativeMoney`.
"""

NonNegativeMoney = Annotated[Money, Field(ge=0)]
"""A price, cost or weight: `Money` of zero or more."""


_T = TypeVar("_T")
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def check(kind: Any, value: object, field: str) -> Any:
    """`value` validated as the bounds type `kind`, or `InvalidValue` naming `field`.

    For the entry points that do not go through a model (a CLI argument, a CSV cell).
    """
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    try:
        return adapter.validate_python(value)
    except PydanticValidationError as invalid:
        raise InvalidValue(field, describe_problem(invalid.errors()[0])) from None


def parse_quantity(text: str | int, field: str = "quantity") -> int:
    """A quantity typed by a person: ASCII digits, 0 to 2,147,483,647."""
    result: int = check(Quantity, text, field)
    return result


def parse_money(text: str | int | Decimal, field: str = "price") -> Decimal:
    """An amount typed by a person: ASCII digits, at most 4 decimals, zero or more."""
    if isinstance(text, str) and _ASCII_DECIMAL.fullmatch(text.strip()):
        try:
            Decimal(text.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise InvalidValue(field, f"{_shown(text)} is not a number") from None
    result: Decimal = check(NonNegativeMoney, text, field)
    return result


def describe_problem(problem: Any) -> str:
    """One line for one pydantic error, in the hub's words (no pydantic jargon)."""
    kind = str(problem.get("type", ""))
    context = problem.get("ctx") or {}
    message = str(problem.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind in ("less_than_equal", "less_than"):
        limit = _limit(context.get("le", context.get("lt")))
        return f"must be at most {limit}, got {_shown(problem.get('input'))}"
    if kind in ("greater_than_equal", "greater_than"):
        limit = _limit(context.get("ge", context.get("gt")))
        return f"must be {limit} or more, got {_shown(problem.get('input'))}"
    if kind in ("string_too_long", "too_long") and isinstance(problem.get("input"), str):
        length = len(problem.get("input") or "")
        return f"is {length:,} characters long; at most {context.get('max_length'):,} are allowed"
    if kind in ("string_too_short", "too_short") and isinstance(problem.get("input"), str):
        return "must not be empty"
    if kind == "too_long":
        return f"has more than {context.get('max_length'):,} entries"
    if kind == "decimal_max_places":
        return f"{_shown(problem.get('input'))} has more than {MONEY_PLACES} decimal places"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{_shown(problem.get('input'))} has more than {MONEY_DIGITS} digits"
    if kind == "finite_number":
        return f"{_shown(problem.get('input'))} is not a finite number"
    if kind in ("int_parsing", "int_from_float", "int_type", "int_parsing_size"):
        return f"{_shown(problem.get('input'))} is not a whole number"
    if kind in ("decimal_parsing", "decimal_type"):
        return f"{_shown(problem.get('input'))} is not a number"
    return message


def _limit(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | Decimal) else str(value)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = _ANY_CONTROL.sub("?", text)
    return repr(text if len(text) <= 40 else text[:37] + "...")
