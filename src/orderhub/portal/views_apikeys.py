"""REST API keys: create (the key is shown once), list by prefix, revoke."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.errors import HubError
from orderhub.portal.context import PortalContext, form_of
from orderhub.services.apikeys import create_api_key, list_api_keys, revoke_api_key

__all__ = ["apikey_routes"]

_SCOPES = (("read", "Read only (every GET)"), ("readwrite", "Read and write"))


def apikey_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    def page(
        request: Request,
        *,
        created: str | None = None,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        return ctx.render(
            request,
            "apikeys.html",
            {
                "keys": list_api_keys(hub),
                "created": created,
                "scopes": _SCOPES,
                "values": values or {"scope": "read"},
                "errors": errors or {},
            },
            status=status,
            # The new key is on this page once: keep it out of every cache.
            headers={"Cache-Control": "no-store"} if created else None,
        )

    async def list_keys(request: Request) -> Response:
        return page(request)

    async def create(request: Request) -> Response:
        form = form_of(request)
        values = {"name": str(form.get("name", "")).strip(), "scope": str(form.get("scope", ""))}
        errors: dict[str, str] = {}
        if not values["name"]:
            errors["name"] = "Name the key after who uses it, e.g. warehouse."
        if values["scope"] not in {scope for scope, _ in _SCOPES}:
            errors["scope"] = "Pick read only, or read and write."
        if errors:
            return page(request, values=values, errors=errors, status=400)
        try:
            _key_id, plaintext = create_api_key(hub, name=values["name"], scope=values["scope"])
        except HubError as problem:
            return page(request, values=values, errors={"name": str(problem)}, status=400)
        return page(request, created=plaintext)

    async def revoke(request: Request) -> Response:
        form_of(request)
        try:
            key = revoke_api_key(hub, request.path_params["key_id"])
        except HubError as problem:
            ctx.flash(request, str(problem), "error")
        else:
            ctx.flash(request, f"Key {key.name} ({key.prefix}…) revoked.", "info")
        return ctx.redirect("/apikeys")

    return [
        ctx.route("/apikeys", list_keys),
        ctx.route("/apikeys", create, methods=("POST",)),
        ctx.route("/apikeys/{key_id:str}/revoke", revoke, methods=("POST",)),
    ]
