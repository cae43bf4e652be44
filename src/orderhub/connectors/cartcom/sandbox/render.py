"""Records -> Cart.com JSON: field selection, nested collections, previous versions under lag."""

from __future__ import annotations

from typing import Any, Protocol

from .columns import to_json
from .resource_spec import Nested
from .seed_data import NOUNS
from .table import Table

__all__ = ["Renderer", "RowSource"]


class RowSource(Protocol):
    """What rendering reads: the tables and the child index (a `DataStore`, which renders its
    own orders and so is not named here)."""

    @property
    def tables(self) -> dict[str, Table]: ...
    def child_rows(self, parent: str, child: str, parent_id: int) -> list[int]: ...


class Renderer:
    """Builds response objects for one request (so per-request lookups can be cached)."""

    def __init__(self, store: RowSource) -> None:
        self.store = store

    def record(
        self,
        name: str,
        row: int,
        fields: list[str] | None,
        expands: list[str],
        snapshot: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One record: `fields` (None: all columns) plus the nested collections in `expands`.

        A nested name inside `fields` is expanded as well (docs: "naming a nested collection
        also expands it"); it is rendered after the plain fields either way.
        """
        table = self.store.tables[name]
        nested = table.spec.nested_by_name()
        plain: tuple[str, ...] | list[str]
        if fields is None:
            plain = table.spec.column_names()
            wanted_nested = [n for n in nested if n in expands] if expands else []
        else:
            plain = [f for f in fields if f not in nested]
            wanted_nested = [n for n in nested if n in expands or n in fields]
        if snapshot is None:
            out = table.render(row, plain)
        else:
            cols = table.columns
            out = {
                f: snapshot[f]
                if f == "id"
                else to_json(cols[f].kind, snapshot[f], table.postal_form, table.face)
                for f in plain
            }
        record_id = table.ids[row]
        for nname in wanted_nested:  # under its array key (customers: customer_additional_emails)
            out[nested[nname].key] = self.nested(name, record_id, row, nested[nname])
        return out

    def nested(
        self,
        parent: str,
        parent_id: int,
        parent_row: int,
        spec: Nested,
        fields: list[str] | None = None,
    ) -> list[dict[str, Any]] | Any:
        if spec.kind == "empty":
            return []
        if spec.kind == "column":
            assert spec.column is not None
            value = self.store.tables[parent].get(parent_row, spec.column)
            return [dict(v) for v in value] if value else []
        if spec.kind == "shipment_items":
            return self.shipment_items(parent_id)
        if spec.kind == "product_categories":
            return self.product_categories(parent_row)
        if spec.kind == "product_pictures":
            return self.product_pictures(parent_row)
        if spec.kind == "vi_variants":
            return self.vi_variants(parent_id, parent_row)
        assert spec.table is not None
        rows = self.store.child_rows(parent, spec.table, parent_id)
        child = self.store.tables[spec.table]
        names = fields if fields is not None else child.spec.column_names()
        out = [child.render(r, names) for r in rows]
        if spec.null_times:
            for rec in out:
                for key in ("created_at", "updated_at"):
                    if key in rec:
                        rec[key] = None
        return out

    def product_categories(self, row: int) -> list[dict[str, Any]]:
        category = self.store.tables["products"].get(row, "primary_category_id")
        name = NOUNS[category - 1][0] if 0 < category <= len(NOUNS) else f"Category {category}"
        return [{"id": category, "is_primary": True, "name": name}]

    def product_pictures(self, row: int) -> list[dict[str, Any]]:
        products = self.store.tables["products"]
        pid = products.ids[row]
        stamp = products.render(row, ["updated_at"])["updated_at"]
        slug = products.get(row, "item_number") or f"product-{pid}"
        return [
            {
                "id": pid,
                "product_id": pid,
                "image_file": f"/images/products/{slug}.jpg",
                "alt": products.get(row, "item_name"),
                "description": "",
                "is_primary": True,
                "is_hidden": False,
                "thumbnail_file": f"/images/products/_thumb_{slug}.jpg",
                "sort_order": 0,
                "flash_path": "",
                "created_at": stamp,
                "updated_at": stamp,
                "is_video_screen_shot": False,
                "video_content": "",
                "download_external_image": False,
            }
        ]

    def vi_variants(self, vi_id: int, row: int) -> list[dict[str, Any]]:
        variants = self.store.tables["product_variants"]
        names = variants.spec.column_names()
        out = []
        for vid in self.store.tables["variant_inventory"].get(row, "_variant_ids") or ():
            vrow = variants.row_of(vid)
            if vrow is None:
                continue
            rec = variants.render(vrow, names)
            rec.update(created_at=None, updated_at=None, variant_inventory_id=vi_id)
            out.append(rec)
        return out

    def shipment_items(self, shipment_id: int) -> list[dict[str, Any]]:
        store = self.store
        rows = store.child_rows("order_shipments", "shipment_items", shipment_id)
        links = store.tables["shipment_items"]
        items = store.tables["order_items"]
        out = []
        for r in rows:
            item_id = links.get(r, "order_item_id")
            irow = items.row_of(item_id)
            out.append(
                {
                    "id": item_id,
                    "quantity_shipped": links.get(r, "quantity_shipped"),
                    "product_id": items.get(irow, "product_id") if irow is not None else 0,
                    "item_name": items.get(irow, "item_name") if irow is not None else "",
                    "item_nr": items.get(irow, "item_number") if irow is not None else "",
                }
            )
        return out
