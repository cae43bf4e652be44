"""`Retry-After` on a 429, in the form the store's `retry_after_as` answer says.

The docs call it "the time the counter resets" without a form (API-NOTES §8, open question 2):
- `"seconds"` (default): whole seconds until the window resets, at least 1;
- `"http-date"`: that instant as an RFC 7231 date, rounded up to the whole second (a date
  cannot say less), with the `Date` header every HTTP server sends beside it, so a client can
  measure the wait on the server's clock rather than its own;
- `"garbage"`: a value no client can read (`soon`), to prove a client falls back sanely. It is
  a fault, not a plausible answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .timefmt import format_http_date

if TYPE_CHECKING:
    from .parts import SandboxParts

__all__ = ["retry_after_headers"]


def retry_after_headers(sb: SandboxParts, seconds: int) -> dict[str, str]:
    """The headers of a 429 whose window resets in `seconds` (>= 1)."""
    form = sb.answers.retry_after_as
    if form == "garbage":
        return {"Retry-After": "soon"}
    if form == "http-date":
        now_ms = sb.store.now_ms()
        reset_ms = now_ms + seconds * 1000
        reset_ms += -reset_ms % 1000  # round up: a date a client waits for is never early
        return {"Retry-After": format_http_date(reset_ms), "Date": format_http_date(now_ms)}
    return {"Retry-After": str(seconds)}
