"""Integrations: the list, the Add Integration wizard (Pipe17's guide, step by step), one page each.

The wizard follows the guide: Add Integration → the connector → Connection Flow Settings (six
toggles, off) → Next → API URL and API Key (with the guide's help) → Connect. Connect runs the
connection test before anything is saved; a store that refuses the key or cannot be reached
leaves nothing behind (the form comes back with the reason next to the field and the URL as
typed, never the key), a connected one is created with the test's per-permission results,
which its page shows until the next test. Replacing the key tests the new one first: one that
does not connect is not saved, and the key in use stays.
"""

from __future__ import annotations

from functools import partial

from starlette.routing import Route

from orderhub.portal import views_integration_actions as actions
from orderhub.portal import views_integration_add as add
from orderhub.portal import views_integration_page as page
from orderhub.portal.context import PortalContext

__all__ = ["integration_routes"]


def integration_routes(ctx: PortalContext) -> list[Route]:
    """The list, the Add Integration wizard (`views_integration_add`), one page each
    (`views_integration_page`) and its buttons (`views_integration_actions`)."""
    base = "/integrations/{integration_id:str}"
    post = ("POST",)
    return [
        ctx.route("/integrations", partial(page.list_page, ctx)),
        ctx.route("/integrations/add", partial(add.add_page, ctx)),
        ctx.route("/integrations/add/{connector:str}", partial(add.flow_settings_page, ctx)),
        ctx.route("/integrations/add/{connector:str}/connect", partial(add.connect_page, ctx)),
        ctx.route(
            "/integrations/add/{connector:str}/connect", partial(add.connect, ctx), methods=post
        ),
        ctx.route(base, partial(page.detail_page, ctx)),
        ctx.route(base + "/flows/{flow:str}", partial(actions.switch_flow, ctx), methods=post),
        ctx.route(base + "/flows/{flow:str}/sync", partial(actions.sync_now, ctx), methods=post),
        ctx.route(
            base + "/flows/{flow:str}/backfill", partial(actions.backfill, ctx), methods=post
        ),
        ctx.route(base + "/test", partial(actions.test_connection, ctx), methods=post),
        ctx.route(base + "/key", partial(actions.replace_key, ctx), methods=post),
        ctx.route(base + "/disable", partial(actions.disable, ctx), methods=post),
        ctx.route(base + "/remove", partial(actions.remove, ctx), methods=post),
    ]
