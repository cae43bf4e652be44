"""A plain server-rendered status page: integrations, flows, recent runs, open exceptions."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from orderhub.domain import ExceptionStatus
from orderhub.hub import Hub
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import EntityKind, count_records

__all__ = ["render_status_page"]

_env = Environment(
    loader=PackageLoader("orderhub.api", "templates"), autoescape=select_autoescape(default=True)
)


def render_status_page(hub: Hub) -> str:
    with hub.db.session() as session:
        integrations = integration_store.list_integrations(session)
        runs = run_store.list_runs(session, limit=20)
        exceptions = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN, limit=50)
        order_count = count_records(session, EntityKind.ORDER)
    return _env.get_template("status.html").render(
        integrations=integrations,
        runs=runs,
        exceptions=exceptions,
        order_count=order_count,
        available=hub.registry.available("cartcom"),
    )
