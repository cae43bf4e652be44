"""The location mapping: a store location mapped onto a hub location is not pulled as one of its
own, its old copy goes inactive (kept: records point at it), and unmapping brings it back.

In process against the sandbox (`SandboxTransport`); the setting goes through the service the
portal, the API and the CLI use (`change_settings`), then locations.pull runs as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Location, Run, RunStatus
from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.services.integration_settings import change_settings, integration_settings
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, Origin, list_records, upsert_record
from orderhub.store.timeline import timeline

STORE_URL = "http://127.0.0.1:9"  # never opened: the in-process transport answers
PULL = FlowName.LOCATIONS_PULL


@dataclass
class Shop:
    hub: Hub
    integration_id: str

    def run(self) -> Run:
        run = self.hub.runner().run_flow(self.integration_id, PULL)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def change(self, **changes: str | None) -> list[str]:
        return change_settings(self.hub, self.integration_id, changes, actor="cli")

    def held(self) -> dict[str, tuple[str, str, str]]:
        """This store's locations: ext id -> (hub id, name, status)."""
        with self.hub.db.read_session() as session:
            found = list_records(session, EntityKind.LOCATION, integration_id=self.integration_id)
        return {r.ext_id: (r.hub_id, r.data["name"], r.data["status"]) for r in found}

    def hub_location(self, name: str) -> str:
        """A location made in the hub (not pulled), as the API or an import makes one."""
        with self.hub.db.session() as session:
            result = upsert_record(
                session,
                EntityKind.LOCATION,
                integration_id=None,
                ext_id=f"hub:{name}",
                data=Location(name=name, kind="hub").to_wire(),
                source_doc=None,
                origin=Origin(None, actor="api"),
                now=self.hub.clock.now(),
            )
        return result.hub_id

    def notes(self, hub_id: str) -> list[str]:
        with self.hub.db.read_session() as session:
            return [e.note for e in timeline(session, EntityKind.LOCATION, hub_id) if e.note]

    def shown(self) -> str:
        found = integration_settings(self.hub, self.integration_id)
        return next(s.text for s in found if s.spec.key == "locationMap")


@pytest.fixture
def shop(hub: Hub) -> Iterator[Shop]:
    sandbox = Sandbox(SandboxConfig(seed=62, orders=2, products=4, plan="unlimited"))
    with httpx.Client(transport=SandboxTransport(sandbox.app)) as http:
        hub.http_factory = lambda _integration: http
        added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
        assert added.report.connected, added.report.summary
        shop = Shop(hub, added.integration.integration_id)
        enable_flow(hub, shop.integration_id, PULL)
        yield shop


def test_a_mapped_warehouse_is_no_location_of_its_own_until_unmapped(shop: Shop) -> None:
    hub = shop.hub
    east = shop.hub_location("WH-East")
    shop.run()
    before = shop.held()
    copy_id, main_name, status = before["warehouse:1"]
    assert status == "active"
    with hub.db.read_session() as session:
        total = len(list_records(session, EntityKind.LOCATION, limit=1000))

    lines = shop.change(locationMap=f"{main_name.upper()}=wh-east")
    assert lines == [
        f"locationMap: (every store location is a hub location of its own) → {main_name}=WH-East"
    ]
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, shop.integration_id)
        state = integration_store.get_flow_state(session, shop.integration_id, PULL)
    assert integration is not None
    assert integration.settings["locationMap"] == {"warehouse:1": east}
    assert state.next_run_at is not None
    assert state.next_run_at <= hub.clock.now()

    shop.run()
    after = shop.held()
    assert after["warehouse:1"] == (copy_id, main_name, "inactive")  # kept, not deleted
    assert all(s == "active" for ext, (_h, _n, s) in after.items() if ext != "warehouse:1")
    with hub.db.read_session() as session:
        active = [
            r
            for r in list_records(session, EntityKind.LOCATION, limit=1000)
            if r.data["status"] == "active"
        ]
    assert len(active) == total - 1  # no duplicate of WH-East
    assert any("Mapped to the hub location 'WH-East'" in n for n in shop.notes(copy_id))
    assert any(f"{main_name!r} (warehouse:1) is mapped onto" in n for n in shop.notes(east))
    assert shop.shown() == f"{main_name}=WH-East"  # the inactive copy still names it

    shop.run()  # again: nothing more to do
    assert shop.held() == after

    shop.change(locationMap=None)
    shop.run()
    assert shop.held()["warehouse:1"] == (copy_id, main_name, "active")


def test_a_store_location_the_hub_has_not_seen_maps_by_its_id_and_is_never_made(
    shop: Shop,
) -> None:
    dallas = shop.hub_location("Dallas DC")
    shop.change(locationMap="Warehouse:2=Dallas DC")  # before any pull: by its id
    shop.run()
    held = shop.held()
    assert "warehouse:2" not in held
    assert "warehouse:1" in held
    assert shop.shown() == "warehouse:2=Dallas DC"
    shop.change(locationMap="")  # unmapped: the next run makes it
    shop.run()
    assert shop.held()["warehouse:2"][2] == "active"
    assert dallas not in {hub_id for hub_id, _n, _s in shop.held().values()}


def test_a_bad_mapping_names_what_is_wrong_and_changes_nothing(shop: Shop) -> None:
    shop.hub_location("WH-East")
    shop.hub_location("WH-West")
    shop.run()
    held = shop.held()
    main_name = held["warehouse:1"][1]
    other = held["warehouse:2"][1]
    cases = {
        "Atlantis=WH-East": "no store location is called 'Atlantis' as locations.pull last saw",
        f"{main_name}=Nowhere": "no hub location is called 'Nowhere'",
        f"{main_name}=WH-East, {other}=wh-east": "are both mapped to 'wh-east'",
        f"{main_name}=WH-East, warehouse:1=WH-West": "is given twice",
        f"{main_name}={other}": f"{other!r} is this store's own location warehouse:2",
        "#999=WH-East": "no store location is called '#999'",
        "Main": "write each of the locations as KEY=VALUE",
        ", ".join(f"warehouse:{n}=WH-East" for n in range(1, 202)): "takes at most 200",
        f"{'x' * 201}=WH-East": "is longer than 200 characters",
    }
    for text, message in cases.items():
        with pytest.raises(UsageError, match="locationMap: ") as refused:
            shop.change(locationMap=text, inventoryBuffer="4")
        assert message in str(refused.value), (text, str(refused.value))
    with shop.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, shop.integration_id)
    assert integration is not None
    assert "locationMap" not in integration.settings
    assert "inventoryBuffer" not in integration.settings
