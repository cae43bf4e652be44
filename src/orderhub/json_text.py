"""JSON text of stored documents, written with orjson where its text is the standard library's.

A record's content hash is the SHA-256 of its canonical JSON (sorted keys, no whitespace,
`ensure_ascii=False`), so the text must stay exactly what `json.dumps` wrote when the hashes
already stored were made: a different text for the same content would make every record look
changed once. orjson writes the same text, several times faster, except in a few cases this
module sends back to the standard library:

- floats below 1e-4 in magnitude: `json.dumps` writes `1e-05`, orjson `0.00001` or `1.5e-7`
  (the text is searched for both shapes; a string that merely looks like one costs only speed);
- what orjson refuses (integers past 64 bits, keys that are not strings, lone surrogates);
- NaN and infinities, which orjson writes as `null` (`json.dumps` writes `NaN`): a text
  holding `null` is checked for them (canonical documents leave empty fields out, so this
  is rare).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["canonical_json", "document_json", "parse_json"]

_SMALL_FLOAT = re.compile(rb"[0-9]e-[0-9]|[0-9]\.0000")
"""orjson's shapes of a float below 1e-4 (`1.5e-7`, `0.00001`), where `json.dumps` differs."""


def canonical_json(data: Mapping[str, Any]) -> str:
    """`json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, faster."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: a value only the standard library writes
        return _standard(data, sort_keys=True)
    # Plain substring tests first: they cost far less than the pattern over a whole text.
    if ((b"e-" in text or b".0000" in text) and _SMALL_FLOAT.search(text)) or (
        b"null" in text and _has_non_finite(data)
    ):
        return _standard(data, sort_keys=True)
    return text.decode("utf-8")


def document_json(data: Mapping[str, Any]) -> str:
    """A document's JSON text (a record's source document): only read back, never hashed, so
    orjson's spelling of a float is as good as the standard library's. A float that is not
    finite is written `null` (the standard library wrote `NaN`, which is not JSON and which
    PostgreSQL refuses); a store's documents are JSON, so they hold none."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except TypeError:
        return json.dumps(data, ensure_ascii=False)


def parse_json(text: bytes | str) -> Any:
    """`json.loads`, through orjson (a store's page of 100 expanded orders is ~0.6 MB) and the
    standard library for what orjson refuses (`NaN`, `Infinity`). Unlike `json.loads`, orjson
    reads an integer past 64 bits as a float: fine for the stores' answers, whose ids and counts
    are far inside; not for documents that may hold any integer (the hub's own columns)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _standard(data: Mapping[str, Any], *, sort_keys: bool) -> str:
    return json.dumps(data, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_non_finite(item) for item in value)
    return False
