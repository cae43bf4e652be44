"""The integration settings products.push reads: who owns each field, defaults for new
products, and whose catalogs a store receives.

Checked once per run (`PushSettings.from_settings`); a wrong value is a `UsageError` that names
the setting. The setting names are also what the integration settings service validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderhub.connectors.cartcom.mapping import PRODUCT_FIELDS
from orderhub.errors import UsageError

__all__ = [
    "CATALOG_SCOPES",
    "CATALOG_SETTING",
    "CATEGORY_SETTING",
    "OWNERS",
    "OWNER_SETTING",
    "STATUS_SETTING",
    "PushSettings",
    "check_field_owners",
]

OWNER_SETTING = "productFieldOwner"
STATUS_SETTING = "productsDefaultStatusId"
CATEGORY_SETTING = "productsDefaultCategoryId"
CATALOG_SETTING = "productsPushCatalogs"
"""Whose products this store receives: "own" (the default: products made or changed in the hub,
which includes this store's own products repriced there) or "shared" (also every other
store's products, as they were pulled into the hub)."""
CATALOG_SCOPES = ("own", "shared")
OWNERS = ("hub", "cartcom")


@dataclass(frozen=True)
class PushSettings:
    """The integration settings this flow reads, checked once per run."""

    status_id: int | None = None
    category_id: int | None = None
    owners: Mapping[str, str] = field(default_factory=dict)
    shared_catalogs: bool = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PushSettings:
        try:
            owners = check_field_owners(settings.get(OWNER_SETTING) or {})
        except ValueError as problem:
            raise UsageError(f"The integration setting {OWNER_SETTING}: {problem}") from None
        scope = settings.get(CATALOG_SETTING) or "own"
        if scope not in CATALOG_SCOPES:
            raise UsageError(
                f"The integration setting {CATALOG_SETTING} must be {' or '.join(CATALOG_SCOPES)}"
            )
        return cls(
            _setting_id(settings, STATUS_SETTING),
            _setting_id(settings, CATEGORY_SETTING),
            owners,
            shared_catalogs=scope == "shared",
        )

    def explain_refusal(self, detail: str) -> str | None:
        """The settings to set when Cart.com refused a new product for lacking their fields,
        or to correct when one names a record the store does not have."""
        defaults = (
            (CATEGORY_SETTING, "primary_category_id", self.category_id),
            (STATUS_SETTING, "product_status_id", self.status_id),
        )
        for setting, column, value in defaults:
            if value is not None and f"{column} {value} does not exist" in detail:
                return (
                    f"The integration setting {setting} is {value}, which Cart.com does not "
                    f'have: set it to an existing id (Cart.com said: "{detail}")'
                )
        needed = [
            (setting, column)
            for setting, column, value in defaults
            if value is None and column in detail
        ]
        if not needed:
            return None
        columns = " and ".join(column for _, column in needed)
        settings = " and ".join(setting for setting, _ in needed)
        plural = "s" if len(needed) > 1 else ""
        return (
            f"Cart.com requires {columns} for new products: set the integration "
            f'setting{plural} {settings} (Cart.com said: "{detail}")'
        )


def check_field_owners(value: object) -> dict[str, str]:
    """`productFieldOwner` as stored: product field -> the side that wins a conflict on it
    ("hub" or "cartcom"; a field left out is the hub's). The settings service checks what a
    merchant types through this too."""
    if not isinstance(value, Mapping):
        raise ValueError("must be an object of product fields and owners")
    for name, owner in value.items():
        if name not in PRODUCT_FIELDS or owner not in OWNERS:
            raise ValueError(
                f"{str(name)[:40]!r}: {str(owner)[:40]!r} is not valid; name a field of "
                f"{', '.join(PRODUCT_FIELDS)} and an owner of {' or '.join(OWNERS)}"
            )
    return dict(value)


def _setting_id(settings: Mapping[str, Any], name: str) -> int | None:
    value = settings.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"The integration setting {name} must be a Cart.com id, not {value!r}")
    return value
