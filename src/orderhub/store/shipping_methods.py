"""Each integration's carrier → store shipping method mappings. None of these functions
commit: the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orderhub.domain.shipping_method import ShippingMethodMapping, match_key
from orderhub.store.dialect import dialect_insert
from orderhub.store.tables import ShippingMethodMappingRow

__all__ = ["list_mappings", "put_mapping", "remove_mapping"]


def _domain(row: ShippingMethodMappingRow) -> ShippingMethodMapping:
    return ShippingMethodMapping(
        carrier=row.carrier,
        service=row.service,
        method=row.method,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_mappings(session: Session, integration_id: str) -> list[ShippingMethodMapping]:
    """The integration's mappings, by carrier then service (carrier-wide ones first)."""
    rows = session.scalars(
        select(ShippingMethodMappingRow)
        .where(ShippingMethodMappingRow.integration_id == integration_id)
        .order_by(ShippingMethodMappingRow.carrier_key, ShippingMethodMappingRow.service_key)
    )
    return [_domain(row) for row in rows]


def put_mapping(
    session: Session, integration_id: str, mapping: ShippingMethodMapping, now: datetime
) -> None:
    """Add the mapping, or replace the one for the same carrier and service (folded names)."""
    values = {
        "integration_id": integration_id,
        "carrier_key": match_key(mapping.carrier),
        "service_key": match_key(mapping.service),
        "carrier": mapping.carrier,
        "service": mapping.service,
        "method": mapping.method,
        "created_at": now,
        "updated_at": now,
    }
    insert = dialect_insert(session, ShippingMethodMappingRow).values(**values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["integration_id", "carrier_key", "service_key"],
            set_={
                "carrier": mapping.carrier,
                "service": mapping.service,
                "method": mapping.method,
                "updated_at": now,
            },
        )
    )


def remove_mapping(
    session: Session, integration_id: str, carrier: str, service: str | None
) -> bool:
    """Drop the mapping for this carrier and service; False if there was none."""
    result = session.execute(
        delete(ShippingMethodMappingRow).where(
            ShippingMethodMappingRow.integration_id == integration_id,
            ShippingMethodMappingRow.carrier_key == match_key(carrier),
            ShippingMethodMappingRow.service_key == match_key(service),
        )
    )
    return bool(getattr(result, "rowcount", 0))
