"""What can go wrong talking to Cart.com, ordered by what the caller should do about it.

```
CartcomError                a ConnectorError (orderhub.connectors.base): every connector's base
├── TransientError          retry later: the run fails if retries run out, the next run retries
│   ├── RateLimited         429 (carries `retry_after` seconds, if the server gave them)
│   ├── ServerError         5xx
│   └── NetworkError        connect error, timeout, reset, cut-off JSON body on a 2xx
└── FatalError              do not retry: explain to the merchant
    ├── AuthenticationFailed    401: token missing, invalid or revoked
    ├── PermissionDenied        403: the token lacks a scope (`scope_hint`: the server's words)
    ├── NotFound                404: unknown resource or id, page past the end
    ├── BadRequest              400 (and other unexpected 4xx)
    ├── ValidationFailed        409 (and 422): the data was refused
    ├── NotCartcom              the host answered, but not like a Cart.com API
    ├── RedirectRefused         a redirect to another host: the token is never sent there
    └── PaginationLoopError     a list walk would repeat a request: stop rather than spin
```

Every error knows the HTTP `status` (if any), the `method` and the `url` (redacted), and reads as
one line a merchant can act on. At most the server's `message`/`details` is quoted, in `said`: a
store, or anything answering in its place, can write whatever it likes there (long text, markup,
terminal escapes, a fake instruction), so it is cut to 200 characters, stripped of control
characters and line breaks, and always shown last as `Cart.com said: "…"`, never as the hub's
own words. A body is never dumped. `InvalidApiUrl` (a `ValueError`) is raised before any call.
The classes are `tree`; what a response or a transport failure means is `classify`.

When one record's call fails, `failure_scope` tells the engine whose failure it is
(`orderhub.engine.record_failures`): `"store"` (401, 403, the call budget exhausted, not a
Cart.com API, a refused redirect, a paging loop) fails the run; `"record"` (404, 400, 409/422)
is that record's exception; the transient rest (5xx, network) is the record's exception too,
until several different records fail in a row.
"""

from orderhub.connectors.cartcom.errors.classify import (
    classify_response,
    decode_response,
    translate_transport_error,
)
from orderhub.connectors.cartcom.errors.tree import (
    AuthenticationFailed,
    BadRequest,
    CartcomError,
    FatalError,
    InvalidApiUrl,
    NetworkError,
    NotCartcom,
    NotFound,
    PaginationLoopError,
    PermissionDenied,
    RateLimited,
    RedirectRefused,
    ServerError,
    TransientError,
    ValidationFailed,
)

__all__ = [
    "AuthenticationFailed",
    "BadRequest",
    "CartcomError",
    "FatalError",
    "InvalidApiUrl",
    "NetworkError",
    "NotCartcom",
    "NotFound",
    "PaginationLoopError",
    "PermissionDenied",
    "RateLimited",
    "RedirectRefused",
    "ServerError",
    "TransientError",
    "ValidationFailed",
    "classify_response",
    "decode_response",
    "translate_transport_error",
]
