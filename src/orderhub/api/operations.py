"""Run history and sync exceptions: read them, retry failed records, resolve by hand.

A retry re-runs the failed record's flow (even a flow that is off), which re-fetches the record
from the store; it runs in the background and answers 202. Resolving closes an exception
without a retry, when the merchant has fixed or accepted it elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
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
from orderhub.api.params import Page, TimeWindow, check_window, page_params, time_window
from orderhub.api.state import ApiState
from orderhub.domain import (
    ExceptionStatus,
    FlowName,
    IntegrationStatus,
    Run,
    RunStatus,
    SyncException,
)
from orderhub.engine.errors import RunRefused
from orderhub.errors import NotFoundError
from orderhub.services.exceptions import (
    RetryScope,
    count_to_retry,
    resolve_exception,
    retry_exceptions,
)
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.exceptions import ExceptionFilter, page_exceptions
from orderhub.store.runs import RunFilter, page_runs

__all__ = ["operations_router"]

log = logging.getLogger(__name__)

_ERRORS = error_responses(400, 401, 403, 404, 409)
_Accepted = entity_envelope("message", str, title="RetryAccepted", extra={"exceptions": (int, ...)})


def operations_router(
    state: ApiState, read: Callable[..., Any], write: Callable[..., Any]
) -> APIRouter:
    router = APIRouter()
    hub = state.hub

    @router.get(
        "/runs",
        summary="Flow runs, newest first",
        tags=["runs"],
        dependencies=[Depends(read)],
        response_model=list_envelope("runs", Run, title="RunList"),
        responses=_ERRORS,
    )
    def list_runs(
        page: Annotated[Page, Depends(page_params)],
        integration: Annotated[str | None, Query()] = None,
        flow: Annotated[list[FlowName] | None, Query()] = None,
        status: Annotated[list[RunStatus] | None, Query()] = None,
        since: Annotated[
            AwareDatetime | None, Query(description="Runs started at or after this time.")
        ] = None,
        until: Annotated[
            AwareDatetime | None, Query(description="Runs started at or before this time.")
        ] = None,
    ) -> JSONResponse:
        window = check_window(since, until, names=("since", "until"))
        where = RunFilter(
            integration=integration,
            flows=tuple(f.value for f in flow or ()),
            statuses=tuple(s.value for s in status or ()),
            since=window.since,
            until=window.until,
        )
        with hub.db.read_session() as session:
            runs, total = page_runs(session, where, skip=page.skip, count=page.count)
        values = [run.to_wire() for run in runs]
        return many("runs", values, skip=page.skip, count=page.count, total=total)

    @router.get(
        "/runs/{run_id}",
        summary="Get one run",
        tags=["runs"],
        dependencies=[Depends(read)],
        response_model=entity_envelope("run", Run, title="RunEnvelope"),
        responses=_ERRORS,
    )
    def get_run(run_id: str) -> JSONResponse:
        with hub.db.read_session() as session:
            run = run_store.get_run(session, run_id)
        if run is None:
            raise ApiError(404, "No results")
        return one("run", run.to_wire())

    @router.get(
        "/exceptions",
        summary="Records that failed to sync, most recently failed first",
        tags=["exceptions"],
        dependencies=[Depends(read)],
        response_model=list_envelope("exceptions", SyncException, title="ExceptionList"),
        responses=_ERRORS,
    )
    def list_exceptions(
        page: Annotated[Page, Depends(page_params)],
        window: Annotated[TimeWindow, Depends(time_window)],
        status: Annotated[
            list[ExceptionStatus] | None, Query(description="open, resolved, or both.")
        ] = None,
        integration: Annotated[str | None, Query()] = None,
        flow: Annotated[list[FlowName] | None, Query()] = None,
        reason: Annotated[
            list[str] | None,
            Query(description="Any of these exception codes (`missingSku`; repeatable)."),
        ] = None,
    ) -> JSONResponse:
        where = ExceptionFilter(
            integration=integration,
            flows=tuple(f.value for f in flow or ()),
            statuses=tuple(s.value for s in status or ()),
            updated_since=window.since,
            updated_until=window.until,
            reasons=tuple(reason or ()),
        )
        with hub.db.read_session() as session:
            items, total = page_exceptions(session, where, skip=page.skip, count=page.count)
        values = [item.to_wire() for item in items]
        return many("exceptions", values, skip=page.skip, count=page.count, total=total)

    # Declared before /exceptions/{exception_id}/… so "retry" is never taken for an id.
    @router.post(
        "/exceptions/retry",
        status_code=202,
        summary="Retry the open exceptions, or those of one integration, flow or reason, "
        "in the background",
        description="One run per flow concerned; each retries now exactly the open exceptions "
        "the filters take (`integration`, `flow`, `reason` together: one group of the portal's "
        "exceptions page). `exceptions` in the answer counts them.",
        tags=["exceptions"],
        dependencies=[Depends(write)],
        response_model=_Accepted,
        responses=_ERRORS,
    )
    def retry_all(
        integration: Annotated[str | None, Query()] = None,
        flow: Annotated[FlowName | None, Query(description="Only this flow's.")] = None,
        reason: Annotated[
            str | None,
            Query(description="Only this exception code's (`missingSku`).", max_length=64),
        ] = None,
    ) -> JSONResponse:
        scope = RetryScope(integration, flow, reason)
        try:
            still_open = count_to_retry(hub, scope)
        except NotFoundError as missing:
            raise ApiError(404, str(missing)) from None
        if still_open == 0:
            return accepted("No open exceptions to retry", exceptions=0)
        state.background.start("retry exceptions", lambda: retry_exceptions(state.runner, scope))
        return accepted("Retry started", exceptions=still_open)

    @router.get(
        "/exceptions/{exception_id}",
        summary="Get one exception with the raw record",
        tags=["exceptions"],
        dependencies=[Depends(read)],
        response_model=entity_envelope("exception", SyncException, title="ExceptionEnvelope"),
        responses=_ERRORS,
    )
    def get_exception(exception_id: str) -> JSONResponse:
        return one("exception", _require(state, exception_id).to_wire())

    @router.post(
        "/exceptions/{exception_id}/retry",
        status_code=202,
        summary="Retry one exception's record now, in the background",
        tags=["exceptions"],
        dependencies=[Depends(write)],
        response_model=_Accepted,
        responses=_ERRORS,
    )
    def retry_one(exception_id: str) -> JSONResponse:
        item = _require(state, exception_id)
        if item.status is ExceptionStatus.RESOLVED:
            raise ApiError(409, f"Exception {exception_id} is resolved already")
        _require_runnable(state, item.integration)
        state.background.start(f"retry {exception_id}", lambda: _retry(state, exception_id))
        return accepted("Retry started", exceptions=1)

    @router.post(
        "/exceptions/{exception_id}/resolve",
        summary="Mark an exception resolved without retrying it",
        tags=["exceptions"],
        dependencies=[Depends(write)],
        response_model=entity_envelope("exception", SyncException, title="ExceptionResolved"),
        responses=_ERRORS,
    )
    def resolve(exception_id: str) -> JSONResponse:
        try:
            resolved = resolve_exception(hub, exception_id, actor="api")
        except NotFoundError:
            raise ApiError(404, "No results") from None
        if not resolved.resolved_now:
            raise ApiError(409, f"Exception {exception_id} is resolved already")
        return one("exception", resolved.exception.to_wire())

    return router


def _require(state: ApiState, exception_id: str) -> SyncException:
    with state.hub.db.read_session() as session:
        item = exception_store.get_exception(session, exception_id)
    if item is None:
        raise ApiError(404, "No results")
    return item


def _require_runnable(state: ApiState, integration_id: str) -> None:
    with state.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    if integration is None:  # pragma: no cover - exceptions go with their integration
        raise ApiError(404, f"No integration with id {integration_id!r}")
    if integration.status is IntegrationStatus.DISABLED or integration.enabled_at is None:
        raise ApiError(
            409, f"Integration {integration_id} is not connected; its flows cannot run now"
        )


def _retry(state: ApiState, exception_id: str) -> None:
    try:
        state.runner.retry_exception(exception_id)
    except RunRefused as refused:
        # Busy: the run going on retries the record anyway. Anything else: say why in the log.
        log.info("retry of %s not run: %s", exception_id, refused)
