"""`orderhub exceptions retry` retries what it names: one exception, every open one, or those
of one integration, flow and reason (a group of the portal's exceptions page)."""

from __future__ import annotations

from collections.abc import Callable

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.services.integrations import add_integration
from orderhub.store import exceptions as exception_store
from support.stores import Store

from .conftest import Cli


def raise_on(cli: Cli, integration_id: str, product_id: str, reason: str) -> None:
    with cli.hub.db.session() as session:
        exception_store.raise_exception(
            session,
            integration_id=integration_id,
            flow=FlowName.PRODUCTS_PULL,
            entity_type="product",
            ext_entity_id=product_id,
            exception_type=reason,
            message=f"{reason} on {product_id}",
            raw={"id": int(product_id)},
            now=cli.hub.clock.now(),
        )


def open_attempts(cli: Cli) -> dict[str, int]:
    with cli.hub.db.read_session() as session:
        items = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
    return {e.ext_entity_id: e.attempts for e in items}


def test_a_retry_by_reason_retries_that_group_only(
    cli: Cli, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=1, products=2)
    integration_id = add_integration(
        cli.hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    # Products the store does not hold: a retry finds them gone and closes their exceptions.
    raise_on(cli, integration_id, "99001", "missingSku")
    raise_on(cli, integration_id, "99002", "missingSku")
    for _ in range(2):  # failed twice: not due again for 30 s, so only a retry takes it
        raise_on(cli, integration_id, "99003", "invalidPrice")

    result = cli(
        "exceptions",
        "retry",
        "--integration",
        integration_id,
        "--flow",
        "products.pull",
        "--reason",
        "missingSku",
    )

    assert result.exit_code == 0, result.output
    assert "2 open exception(s) to retry." in result.stdout
    assert "1 exception(s) still open." in result.stdout
    assert open_attempts(cli) == {"99003": 2}


def test_a_retry_names_one_exception_or_a_scope_and_a_known_flow(cli: Cli) -> None:
    both = cli("exceptions", "retry", "abc", "--reason", "missingSku")
    neither = cli("exceptions", "retry")
    bad_flow = cli("exceptions", "retry", "--flow", "nope.pull")
    nothing = cli("exceptions", "retry", "--reason", "missingSku")

    for refused in (both, neither):
        assert refused.exit_code == 1
        assert "Give one exception id, or --all" in refused.stderr
    assert bad_flow.exit_code == 1
    assert "No flow 'nope.pull' (one of: " in bad_flow.stderr
    assert nothing.exit_code == 0
    assert "0 open exception(s) to retry." in nothing.stdout
