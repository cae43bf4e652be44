"""Cart.com warehouses and store locations to the hub's `Location`.

Pure: the flow fetches `/warehouses`, `/store_locations` and (when the token may) `/stores`,
and passes them in (API-NOTES §10, §15 recipe E). Decisions a reader of the hub should know:

- The hub location's `extLocationId` (and the record's key) is `warehouse:<id>` or
  `store-location:<id>`: the two resources number their rows independently, so the bare id
  would collide. `kind` is `warehouse` or `storeLocation`.
- A warehouse carries its own address; `is_default` becomes `isDefault`.
- Postal codes go through `addresses.normalize_postal_code` like an order's: both resources
  type them as strings, but a US ZIP that lost its zero elsewhere (an import, a spreadsheet)
  is as wrong on a warehouse as on an order, and the rule is the same.
- A store location names its state and country by numeric ids with no documented lookup list.
  Its state is kept only when written out (`non_us_state`); its country is taken from the store
  it belongs to (`store_id` -> `/stores`), on the reading that a store's shops are in its own
  country; without `/stores` (no `system` scope) the country stays unknown rather than guessed.
- With more than one store (micro stores), a store location's name is prefixed with its
  store's name, so "Downtown" of two stores stay apart in the hub.
- Status: whatever Cart.com lists is active; a location it no longer lists is made inactive by
  the flow (`deactivated`), never deleted: orders and inventory may still point at it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.addresses import as_postal_code
from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    MappingError,
    as_bool,
    as_mapping,
    as_text,
    build_model,
    plain_id,
)
from orderhub.domain.location import Location, LocationStatus
from orderhub.domain.order import Address

__all__ = [
    "STORE_LOCATION_KIND",
    "STORE_LOCATION_PREFIX",
    "WAREHOUSE_KIND",
    "WAREHOUSE_PREFIX",
    "deactivated",
    "map_store_location",
    "map_warehouse",
    "stores_by_id",
]

WAREHOUSE_PREFIX: Final = "warehouse:"
STORE_LOCATION_PREFIX: Final = "store-location:"
WAREHOUSE_KIND: Final = "warehouse"
STORE_LOCATION_KIND: Final = "storeLocation"


def map_warehouse(raw: Mapping[str, Any]) -> Location:
    """One `/warehouses` row as an active hub location."""
    record = as_mapping(raw, "warehouse")
    record_id = _record_id(record, "warehouse")
    country = as_text(record.get("country"), "warehouse.country")
    address = _address(
        address1=as_text(record.get("address_line_1"), "warehouse.address_line_1"),
        address2=as_text(record.get("address_line_2"), "warehouse.address_line_2"),
        city=as_text(record.get("city"), "warehouse.city"),
        state_or_province=as_text(record.get("state"), "warehouse.state"),
        zip_code_or_postal_code=as_postal_code(
            record.get("postal_code"), country, "warehouse.postal_code"
        ),
        country=country,
        email=as_text(record.get("email"), "warehouse.email"),
    )
    return build_model(
        Location,
        f"warehouse {record_id}",
        name=as_text(record.get("name"), "warehouse.name") or f"Warehouse {record_id}",
        ext_location_id=f"{WAREHOUSE_PREFIX}{record_id}",
        kind=WAREHOUSE_KIND,
        address=address,
        status=LocationStatus.ACTIVE,
        is_default=as_bool(record.get("is_default"), "warehouse.is_default"),
    )


def map_store_location(
    raw: Mapping[str, Any], stores: Mapping[int, Mapping[str, Any]] | None = None
) -> Location:
    """One `/store_locations` row as an active hub location; `stores` from `stores_by_id`."""
    record = as_mapping(raw, "store location")
    record_id = _record_id(record, "store location")
    stores = stores or {}
    store = stores.get(plain_id(record.get("store_id")) or 0)
    name = as_text(record.get("name"), "store_location.name") or f"Store location {record_id}"
    store_name = as_text(store.get("name"), "store.name") if store is not None else None
    if store_name and len(stores) > 1:
        name = f"{store_name} — {name}"
    country = as_text(store.get("country"), "store.country") if store is not None else None
    address = _address(
        address1=as_text(record.get("address_1"), "store_location.address_1"),
        address2=as_text(record.get("address_2"), "store_location.address_2"),
        city=as_text(record.get("city"), "store_location.city"),
        state_or_province=as_text(record.get("non_us_state"), "store_location.non_us_state"),
        zip_code_or_postal_code=as_postal_code(
            record.get("zip_code"), country, "store_location.zip_code"
        ),
        country=country,
        phone=as_text(record.get("phone"), "store_location.phone"),
    )
    return build_model(
        Location,
        f"store location {record_id}",
        name=name,
        ext_location_id=f"{STORE_LOCATION_PREFIX}{record_id}",
        kind=STORE_LOCATION_KIND,
        address=address,
        status=LocationStatus.ACTIVE,
        is_default=False,
    )


def stores_by_id(stores: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """`/stores` rows by id (rows without a usable id are left out)."""
    found: dict[int, Mapping[str, Any]] = {}
    for store in stores:
        store_id = plain_id(store.get("id")) if isinstance(store, Mapping) else None
        if store_id is not None:
            found[store_id] = store
    return found


def deactivated(wire: Mapping[str, Any]) -> dict[str, Any]:
    """A held location's wire data with `status` inactive: Cart.com no longer lists it."""
    return {**wire, "status": LocationStatus.INACTIVE.value}


def _record_id(record: Mapping[str, Any], what: str) -> int:
    record_id = plain_id(record.get("id"))
    if record_id is None:
        raise MappingError(INVALID_RECORD, f"{what} has no usable id: {record.get('id')!r}")
    return record_id


def _address(**fields: str | None) -> Address | None:
    present = {key: value for key, value in fields.items() if value is not None}
    return build_model(Address, "address", **present) if present else None
