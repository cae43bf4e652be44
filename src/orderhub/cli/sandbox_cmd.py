"""`orderhub sandbox`: the simulated Cart.com store alone, for demos and manual testing."""

from __future__ import annotations

import threading

import typer

from orderhub.connectors.cartcom.sandbox.live import start_live_activity

__all__ = ["sandbox_command", "start_live_activity"]


def sandbox_command(
    port: int = typer.Option(8018, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    seed: int = typer.Option(1, help="Seed of the generated store (same seed, same data)."),
    orders: int = typer.Option(1000, help="Seeded orders."),
    products: int = typer.Option(200, help="Seeded products."),
    plan: str = typer.Option("unlimited", help="steel|bronze|silver|gold|unlimited"),
    token: str | None = typer.Option(None, help="Fix the full-scope API token."),
    live: bool = typer.Option(False, help="Keep placing and changing orders and products."),
    cache_ttl: float = typer.Option(30.0, help="GET cache TTL in seconds (0 disables)."),
) -> None:
    """Run a simulated Cart.com store until Ctrl-C; prints its API URL and token."""
    from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, run_sandbox
    from orderhub.connectors.cartcom.sandbox.ratelimit import PLAN_LIMITS

    if plan not in PLAN_LIMITS:
        raise typer.BadParameter(f"one of {', '.join(PLAN_LIMITS)}", param_hint="--plan")
    sb = Sandbox(
        SandboxConfig(
            seed=seed,
            orders=orders,
            products=products,
            plan=plan,
            token=token,
            cache_ttl_seconds=cache_ttl,
        )
    )
    stop = threading.Event()
    if live:
        start_live_activity(sb, stop=stop)
    print(f"API URL: http://{host}:{port}", flush=True)
    print(f"API token: {sb.full_token}", flush=True)
    try:
        run_sandbox(sb, host, port)
    finally:
        stop.set()
