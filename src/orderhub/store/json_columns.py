"""How the store decodes its JSON columns: with orjson, exactly as the json module would.

Reading a page of orders is mostly decoding their documents, and orjson does it several
times faster than the json module. Where the two would differ, the json module decides: a
document orjson refuses (`NaN`, which the json module writes for a float NaN) and one with
an integer too long for 64 bits (orjson would read it as a float and lose digits; any run
of 19 digits, even inside a string, sends the document the slow way) are decoded by json.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["load_json"]

_LONG_DIGITS = re.compile(rb"\d{19}")


def load_json(text: str | bytes) -> Any:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
