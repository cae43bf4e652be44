"""Links the CLI prints: the first `serve`'s setup link, and `demo`'s direct sign-in link."""

from __future__ import annotations

from orderhub.hub import Hub
from orderhub.portal.tokens import make_sign_in_token, setup_token
from orderhub.services.users import ensure_demo_admin, user_count

__all__ = ["demo_sign_in_link", "setup_link"]


def setup_link(hub: Hub, base_url: str) -> str | None:
    """The one-time link that creates the first admin; None once a user exists."""
    if user_count(hub):
        return None
    return f"{base_url.rstrip('/')}/setup?token={setup_token(hub.settings.secret_key)}"


def demo_sign_in_link(hub: Hub, base_url: str) -> str:
    """A link that signs the demo's admin in directly: once, within 15 minutes."""
    user = ensure_demo_admin(hub)
    token = make_sign_in_token(
        hub.settings.secret_key, user.user_id, user.last_login_at, now=hub.clock.now().timestamp()
    )
    return f"{base_url.rstrip('/')}/signin/link?token={token}"
