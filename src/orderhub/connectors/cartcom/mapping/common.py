"""Coercion of Cart.com JSON values, and the one error a mapping raises.

Cart.com's JSON is loose (API-NOTES §10, §13): money arrives as JSON numbers that are sometimes
integers (`4386`) and sometimes decimals (`2511.4`, `0.0000`); an unset string is `""`; an unset
foreign key is `0` or `null`; the spec types some decimals as integers. Every helper here takes the
raw value plus the field's name, returns a typed value, and turns anything it cannot read into a
`MappingError` whose reason names the field. So a bad record never escapes as a bare
`KeyError`/`TypeError`, and a merchant reading the exception sees which field was wrong.

Money never goes through float arithmetic: a float from `json.loads` is converted with
`Decimal(str(value))`, whose shortest repr is exactly the decimal text Cart.com sent for any amount
of up to 15 significant digits. A client that parses with `json.loads(..., parse_float=Decimal)`
hands us `Decimal`s directly, which are taken as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from orderhub.connectors.cartcom.timestamps import parse_cartcom_time
from orderhub.domain.base import HubModel
from orderhub.domain.bounds import describe_problem

__all__ = [
    "INVALID_PRICE",
    "INVALID_RECORD",
    "MISSING_ITEMS",
    "MISSING_SKU",
    "UNKNOWN_STATUS",
    "MappingError",
    "as_bool",
    "as_field_value",
    "as_int",
    "as_mapping",
    "as_money",
    "as_optional_list",
    "as_text",
    "as_time",
    "build_model",
    "foreign_key",
    "plain_id",
    "required_money",
    "shown",
]

MISSING_ITEMS: Final = "missingItems"
MISSING_SKU: Final = "missingSku"
INVALID_PRICE: Final = "invalidPrice"
UNKNOWN_STATUS: Final = "unknownStatus"
INVALID_RECORD: Final = "invalidRecord"

_SHOWN_CHARS = 40

_Model = TypeVar("_Model", bound=HubModel)


class MappingError(ValueError):
    """A record we cannot map; becomes a per-record exception.

    `exception_type` is a short machine tag (`missingItems`, `missingSku`, `invalidPrice`,
    `unknownStatus`, `invalidRecord`); `reason` is one merchant-readable line naming the field.
    """

    failure_scope = "record"  # the record's data, never the store's health

    def __init__(self, exception_type: str, reason: str) -> None:
        super().__init__(reason)
        self.exception_type = exception_type
        self.reason = reason

    def __repr__(self) -> str:
        return f"MappingError({self.exception_type!r}, {self.reason!r})"


def shown(value: object) -> str:
    """A short, safe rendering of a bad value for a reason line (never a whole payload)."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def as_mapping(value: object, field: str) -> Mapping[str, Any]:
    """A JSON object, or `invalidRecord`."""
    if not isinstance(value, Mapping):
        raise MappingError(
            INVALID_RECORD, f"{field} must be a JSON object, got {type(value).__name__}"
        )
    return value


def as_optional_list(value: object, field: str) -> list[Any] | None:
    """A JSON array; `None` when absent (not expanded) or `null`."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise MappingError(
            INVALID_RECORD, f"{field} must be a JSON array, got {type(value).__name__}"
        )
    return value


def as_money(value: object, field: str, *, error: str = INVALID_PRICE) -> Decimal | None:
    """An amount as the exact `Decimal` Cart.com wrote; `null` gives `None`.

    Only JSON numbers are money: a bool, a string or a non-finite float is `error`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise MappingError(error, f"{field} must be a number, got {shown(value)}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MappingError(error, f"{field} must be a finite number, got {shown(value)}")
        return Decimal(str(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MappingError(error, f"{field} must be a finite number, got {shown(value)}")
        return value
    raise MappingError(error, f"{field} must be a number, got {shown(value)}")


def required_money(value: object, field: str, *, error: str = INVALID_PRICE) -> Decimal:
    """Like `as_money`, but `null` is an error too."""
    amount = as_money(value, field, error=error)
    if amount is None:
        raise MappingError(error, f"{field} is missing (null)")
    return amount


def as_int(value: object, field: str) -> int | None:
    """An integer; an integral float (`2.0`) is accepted, `null` gives `None`."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MappingError(INVALID_RECORD, f"{field} must be an integer, got {shown(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise MappingError(INVALID_RECORD, f"{field} must be an integer, got {shown(value)}")


def foreign_key(value: object, field: str) -> int | None:
    """An id pointing at another record; `0` and `null` both mean "none" (API-NOTES §10)."""
    number = as_int(value, field)
    if number is None or number == 0:
        return None
    if number < 0:
        raise MappingError(INVALID_RECORD, f"{field} must be a positive id, got {number}")
    return number


def as_text(value: object, field: str) -> str | None:
    """A string with surrounding blanks removed; `""`/blank/`null` give `None`.

    Integers are accepted and rendered (some codes come as JSON integers; postal codes have
    their own reader, `addresses.as_postal_code`, which also restores a US ZIP's zeros).
    """
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MappingError(INVALID_RECORD, f"{field} must be a string, got {shown(value)}")


def as_bool(value: object, field: str, *, default: bool = False) -> bool:
    """A flag; `null` gives `default`, and 0/1 integers are read as flags (products send them)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise MappingError(INVALID_RECORD, f"{field} must be true or false, got {shown(value)}")


def as_time(value: object, field: str) -> datetime | None:
    """A Cart.com timestamp as aware UTC; `""`/`null` give `None`, anything else bad is an error."""
    try:
        return parse_cartcom_time(value)
    except ValueError as exc:
        raise MappingError(
            INVALID_RECORD, f"{field} is not an ISO 8601 time with an offset: {shown(value)}"
        ) from exc


def as_field_value(value: object, field: str) -> str:
    """A free-form value as text: `null` is `""`, flags `true`/`false`, numbers their exact text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(as_money(value, field, error=INVALID_RECORD))
    raise MappingError(INVALID_RECORD, f"{field}: value must be text, got {shown(value)}")


def plain_id(value: object) -> int | None:
    """A positive integer id, or `None` for anything else: for lenient planning, not mapping."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def build_model(model: type[_Model], where: str, **fields: Any) -> _Model:
    """Construct a canonical model, turning a pydantic error into one `invalidRecord` line."""
    try:
        return model(**fields)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        place = ".".join(str(part) for part in first["loc"]) or model.__name__
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        problem = describe_problem(first)
        raise MappingError(INVALID_RECORD, f"{where}: {place}: {problem}{more}") from None
