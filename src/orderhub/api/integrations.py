"""Integrations: list and read them, add one (runs the connection test), switch flows, sync.

Adding one is the portal's Connect: the connection test runs in the request (it takes seconds
and its answer is what the caller needs), and only a store that connects is created, with every
flow off; a failed test is a 422 naming the field to fix, and creates nothing.

A sync never runs in the request: with a scheduler attached, its flows are made due now
(`EmbeddedScheduler.trigger`); without one, a background thread runs them. Either way the
answer is 202 and the runs appear under `/runs?integration=<id>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse

from orderhub.api.envelopes import (
    accepted,
    entity_envelope,
    error_responses,
    list_envelope,
    many,
    one,
)
from orderhub.api.errors import ApiError
from orderhub.api.params import Page, page_params
from orderhub.api.present import integration_wire
from orderhub.api.state import ApiState
from orderhub.background import run_flows
from orderhub.domain import ConnectionReport, FlowName, Integration, IntegrationStatus
from orderhub.services.integration_settings import change_settings
from orderhub.services.integrations import (
    ConnectionFailed,
    add_integration,
    disable_flow,
    enable_flow,
    set_flow_interval,
)
from orderhub.services.sync import request_runs
from orderhub.services.webhook_view import webhook_views
from orderhub.store import integrations as integration_store

__all__ = [
    "AddIntegrationBody",
    "FlowChange",
    "IntegrationUpdate",
    "SyncBody",
    "integrations_router",
]

_MAX_KEY = 2000
_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class AddIntegrationBody(_Body):
    """The two fields of Connect: the store's URL and an API token from its Token Manager."""

    api_url: str = Field(max_length=2000, examples=["https://yourstore.example.com"])
    api_key: SecretStr = Field(description="Shown back only masked, as `apiKeyHint`.")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    connector: str | None = Field(
        default=None,
        max_length=40,
        description="The connector, by name (`orderhub integrations connectors`); "
        "default: the hub's first.",
    )

    @field_validator("api_url")
    @classmethod
    def _url_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("enter your store's URL")
        return value.strip()

    @field_validator("api_key")
    @classmethod
    def _key_given(cls, value: SecretStr) -> SecretStr:
        plain = value.get_secret_value().strip()
        if not plain:
            raise ValueError("paste the store's API token")
        if len(plain) > _MAX_KEY:
            raise ValueError(f"an API key is at most {_MAX_KEY} characters")
        return SecretStr(plain)


class FlowChange(_Body):
    enabled: bool | None = None
    since: AwareDatetime | None = Field(
        default=None, description="When switching on: backfill from this time."
    )
    interval_seconds: int | None = Field(default=None, ge=1, le=86_400)


class IntegrationUpdate(_Body):
    """Switch flows on or off: `{"flows": {"orders.pull": {"enabled": true}}}`; change settings:
    `{"settings": {"productsPushCatalogs": "shared"}}` (null resets one to its default)."""

    flows: dict[FlowName, FlowChange] = Field(default_factory=dict)
    settings: dict[str, str | int | None] = Field(
        default_factory=dict,
        max_length=50,
        description=(
            "Settings to change, checked before any is stored: productsPushCatalogs "
            "(own|shared), productsDefaultStatusId, productsDefaultCategoryId. Each change is "
            "kept in the integration's history."
        ),
    )


class SyncBody(_Body):
    """Which flows to run now; all flows that are on when omitted."""

    flows: list[FlowName] | None = None


_SyncAccepted = entity_envelope(
    "message",
    str,
    title="SyncAccepted",
    extra={"integrationId": (str, ...), "flows": (list[FlowName], ...), "runs": (str, ...)},
)


def integrations_router(
    state: ApiState, read: Callable[..., Any], write: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(tags=["integrations"])
    hub = state.hub

    @router.get(
        "/integrations",
        summary="List integrations",
        dependencies=[Depends(read)],
        response_model=list_envelope("integrations", Integration, title="IntegrationList"),
        responses=_ERRORS,
    )
    def list_integrations(
        page: Annotated[Page, Depends(page_params)],
        status: Annotated[list[IntegrationStatus] | None, Query()] = None,
    ) -> JSONResponse:
        with hub.db.read_session() as session:
            items = integration_store.list_integrations(session)
        if status:
            items = [i for i in items if i.status in status]
        chosen = items[page.skip : page.skip + page.count]
        hooks = webhook_views(hub, chosen)
        values = [integration_wire(hub, i, hooks[i.integration_id]) for i in chosen]
        return many("integrations", values, skip=page.skip, count=page.count, total=len(items))

    @router.get(
        "/integrations/{integration_id}",
        summary="Get one integration with its six flows",
        dependencies=[Depends(read)],
        response_model=entity_envelope("integration", Integration, title="IntegrationEnvelope"),
        responses=_ERRORS,
    )
    def get_integration(integration_id: str) -> JSONResponse:
        return one("integration", integration_wire(hub, _require(state, integration_id)))

    @router.post(
        "/integrations",
        status_code=201,
        summary="Add an integration and test its connection (flows start off)",
        description=(
            "Runs the connection test, as the portal's Connect does, and creates the "
            "integration only if the store connects; `connection` lists what each permission "
            "allows (a missing one in the store's words). A store that cannot be reached or "
            "refuses the token is a 422 naming `apiUrl` or `apiKey`, and creates nothing."
        ),
        dependencies=[Depends(write)],
        response_model=entity_envelope(
            "integration",
            Integration,
            title="IntegrationAdded",
            extra={"connection": (ConnectionReport, ...)},
        ),
        responses=_ERRORS,
    )
    def add(body: Annotated[AddIntegrationBody, Body()]) -> JSONResponse:
        try:
            result = add_integration(
                hub,
                api_url=body.api_url,
                api_key=body.api_key.get_secret_value(),
                name=body.name,
                connector=hub.connectors.find(body.connector).kind if body.connector else None,
            )
        except ConnectionFailed as failed:
            field = "apiKey" if failed.field == "api_key" else "apiUrl"
            raise ApiError(422, f"{field}: {failed.report.summary}") from None
        return one(
            "integration",
            integration_wire(hub, result.integration),
            code=201,
            connection=result.report.to_wire(),
        )

    @router.put(
        "/integrations/{integration_id}",
        summary="Switch flows on or off, backfill from a time, change intervals and settings",
        dependencies=[Depends(write)],
        response_model=entity_envelope("integration", Integration, title="IntegrationUpdated"),
        responses=_ERRORS,
    )
    def update(integration_id: str, body: Annotated[IntegrationUpdate, Body()]) -> JSONResponse:
        integration = _require(state, integration_id)
        available = hub.registry.available(integration.connector)
        for flow, change in body.flows.items():  # refuse the whole change before doing any
            _check_flow_change(flow, change, available)
        if body.settings:  # all checked before any is stored; a bad one is a 422
            change_settings(
                hub,
                integration_id,
                {k: None if v is None else str(v) for k, v in body.settings.items()},
                actor="api",
            )
        for flow, change in body.flows.items():
            _apply_flow_change(state, integration_id, flow, change)
        return one("integration", integration_wire(hub, _require(state, integration_id)))

    @router.post(
        "/integrations/{integration_id}/sync",
        status_code=202,
        summary="Run the integration's flows now, in the background",
        dependencies=[Depends(write)],
        response_model=_SyncAccepted,
        responses=_ERRORS,
    )
    def sync(integration_id: str, body: Annotated[SyncBody | None, Body()] = None) -> JSONResponse:
        integration = _require(state, integration_id)
        flows = _flows_to_sync(state, integration, body.flows if body else None)
        told = request_runs(
            state.hub, integration_id, flows, scheduler=state.scheduler, waker=state.waker
        )
        if told == "none":  # nobody else runs flows here: this process does, on a thread
            state.background.start(
                f"sync {integration_id}",
                lambda: run_flows(state.runner, integration_id, flows),
            )
        return accepted(
            "Sync started",
            integrationId=integration_id,
            flows=[flow.value for flow in flows],
            runs=f"/api/v3/runs?integration={integration_id}",
        )

    return router


def _require(state: ApiState, integration_id: str) -> Integration:
    with state.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    if integration is None:
        raise ApiError(404, f"No integration with id {integration_id!r}")
    return integration


def _check_flow_change(flow: FlowName, change: FlowChange, available: frozenset[FlowName]) -> None:
    if change.since is not None and change.enabled is False:
        raise ApiError(422, f"flows.{flow.value}.since: only applies when switching the flow on")
    switching_on = bool(change.enabled) or change.since is not None
    if switching_on and flow not in available:
        raise ApiError(409, f"{flow.value} is not available yet in this version of OrderHub")


def _apply_flow_change(
    state: ApiState, integration_id: str, flow: FlowName, change: FlowChange
) -> None:
    if change.enabled or change.since is not None:
        enable_flow(state.hub, integration_id, flow, since=change.since)
    elif change.enabled is False:
        disable_flow(state.hub, integration_id, flow)
    if change.interval_seconds is not None:
        set_flow_interval(state.hub, integration_id, flow, change.interval_seconds)


def _flows_to_sync(
    state: ApiState, integration: Integration, requested: list[FlowName] | None
) -> list[FlowName]:
    if integration.status is IntegrationStatus.DISABLED:
        raise ApiError(409, f"Integration {integration.integration_id} is disabled")
    if integration.enabled_at is None:
        raise ApiError(
            409,
            f"Integration {integration.integration_id} has never connected; "
            "fix its API URL or key first",
        )
    enabled = [f.flow for f in integration.flows if f.enabled]
    if requested is None:
        available = state.hub.registry.available(integration.connector)
        flows = [flow for flow in enabled if flow in available]
        if not flows:
            raise ApiError(
                409,
                "No flow is on; switch one on with "
                f'PUT /api/v3/integrations/{integration.integration_id} {{"flows": …}}',
            )
        return flows
    off = [flow.value for flow in dict.fromkeys(requested) if flow not in enabled]
    if off:
        raise ApiError(409, f"These flows are off: {', '.join(off)}; switch them on first")
    return list(dict.fromkeys(requested))
