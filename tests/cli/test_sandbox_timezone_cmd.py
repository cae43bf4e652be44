"""`orderhub sandbox --timezone`: an unknown zone is refused before anything is served."""

from __future__ import annotations

from .conftest import Cli


def test_an_unknown_time_zone_is_refused_before_serving(cli: Cli) -> None:
    result = cli("sandbox", "--timezone", "Mars/Olympus", "--orders", "1")

    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert "API URL" not in result.output
