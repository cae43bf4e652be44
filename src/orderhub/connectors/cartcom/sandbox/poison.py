"""Which records a call touches, so a fault can target one record ("poison" it).

A poisoned record makes every call that touches it fail, as a real store fails when one
record trips a bug on its side: a write addressed to it (its id in the path, or in the body as
`id` or any `…_id`), a read asking for it (`ids=` of select_many, a filter such as
`order_id=eq:7`, its id in the path) and a list whose answer holds it in full. A list asked
for its keys alone (`fields=id,updated_at`, pointers such as `product_id`) still answers: the
trouble is taken to lie in rendering the record, as a real store's would. The other records'
calls go through, so a test can check that one bad record blocks nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["answer_ids", "keys_only", "request_ids"]

_INT = re.compile(r"(?<![\w.])-?\d+(?![\w.])")


def request_ids(path: str, query: Iterable[tuple[str, str]], body: bytes) -> set[int]:
    """Every record id a request names: path segments, id-like query values, body ids."""
    found = {int(part) for part in path.split("/") if part.isdigit()}
    for key, value in query:
        if key == "ids" or key == "id" or key.endswith("_id"):
            found.update(int(number) for number in _INT.findall(value))
    if body.strip():
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return found
        if isinstance(data, Mapping):
            found.update(_body_ids(data))
    return found


def answer_ids(data: Any) -> set[int]:
    """The ids of the records an answer holds (one record, or a list envelope's records)."""
    if not isinstance(data, Mapping):
        return set()
    found: set[int] = set()
    own = data.get("id")
    if isinstance(own, int) and not isinstance(own, bool):
        found.add(own)
    for value in data.values():
        if isinstance(value, list):
            for record in value:
                if isinstance(record, Mapping):
                    rid = record.get("id")
                    if isinstance(rid, int) and not isinstance(rid, bool):
                        found.add(rid)
    return found


def keys_only(query: Iterable[tuple[str, str]]) -> bool:
    """Whether a list asks only for ids, `updated_at` and `…_id` pointers (`fields=`)."""
    for key, value in query:
        if key == "fields":
            names = [name.strip() for name in value.split(",") if name.strip()]
            return bool(names) and all(
                name in ("id", "updated_at") or name.endswith("_id") for name in names
            )
    return False


def _body_ids(data: Mapping[str, Any]) -> set[int]:
    found: set[int] = set()
    for key, value in data.items():
        named = key == "id" or key.endswith("_id")
        if named and isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return found
