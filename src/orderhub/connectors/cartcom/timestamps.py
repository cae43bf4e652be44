"""Cart.com timestamps: ISO 8601 with an offset (or `Z`), 0-3 fraction digits, sometimes `""`.

Inside the hub every time is aware UTC; in filters we always send UTC with milliseconds and a `Z`,
which sidesteps the `+` in offsets that a query string would turn into a space.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_filter_time", "parse_cartcom_time"]


def parse_cartcom_time(value: object) -> datetime | None:
    """Parse a Cart.com timestamp to aware UTC; `None`/`""` give `None`.

    A value without an offset is rejected: the store's timezone is unknown to us, and guessing
    would shift a cursor by hours.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def format_filter_time(value: datetime) -> str:
    """UTC with milliseconds and `Z`, the form the query syntax takes without escaping."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in a Cart.com filter")
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
