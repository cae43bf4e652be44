"""Orders (with test fulfill), products and variants, inventory, locations, fulfillments."""

from __future__ import annotations

from functools import partial

from starlette.routing import Route

from orderhub.portal import views_catalog, views_orders
from orderhub.portal.context import PortalContext

__all__ = ["record_routes"]


def record_routes(ctx: PortalContext) -> list[Route]:
    """Orders (`views_orders`); products, inventory, locations, fulfillments (`views_catalog`)."""
    return [
        ctx.route("/orders", partial(views_orders.orders, ctx)),
        ctx.route("/orders/{order_id:str}", partial(views_orders.order_detail, ctx)),
        ctx.route(
            "/orders/{order_id:str}/fulfill", partial(views_orders.fulfill, ctx), methods=("POST",)
        ),
        ctx.route("/products", partial(views_catalog.products, ctx)),
        ctx.route("/products/{product_id:str}", partial(views_catalog.product_detail, ctx)),
        ctx.route("/inventory", partial(views_catalog.inventory, ctx)),
        ctx.route("/inventory", partial(views_catalog.set_inventory, ctx), methods=("POST",)),
        ctx.route("/locations", partial(views_catalog.locations, ctx)),
        ctx.route("/fulfillments", partial(views_catalog.fulfillments, ctx)),
    ]
