"""The seeded catalog: products with and without variants, SKUs, GTINs, stock.

Generated first (from its own RNG stream) so order lines can point at real products and
variant rows; `catalog_tables.py` loads it into the catalog resources.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .seed_data import ADJECTIVES, NOUNS, VARIANT_GROUPS

__all__ = ["Catalog", "CatalogProduct", "CatalogVariantRow", "build_catalog"]


@dataclass(slots=True)
class CatalogVariantRow:
    """One variant_inventory row: a combination of option values with its own SKU and stock."""

    id: int
    extension: str
    description: str  # "Color: Red, Size: Large"
    variants: list[dict[str, object]]  # order_items.variants shape, shared by every line
    variant_ids: tuple[int, ...]
    price_adjustment: float
    gtin: str
    inventory: int


@dataclass(slots=True)
class CatalogProduct:
    id: int
    sku: str
    name: str
    price: float
    cost: float
    weight: float
    gtin: str
    warehouse_id: int
    quantity_on_hand: int
    short_description: str
    groups: tuple[int, ...] = ()  # variant group ids
    variant_values: list[tuple[int, int, str, str, float]] = field(default_factory=list)
    rows: list[CatalogVariantRow] = field(default_factory=list)  # (id, group, desc, ext, adj)
    extra: dict[str, Any] = field(default_factory=dict)
    """Product columns beyond the plain ones (flags, status), for the variety products."""
    special: bool = False
    """Never picked for a random line (kits, kit parts, gift certificates: `variety.py`)."""

    @property
    def has_variants(self) -> bool:
        return bool(self.rows)


@dataclass(slots=True)
class Catalog:
    products: list[CatalogProduct]
    group_names: dict[int, str]

    def sellable(self) -> list[tuple[CatalogProduct, CatalogVariantRow | None]]:
        """Every (product, variant row) a line can be for."""
        out: list[tuple[CatalogProduct, CatalogVariantRow | None]] = []
        for product in self.products:
            if product.special:
                continue
            if product.rows:
                out.extend((product, row) for row in product.rows)
            else:
                out.append((product, None))
        return out


def _gtin(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(11)]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def build_catalog(seed: int, count: int) -> Catalog:
    """`count` products; about a third have variants (Color, Size or Color x Size)."""
    rng = random.Random(f"{seed}:catalog")
    group_names = {i + 1: g[0] for i, g in enumerate(VARIANT_GROUPS)}
    products: list[CatalogProduct] = []
    variant_id = 1
    row_id = 1
    for pid in range(1, count + 1):
        adjective = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
        noun, code, weight = NOUNS[rng.randrange(len(NOUNS))]
        price = round(
            rng.choice((4.99, 9.99, 14.5, 19.99, 24.95, 39.0, 49.99, 89.0, 129.95))
            * rng.choice((1, 1, 1, 2)),
            2,
        )
        sku = "" if rng.random() < 0.03 else f"{code}-{1000 + pid}"
        product = CatalogProduct(
            id=pid,
            sku=sku,
            name=f"{adjective} {noun}",
            price=price,
            cost=round(price * rng.uniform(0.35, 0.6), 2),
            weight=round(weight * rng.uniform(0.8, 1.3), 2),
            gtin="" if rng.random() < 0.3 else _gtin(rng),
            warehouse_id=1 if rng.random() < 0.8 else 2,
            quantity_on_hand=rng.randrange(0, 400),
            short_description=f"{adjective} {noun.lower()} for everyday use.",
        )
        roll = rng.random()
        if roll < 0.35:
            groups = (1,) if roll < 0.15 else (2,) if roll < 0.25 else (1, 2)
            product.groups = groups
            per_group: list[list[tuple[int, int, str, str, float]]] = []
            for gid in groups:
                values = VARIANT_GROUPS[gid - 1][2]
                chosen = rng.sample(range(len(values)), k=rng.randint(2, min(4, len(values))))
                entries = []
                for vi in sorted(chosen):
                    desc, ext, adj = values[vi]
                    entries.append((variant_id, gid, desc, ext, adj))
                    variant_id += 1
                per_group.append(entries)
                product.variant_values.extend(entries)
            combos: list[list[tuple[int, int, str, str, float]]] = [[]]
            for entries in per_group:
                combos = [[*c, e] for c in combos for e in entries]
            for combo in combos:
                product.rows.append(
                    CatalogVariantRow(
                        id=row_id,
                        extension="".join(e[3] for e in combo),
                        description=", ".join(f"{group_names[e[1]]}: {e[2]}" for e in combo),
                        variants=[
                            {
                                "id": e[0],
                                "description": f"{group_names[e[1]]}: {e[2]}",
                                "variant_group_id": e[1],
                            }
                            for e in combo
                        ],
                        variant_ids=tuple(e[0] for e in combo),
                        price_adjustment=sum(e[4] for e in combo),
                        gtin="" if rng.random() < 0.4 else _gtin(rng),
                        inventory=rng.randrange(0, 120),
                    )
                )
                row_id += 1
        products.append(product)
    return Catalog(products, group_names)
