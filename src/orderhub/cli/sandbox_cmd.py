"""`orderhub sandbox`: simulated Cart.com stores, for demos, manual testing and scale tests.

One store by default. `--stores N` serves N independent stores from one process (store i has
seed `seed+i` on port `port+i`, or with `--same-port` at loopback address `host+i` on `port`),
so a test or a benchmark can connect hundreds of integrations without starting hundreds of
processes. All stores share one uvicorn server on a background thread (`sandbox/many.py`); the
main thread only waits for Ctrl-C or SIGTERM and then stops it.
"""

from __future__ import annotations

import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.connectors.cartcom.sandbox import Sandbox
    from orderhub.connectors.cartcom.sandbox.tls import TlsFiles

__all__ = ["HELP", "sandbox_command"]

HELP = "Serve a simulated Cart.com store on loopback."


def sandbox_command(
    port: int = typer.Option(8018, help="Port to listen on (store i of --stores: port+i)."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    seed: int = typer.Option(
        1, help="Seed of the generated store (same seed, same data; store i: seed+i)."
    ),
    orders: int = typer.Option(1000, help="Seeded orders (per store)."),
    products: int = typer.Option(200, help="Seeded products (per store)."),
    plan: str = typer.Option(
        "steel",
        help=(
            "Cart.com plan, i.e. calls per 10 s: steel 5, bronze 10, silver 20, gold 50;"
            " unlimited (never a 429) only when asked for."
        ),
    ),
    token: str | None = typer.Option(
        None, help="Fix the full-scope API token (with --stores: the same for every store)."
    ),
    live: bool = typer.Option(
        False, help="Keep placing and changing orders and products (in every store)."
    ),
    cache_ttl: float = typer.Option(30.0, help="GET cache TTL in seconds (0 disables)."),
    timezone: str = typer.Option(
        "America/Chicago",
        help="The store's time zone (IANA name): its timestamps carry this zone's offsets.",
    ),
    variety: bool = typer.Option(
        False,
        "--variety",
        help=(
            "Seed merchant-specific shapes too: kits, gift certificates, non-inventory, hidden"
            " and discontinued products, lines shipping to their own addresses, VIP customers."
        ),
    ),
    stores: int = typer.Option(
        1,
        min=1,
        help=(
            "Serve this many stores from one process. With more than one, each store prints"
            " 'Store i:' then its 'API URL: …' and 'API token: …' lines, once all are listening."
        ),
    ),
    tls: bool = typer.Option(
        False,
        "--tls",
        help=(
            "Serve HTTPS with a fresh certificate; prints the CA file a client must trust"
            " (OrderHub: ORDERHUB_CA_BUNDLE=<file>)."
        ),
    ),
    tls_dir: str | None = typer.Option(
        None,
        "--tls-dir",
        help="Where --tls writes its certificate files (default: a new temp dir).",
    ),
    same_port: bool = typer.Option(
        False,
        "--same-port",
        help=(
            "With --stores: every store on --port, store i at loopback address host+i"
            " (127.0.0.1, 127.0.0.2, …) instead of on port+i; for hundreds of stores."
        ),
    ),
) -> None:
    """Run simulated Cart.com stores until Ctrl-C; prints each one's API URL and token."""
    from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, run_sandbox
    from orderhub.connectors.cartcom.sandbox.live import start_live_activity
    from orderhub.connectors.cartcom.sandbox.many import consecutive_hosts, consecutive_ports
    from orderhub.connectors.cartcom.sandbox.ratelimit import PLAN_LIMITS
    from orderhub.connectors.cartcom.sandbox.store_time import StoreTime

    if plan not in PLAN_LIMITS:
        raise typer.BadParameter(f"one of {', '.join(PLAN_LIMITS)}", param_hint="--plan")
    try:
        StoreTime(timezone)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--timezone") from None
    try:
        addresses = (consecutive_hosts if same_port else consecutive_ports)(host, port, stores)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--host") from None
    sandboxes = [
        Sandbox(
            SandboxConfig(
                seed=seed + i,
                orders=orders,
                products=products,
                plan=plan,
                token=token,
                cache_ttl_seconds=cache_ttl,
                timezone=timezone,
                variety=variety,
            )
        )
        for i in range(stores)
    ]
    files = _tls_files(Path(tls_dir) if tls_dir else None) if tls or tls_dir else None
    scheme = "https" if files is not None else "http"
    stop = threading.Event()
    if live:
        for sb in sandboxes:
            start_live_activity(sb, stop=stop)
    try:
        if files is not None:
            print(f"CA certificate: {files.ca_cert}", flush=True)
        if stores == 1:
            print(f"API URL: {scheme}://{host}:{port}", flush=True)
            print(f"API token: {sandboxes[0].full_token}", flush=True)
            run_sandbox(sandboxes[0], host, port, files)
        else:
            _serve_many(sandboxes, addresses, stop, files)
    finally:
        stop.set()


def _tls_files(directory: Path | None) -> TlsFiles:
    """A fresh CA and server certificate for loopback (sandbox/tls.py)."""
    from orderhub.connectors.cartcom.sandbox.tls import make_tls_files

    where = directory or Path(tempfile.mkdtemp(prefix="orderhub-sandbox-tls-"))
    return make_tls_files(where)


def _serve_many(
    sandboxes: list[Sandbox],
    addresses: list[tuple[str, int]],
    stop: threading.Event,
    files: TlsFiles | None = None,
) -> None:
    """Serve store i at addresses[i]; return after SIGINT or SIGTERM stopped them all."""
    from orderhub.connectors.cartcom.sandbox.many import StoresInUseError, serve_stores

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            with serve_stores(sandboxes, addresses, tls=files):
                for i, (sb, (host, port)) in enumerate(zip(sandboxes, addresses, strict=True)):
                    print(f"Store {i}:", flush=True)
                    scheme = "https" if files is not None else "http"
                    print(f"API URL: {scheme}://{host}:{port}", flush=True)
                    print(f"API token: {sb.full_token}", flush=True)
                while not stop.wait(0.2):
                    pass
        except StoresInUseError as exc:  # raised before anything listens
            host, port = exc.address
            index = addresses.index(exc.address)
            raise UsageError(
                f"Store {index} cannot listen on {host}:{port} (port in use?)"
            ) from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
