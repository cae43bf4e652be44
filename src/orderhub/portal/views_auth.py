"""Setup of the first admin, sign-in (form and one-time link), sign-out."""

from __future__ import annotations

import math
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.errors import UsageError
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.tokens import read_sign_in_token, setup_token_ok
from orderhub.services.users import (
    UserInputError,
    authenticate,
    create_first_admin,
    end_sessions,
    get_user,
    record_sign_in,
    user_count,
)

__all__ = ["auth_routes"]

_PASSWORDS_DIFFER = "The two passwords differ; type the same one twice."


def _safe_next(target: object) -> str:
    """Only a path on this site (never `//host` or `https://…`): no open redirect."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def auth_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    async def signin_page(request: Request) -> Response:
        if request.state.user is not None:
            return ctx.redirect("/")
        return ctx.render(
            request,
            "signin.html",
            {
                "next": _safe_next(request.query_params.get("next")),
                "email": request.query_params.get("email", ""),
                "no_users": user_count(hub) == 0,
            },
        )

    async def signin(request: Request) -> Response:
        form = form_of(request)
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        target = _safe_next(form.get("next"))
        # The socket's peer, or the client a trusted proxy names (`orderhub.proxies`): never
        # an address the client chose, or a new one per attempt would dodge the throttle.
        address = request.client.host if request.client else "unknown"
        values = {"next": target, "email": email, "no_users": False}
        wait = ctx.limiter.retry_after(address, email)
        if wait > 0:
            return ctx.render(
                request,
                "signin.html",
                {
                    **values,
                    "error": f"Too many sign-in attempts for {email or 'this email'}. "
                    f"Try again in {math.ceil(wait)} seconds.",
                },
                status=429,
                headers={"Retry-After": str(math.ceil(wait))},
            )
        user = authenticate(hub, email, password) if email and password else None
        if user is None:
            ctx.limiter.failed(address, email)
            return ctx.render(
                request,
                "signin.html",
                {**values, "error": "The email or the password is wrong."},
                status=400,
            )
        ctx.limiter.succeeded(address, email)
        ctx.sign_in(request, record_sign_in(hub, user.user_id))
        return ctx.redirect(target)

    async def signin_link(request: Request) -> Response:
        claim = read_sign_in_token(
            hub.settings.secret_key,
            request.query_params.get("token"),
            now=hub.clock.now().timestamp(),
        )
        user = get_user(hub, claim.user_id) if claim is not None else None
        if claim is None or user is None or not claim.matches(user.last_login_at):
            return ctx.render(
                request,
                "error.html",
                {
                    "title": "Link expired",
                    "message": "This sign-in link has expired or was used already. "
                    "Restart `orderhub demo` for a new one, or sign in with a password.",
                },
                status=403,
            )
        ctx.sign_in(request, record_sign_in(hub, user.user_id))
        ctx.flash(request, f"Signed in as {user.email}.")
        return ctx.redirect("/")

    def setup_refusal(request: Request, token: object) -> Response | None:
        if user_count(hub):
            ctx.flash(request, "The administrator exists already: sign in.", "info")
            return ctx.redirect("/signin")
        if not setup_token_ok(hub.settings.secret_key, token if isinstance(token, str) else None):
            return ctx.render(
                request,
                "error.html",
                {
                    "title": "Setup link needed",
                    "message": "Open the setup link that `orderhub serve` printed when it "
                    "started; it creates the first administrator.",
                },
                status=403,
            )
        return None

    async def setup_page(request: Request) -> Response:
        token = request.query_params.get("token")
        refusal = setup_refusal(request, token)
        if refusal is not None:
            return refusal
        return ctx.render(request, "setup.html", {"token": token, "email": "", "errors": {}})

    async def setup(request: Request) -> Response:
        form = form_of(request)
        token = form.get("token")
        refusal = setup_refusal(request, token)
        if refusal is not None:
            return refusal
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        errors: dict[str, str] = {}
        if password != str(form.get("password_again", "")):
            errors["password_again"] = _PASSWORDS_DIFFER
        else:
            try:
                create_first_admin(hub, email=email, password=password)
            except UserInputError as problem:
                errors[problem.field] = str(problem)
            except UsageError as problem:
                errors["email"] = str(problem)
        if errors:
            return ctx.render(
                request,
                "setup.html",
                {"token": token, "email": email, "errors": errors},
                status=400,
            )
        ctx.flash(request, "Administrator created. Sign in with your new password.")
        return ctx.redirect(f"/signin?email={quote(email)}")

    async def signout(request: Request) -> Response:
        user = request.state.user
        if user is not None:
            # Clearing this browser's cookie is not enough: a copy of it would still work.
            end_sessions(hub, user.user_id)
        request.session.clear()
        ctx.flash(request, "Signed out.", "info")
        return ctx.redirect("/signin")

    return [
        ctx.route("/signin", signin_page, public=True),
        ctx.route("/signin", signin, methods=("POST",), public=True),
        ctx.route("/signin/link", signin_link, public=True),
        ctx.route("/setup", setup_page, public=True),
        ctx.route("/setup", setup, methods=("POST",), public=True),
        ctx.route("/signout", signout, methods=("POST",), public=True),
    ]
