"""Encryption of stored credentials (masking them for people: `orderhub.redaction`).

A store's API token opens a merchant's store, so the hub keeps it only encrypted at rest
(`SecretBox`) and only ever shows its last four characters (`orderhub.redaction.mask_secret`).
The box is keyed from `ORDERHUB_SECRET_KEY` through HKDF-SHA256, so any string of reasonable
length works as a key and the raw key is never used directly as a Fernet key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from orderhub.errors import HubError

__all__ = ["SecretBox", "SecretDecryptError"]

_HKDF_SALT = b"orderhub.secretbox"
_HKDF_INFO = b"orderhub stored credentials v1"


class SecretDecryptError(HubError):
    """A stored secret could not be decrypted: wrong `ORDERHUB_SECRET_KEY`, or a damaged value.

    A `HubError`: its message is the merchant's one line wherever the token is used (a run,
    a connection test, the CLI), saying which key is meant and the two ways out.
    """


class SecretBox:
    """Authenticated symmetric encryption (Fernet) of short secrets such as API tokens."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("ORDERHUB_SECRET_KEY is empty; a secret key is needed to store tokens")
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=_HKDF_SALT,
            info=_HKDF_INFO,
        ).derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        """Encrypt `plaintext`; each call gives a different token (random IV)."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by `encrypt` with the same secret key."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretDecryptError(
                "The stored API token cannot be decrypted with this ORDERHUB_SECRET_KEY (or "
                "secret.key in ORDERHUB_HOME): it was stored under another key. Restore that "
                "key, or enter the store's API token again"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
