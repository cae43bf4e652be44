"""Verifications: prove an integration's pull flows hold what its store holds, and the history.

`POST /integrations/{id}/verify` runs the verification in the request (its listings are cheap:
a few calls per thousand records) and answers with one verification per pull flow that is on,
after re-fetching the gaps unless `{"refetch": false}`. `complete` is true when nothing is
missing any more. `GET /integrations/{id}/verifications` is the history, newest first: the
daily ones (`trigger: schedule`) among them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse

from orderhub.api.envelopes import entity_envelope, error_responses, list_envelope, many, one
from orderhub.api.errors import ApiError
from orderhub.api.params import Page, page_params
from orderhub.api.state import ApiState
from orderhub.domain import FlowName, Verification
from orderhub.services.verification import Verifier
from orderhub.store import integrations as integration_store
from orderhub.store import verifications as verification_store

__all__ = ["VerifyBody", "verifications_router"]

_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class VerifyBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    refetch: bool = True
    """False: report the gaps only, fetch nothing again."""


_Verified = entity_envelope(
    "verifications",
    list[Verification],
    title="VerificationResult",
    extra={"complete": (bool, ...)},
)


def verifications_router(
    state: ApiState, read: Callable[..., Any], write: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(tags=["integrations"])
    verifier = Verifier.for_hub(state.hub, runner=state.runner)

    @router.post(
        "/integrations/{integration_id}/verify",
        summary="Verify the integration's pull flows against the store now, re-fetching gaps",
        description=(
            "One verification per pull flow that is on: what the store holds since the "
            "integration was enabled against what the hub holds (`missing`, `stale`), the "
            "first gaps by order number or SKU, and how many the re-fetch repaired. 409 when "
            "the integration is not connected or a verification of it is running."
        ),
        dependencies=[Depends(write)],
        response_model=_Verified,
        responses=_ERRORS,
    )
    def verify(
        integration_id: str, body: Annotated[VerifyBody | None, Body()] = None
    ) -> JSONResponse:
        refetch = body.refetch if body is not None else True
        found = verifier.verify(integration_id, trigger="api", repair=refetch)
        return one(
            "verifications",
            [verification.to_wire() for verification in found],
            complete=all(verification.complete for verification in found),
        )

    @router.get(
        "/integrations/{integration_id}/verifications",
        summary="The integration's verifications, newest first",
        dependencies=[Depends(read)],
        response_model=list_envelope("verifications", Verification, title="VerificationList"),
        responses=_ERRORS,
    )
    def history(
        integration_id: str,
        page: Annotated[Page, Depends(page_params)],
        flow: Annotated[FlowName | None, Query()] = None,
    ) -> JSONResponse:
        with state.hub.db.read_session() as session:
            if integration_store.get_integration(session, integration_id) is None:
                raise ApiError(404, f"No integration with id {integration_id!r}")
            total = verification_store.count_verifications(
                session, integration_id=integration_id, flow=flow
            )
            items = verification_store.list_verifications(
                session,
                integration_id=integration_id,
                flow=flow,
                limit=page.count,
                offset=page.skip,
            )
        values = [item.to_wire() for item in items]
        return many("verifications", values, skip=page.skip, count=page.count, total=total)

    return router
