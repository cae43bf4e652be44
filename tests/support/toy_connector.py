"""A second connector, in the tests only: an in-memory "Toy Shop" with one pull flow.

It proves the connector interface (`orderhub.connectors.base`): the services, the CLI and the
API add, test, list, run and remove its integrations without a line of Cart.com code. Its
shops live in `SHOPS` (a test adds one with a fresh URL); `toy://NAME` is a shop's URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from orderhub.connectors.base import (
    AccessRefused,
    Connector,
    InvalidStoreUrl,
    PermissionInfo,
    StoreAccess,
)
from orderhub.domain import ConnectionCheck, ConnectionReport, FlowName, Location
from orderhub.engine.context import FlowContext
from orderhub.engine.registry import FlowRegistry
from orderhub.store.entities import EntityKind

__all__ = ["REFUSED", "SHOPS", "ToyConnector", "ToyShop"]

REFUSED = "The toy shop refused the token."
READ_LOCATIONS = "Locations: Read locations"


@dataclass
class ToyShop:
    token: str
    locations: dict[str, str] = field(default_factory=dict)
    """External id -> name."""
    may_read_locations: bool = True
    calls: int = 0


SHOPS: dict[str, ToyShop] = {}


class ToyConnector(Connector):
    kind = "toy"
    display_name = "Toy Shop"
    url_example = "toy://my-shop"
    key_help = "the toy shop's token"

    def register_flows(self, registry: FlowRegistry) -> None:
        registry.register(self.kind, FlowName.LOCATIONS_PULL, ToyLocationsPull.from_context)

    def normalize_url(self, api_url: str) -> str:
        text = api_url.strip().rstrip("/")
        if not text.startswith("toy://") or len(text) == len("toy://"):
            raise InvalidStoreUrl(f"A toy shop's URL is toy://NAME, not {text[:40]!r}")
        return text

    def check_connection(self, access: StoreAccess) -> ConnectionReport:
        try:
            url = self.normalize_url(access.api_url)
        except InvalidStoreUrl as problem:
            return ConnectionReport(ok=False, summary=str(problem))
        shop = SHOPS.get(url)
        if shop is None:
            return ConnectionReport(ok=False, summary=f"No toy shop answers at {url}")
        shop.calls += 1
        if access.token != shop.token:
            return ConnectionReport(ok=False, summary=REFUSED)
        check = ConnectionCheck(
            ok=shop.may_read_locations,
            message=READ_LOCATIONS
            if shop.may_read_locations
            else f'Missing permission "{READ_LOCATIONS}" (blocks locations.pull)',
            permission=READ_LOCATIONS,
            blocked_flows=[] if shop.may_read_locations else [FlowName.LOCATIONS_PULL],
        )
        return ConnectionReport(
            ok=check.ok,
            connected=True,
            summary="Connected." if check.ok else "Connected, but a permission is missing.",
            checks=[check],
        )

    def key_refused(self, report: ConnectionReport) -> bool:
        return report.summary == REFUSED

    def permissions(self) -> Sequence[PermissionInfo]:
        return [PermissionInfo(READ_LOCATIONS, (FlowName.LOCATIONS_PULL,))]


class ToyLocationsPull:
    """Reads the shop's locations whole on every run."""

    name = FlowName.LOCATIONS_PULL

    def __init__(self, shop: ToyShop) -> None:
        self.shop = shop

    @classmethod
    def from_context(cls, ctx: FlowContext) -> ToyLocationsPull:
        return cls(SHOPS[ctx.integration.api_url])

    def run(self, ctx: FlowContext) -> None:
        self.shop.calls += 1
        ctx.api_calls += 1
        if ctx.api_token != self.shop.token or not self.shop.may_read_locations:
            raise AccessRefused("The toy shop refused to list locations")
        with ctx.unit_of_work() as session:
            for ext_id, name in sorted(self.shop.locations.items()):
                location = Location(name=name, ext_location_id=ext_id)
                ctx.upsert(
                    session,
                    EntityKind.LOCATION,
                    ext_id=ext_id,
                    data=location.to_wire(),
                    source_doc={"id": ext_id, "name": name},
                )
        ctx.heartbeat()
