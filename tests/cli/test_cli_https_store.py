"""The connector's https path (the only one it allows to a store that is not on loopback),
against the sandbox served with TLS: trusted through ORDERHUB_CA_BUNDLE, refused without it."""

from __future__ import annotations

import json
from pathlib import Path

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox
from orderhub.connectors.cartcom.sandbox.tls import make_tls_files

from .conftest import Cli


def test_a_store_over_https_connects_only_when_its_certificate_is_trusted(
    cli: Cli, tmp_path: Path
) -> None:
    files = make_tls_files(tmp_path / "tls")
    sandbox = Sandbox(SandboxConfig(seed=6, orders=3, products=3, plan="unlimited"))
    with serve_sandbox(sandbox, tls=files) as store:
        assert store.url.startswith("https://127.0.0.1:")
        add = ("integrations", "add", "cartcom", "--api-url", store.url)
        key = ("--api-key", sandbox.full_token, "--json")

        untrusted = cli(*add, *key)
        assert untrusted.exit_code == 1
        assert "certificate" in untrusted.stderr.lower()

        cli.env["ORDERHUB_CA_BUNDLE"] = str(files.ca_cert)
        trusted = cli(*add, *key)
        assert trusted.exit_code == 0, trusted.stderr
        integration_id = json.loads(trusted.stdout)["integrationId"]
        assert cli("flows", "enable", integration_id, "locations.pull").exit_code == 0
        synced = cli("sync", integration_id, "locations.pull")
        assert synced.exit_code == 0, synced.stderr

    listed = json.loads(cli("locations", "list", "--json").stdout)
    assert len(listed) == 4  # two warehouses and two store locations, read over https
    assert sandbox.calls()["byEndpoint"]["GET /warehouses"] >= 1
