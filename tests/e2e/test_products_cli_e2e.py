"""`orderhub products import FILE.csv` as a real process, then products.push to the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orderhub.hub import Hub
from support.stores import Store

from .conftest import CliResult
from .test_products_e2e import DEFAULTS, delta, open_shop, writes


@pytest.mark.slow  # an `orderhub` process
def test_products_import_on_the_command_line_lands_good_rows_and_names_bad_lines(
    hub: Hub,
    serve_store: Callable[..., Store],
    cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    shop = open_shop(hub, serve_store, seed=52)
    shop.settings(**DEFAULTS)
    shop.pull()
    pulled = next(p for p in shop.copies().values() if p["types"] == ["simple"])
    csv_file = tmp_path / "products.csv"
    csv_file.write_text(
        "sku,name,price,weight,weightUnit,categories\n"
        "CSV-1,Teapot,19.90,1.2,lb,Kitchen|Tea\n"
        "CSV-2,Cup,abc,,,\n"
        "CSV-3,Saucer,4,,,\n"
        f"{pulled['sku']},,7.77,,,\n"  # a store's product: only its price changes
    )
    before = shop.calls()

    imported = cli("products", "import", str(csv_file))

    assert imported.code == 1, imported.stderr
    assert "3 created" in imported.stdout
    assert "line 3: price" in imported.stderr
    run = shop.push()
    assert (run.counts.created, run.counts.updated) == (2, 1)
    assert writes(delta(shop.calls(), before)) == {"POST /products": 2, "PUT /products/{id}": 1}
    [repriced] = shop.cart_products(item_number=pulled["sku"])
    assert (repriced["price"], repriced["item_name"]) == (7.77, pulled["name"])
    [teapot] = shop.cart_products(item_number="CSV-1")
    assert (teapot["item_name"], teapot["price"], teapot["weight"]) == ("Teapot", 19.9, 1.2)
