"""Wire bodies to stored values, and the id a POST creates under: the rules every write
shares (`writes.py`, `shipment_writes.py`) and the store's own helpers (`datastore.py`) use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .columns import ValueError409, decode_body_value
from .errors import ApiError
from .table import Table

if TYPE_CHECKING:
    from .answers import Answers

__all__ = ["decode_changes", "given_id"]


def decode_changes(table: Table, body: dict[str, Any]) -> dict[str, Any]:
    """Wire values -> stored values for the writable, known fields (others are ignored)."""
    out: dict[str, Any] = {}
    nested = table.spec.nested_by_name()
    for key, value in body.items():
        column = table.columns.get(key)
        if column is None or column.hidden or column.readonly or key in nested:
            continue
        try:
            out[key] = decode_body_value(column, value, table.face)
        except ValueError409 as exc:
            raise ApiError(409, f"Validation failed: {exc}") from None
    return out


def given_id(answers: Answers, table: Table, sent: Any) -> int | None:
    """The id a new record keeps under the `unknown_id_post` answer "given-id" (else None)."""
    if answers.unknown_id_post != "given-id":
        return None
    if isinstance(sent, bool) or not isinstance(sent, int) or sent <= 0:
        return None
    return sent if table.row_of(sent) is None else None
