"""Choosing the secret key at start: the configured one, or a new one only when that is safe.

A stored API token can be read only with the key that encrypted it. Making a new key while
tokens are stored (the key file deleted, a home restored without it, `ORDERHUB_SECRET_KEY`
dropped from a service's environment) used to start the hub "fine" and then fail every sync
with "cannot be decrypted", leaving the merchant to re-enter every token. So a new key is made
only while the database holds no token; otherwise the start is refused, in one line naming the
missing key and what needs it. A key that is present but wrong is only found out where a token
is decrypted (`SecretDecryptError`, one line in the run or connection test).
"""

from __future__ import annotations

import os
import secrets

from orderhub.errors import HubError
from orderhub.settings import Settings, read_key_file
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database

__all__ = ["MissingSecretKeyError", "choose_secret_key"]


class MissingSecretKeyError(HubError):
    """The secret key is missing but stored tokens were encrypted with it: refuse to start."""


def choose_secret_key(settings: Settings, db: Database) -> Settings:
    """`settings` with a secret key: the configured one, else a new key file (mode 0600).

    Raises `MissingSecretKeyError` when there is no key but the database holds tokens.
    """
    if settings.secret_key:
        return settings
    with db.read_session() as session:
        stored = integration_store.count_stored_tokens(session)
    if stored:
        raise MissingSecretKeyError(_missing(settings, stored))
    return settings.replace(secret_key=_new_key_file(settings))


def _missing(settings: Settings, stored: int) -> str:
    path = settings.key_file
    state = "is empty" if path.exists() else "does not exist"
    tokens = "1 store's API token" if stored == 1 else f"{stored} stores' API tokens"
    return (
        f"The secret key is missing: ORDERHUB_SECRET_KEY is unset and {path} {state}, but the "
        f"database holds {tokens}, encrypted with that key. Restore the key file or set "
        "ORDERHUB_SECRET_KEY to the key; a new key could not decrypt them"
    )


def _new_key_file(settings: Settings) -> str:
    path = settings.key_file
    key = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process starting on this home made it a moment ago: use theirs.
        theirs = read_key_file(path)
        if theirs:
            return theirs
        raise MissingSecretKeyError(
            f"{path} is empty: delete it to have a new secret key made, or put the key in it"
        ) from None
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
