"""US ZIP codes stored without their leading zeros get them back (issue #12; data only).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Until this release orders.pull stored Cart.com's integer `postal_code` as its decimal text, so
Boston's `02187` was held as `"2187"` and the ZIP+4 `02187-1234` as `"21871234"`. The connector
now normalises postal codes as it maps them (`connectors/cartcom/mapping/addresses.py`); this
revision applies the same rule to what is already stored:

- Which records: orders and locations that came from an integration (`integration_id != ''`;
  every integration so far is a Cart.com store). Hub-native records were typed by a person, not
  sent as integers, and are left alone. Addresses: an order's `shippingAddress` and
  `billingAddress`, a location's `address`; the field is `zipCodeOrPostalCode`.
- A code is rewritten exactly when the rule changes it, i.e. an address in a US-ZIP place with
  a code of up to 4 or 6 to 9 digits, or a ZIP+4 written with a space. The address's own
  `country` decides. With no country, the rule reads a JSON *integer* as a US ZIP: whether
  Cart.com sent an integer is in the record's `source_doc` (the document pulled), so that is
  where this revision looks; no source document, no rewrite.
- `content_hash` is recomputed from the new data the way `store/records.py` computes it (SHA-256
  of the canonical JSON), so the next pull, which maps the same Cart.com record to the same
  data, finds the hash equal and writes nothing.
- `updated_at` moves to now: REST API clients that poll with `updatedSince` (a 3PL holding the
  wrong ZIP) then fetch the corrected address.
- No change-feed row: only push flows read the feed, and none reads orders or locations
  (products, inventory and fulfillments are pushed). A feed row with no run or flow would be a
  change made by nobody. `source_doc` is left as it is: it records what Cart.com sent.
- Downgrade does nothing: the old code reads either form, and dropping the zeros again would
  only bring the wrong addresses back.

The rule is a frozen copy of `normalize_postal_code` as of this revision, not an import:
a migration must give the same result whenever it runs, and the live function may change
(a new country spelling) or move. tests/store/test_migration_0006.py checks the copy against
the live function today.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_RECORDS = sa.table(
    "records",
    sa.column("hub_id", sa.String(16)),
    sa.column("kind", sa.String(16)),
    sa.column("integration_id", sa.String(32)),
    sa.column("data", _JSON),
    sa.column("source_doc", _JSON),
    sa.column("content_hash", sa.String(64)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_PAGE = 500
# Where each kind keeps its addresses in `data`.
_ADDRESS_FIELDS: Final = {"order": ("shippingAddress", "billingAddress"), "location": ("address",)}
_ZIP_FIELD: Final = "zipCodeOrPostalCode"


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    now = datetime.now(UTC)
    # Like store.dialect.UtcDateTime: aware on PostgreSQL, naive UTC text on SQLite.
    stamp = now if postgres else now.replace(tzinfo=None)
    data_param: Any = sa.bindparam("new_data", type_=sa.Text)
    if postgres:
        data_param = sa.cast(data_param, postgresql.JSONB)
    rewrite = (
        sa.update(_RECORDS)
        .where(_RECORDS.c.hub_id == sa.bindparam("key"))
        .values(
            data=data_param,
            content_hash=sa.bindparam("new_hash"),
            updated_at=sa.bindparam("stamp"),
        )
    )
    last = ""
    while True:
        # Pages keyed by hub_id, not one streaming cursor: rows are rewritten between pages.
        rows = connection.execute(
            sa.select(_RECORDS.c.hub_id, _RECORDS.c.kind, _RECORDS.c.data)
            .where(
                _RECORDS.c.kind.in_(tuple(_ADDRESS_FIELDS)),
                _RECORDS.c.integration_id != "",
                _RECORDS.c.hub_id > last,
            )
            .order_by(_RECORDS.c.hub_id)
            .limit(_PAGE)
        ).all()
        if not rows:
            return
        last = rows[-1].hub_id
        changes = []
        for row in rows:
            data = _corrected(connection, row.hub_id, row.kind, row.data)
            if data is not None:
                text = _canonical_json(data)
                changes.append(
                    {
                        "key": row.hub_id,
                        "new_data": text,
                        "new_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        "stamp": stamp,
                    }
                )
        if changes:
            connection.execute(rewrite, changes)


def downgrade() -> None:
    """Nothing to undo (see the module docstring)."""


def _corrected(
    connection: sa.Connection, hub_id: str, kind: str, data: Any
) -> dict[str, Any] | None:
    """The record's data with its postal codes normalised, or None when nothing changes."""
    if not isinstance(data, Mapping):
        return None
    new = dict(data)
    changed = False
    for field in _ADDRESS_FIELDS[kind]:
        address = data.get(field)
        if not isinstance(address, Mapping):
            continue
        value = address.get(_ZIP_FIELD)
        if not isinstance(value, str):
            continue
        country = address.get("country")
        country = country if isinstance(country, str) else None
        raw: str | int = value
        if (country is None or not country.strip()) and _DIGITS.fullmatch(value):
            raw = _sent_as_integer(connection, hub_id, kind, field, value)
        fixed = normalize_postal_code(raw, country)
        if fixed == value:
            continue
        changed = True
        if fixed is not None:
            new[field] = {**address, _ZIP_FIELD: fixed}
            continue
        # A code of zeros is no code: the wire form leaves out what is None, and a location
        # whose address held nothing else has no address at all.
        rest = {key: item for key, item in address.items() if key != _ZIP_FIELD}
        if rest or kind == "order":
            new[field] = rest
        else:
            del new[field]
    return new if changed else None


def _sent_as_integer(
    connection: sa.Connection, hub_id: str, kind: str, field: str, value: str
) -> str | int:
    """`int(value)` if the pulled document holds this code as a JSON integer, else `value`.

    The document's shape as the flows write it at this revision: an order's is
    `{"order": {...}, "addresses": [...], "customer": ...}`, a location's is the raw warehouse
    (`postal_code`) or store location (`zip_code`).
    """
    doc = connection.execute(
        sa.select(_RECORDS.c.source_doc).where(_RECORDS.c.hub_id == hub_id)
    ).scalar_one_or_none()
    if not isinstance(doc, Mapping):
        return value
    raw: object = None
    if kind == "order":
        order = doc.get("order")
        key = (
            "order_shipping_address_id"
            if field == "shippingAddress"
            else "order_billing_address_id"
        )
        address_id = order.get(key) if isinstance(order, Mapping) else None
        addresses = doc.get("addresses")
        for address in addresses if isinstance(addresses, list) else ():
            if isinstance(address, Mapping) and address.get("id") == address_id:
                raw = address.get("postal_code")
    else:
        raw = doc.get("postal_code", doc.get("zip_code"))
    if isinstance(raw, int) and not isinstance(raw, bool) and str(raw) == value:
        return raw
    return value


def _canonical_json(data: Mapping[str, Any]) -> str:
    # store/records.py's canonical form, which its content_hash is taken of.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- frozen copy of connectors/cartcom/mapping/addresses.py (normalize_postal_code) -----------

US_ZIP_COUNTRIES: Final = frozenset(
    {
        *("us", "usa", "pr", "pri", "vi", "vir", "gu", "gum", "as", "asm"),
        *("mp", "mnp", "um", "umi", "fm", "fsm", "mh", "mhl", "pw", "plw"),
        *("u s", "u s a", "united states", "united states of america"),
        *("puerto rico", "guam", "american samoa"),
        *("northern mariana islands", "commonwealth of the northern mariana islands"),
        *("us virgin islands", "u s virgin islands", "united states virgin islands"),
        *("virgin islands u s", "virgin islands us", "virgin islands of the united states"),
        *("united states minor outlying islands", "us minor outlying islands"),
        *("u s minor outlying islands",),
        *("micronesia", "federated states of micronesia", "micronesia federated states of"),
        *("marshall islands", "palau"),
        *("apo", "fpo", "dpo", "apo fpo"),
    }
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"[0-9]{1,9}")
_ZIP_PLUS_4 = re.compile(r"([0-9]{5})[- ]([0-9]{4})")


def _country_key(country: str) -> str:
    return _NOT_ALNUM.sub(" ", country.casefold()).strip()


def uses_us_zip(country: str | None) -> bool:
    return country is not None and _country_key(country) in US_ZIP_COUNTRIES


def normalize_postal_code(value: str | int | None, country: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):
        if value == 0:
            return None
        text = str(value)
        no_country = country is None or not country.strip()
        return _us_zip(text) if uses_us_zip(country) or no_country else text
    text = value.strip()
    if not text:
        return None
    return _us_zip(text) if uses_us_zip(country) else text


def _us_zip(text: str) -> str | None:
    if _DIGITS.fullmatch(text):
        if not text.strip("0"):
            return None
        if len(text) <= 5:
            return text.zfill(5)
        nine = text.zfill(9)
        return f"{nine[:5]}-{nine[5:]}"
    plus_4 = _ZIP_PLUS_4.fullmatch(text)
    if plus_4:
        return f"{plus_4[1]}-{plus_4[2]}"
    return text
