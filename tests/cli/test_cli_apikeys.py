"""`orderhub apikeys create` says which key it made, and for whom when it was named."""

from __future__ import annotations

import json
import re

from .conftest import Cli


def test_a_named_key_is_for_its_name(cli: Cli) -> None:
    result = cli("apikeys", "create", "--name", "erp", "--scope", "read")

    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"API key [0-9a-f]+ \(read\) for erp:", first), first


def test_an_unnamed_key_is_not_for_api_key(cli: Cli) -> None:
    result = cli("apikeys", "create")

    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"API key [0-9a-f]+ \(readwrite\):", first), first
    [listed] = json.loads(cli("apikeys", "list", "--json").stdout)
    assert listed["name"] == "API key"
