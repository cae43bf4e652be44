"""The deploy examples call commands and options that exist, and scrape what the processes
serve: each `orderhub …` line in deploy/ is parsed by the real command line (nothing runs)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from orderhub.cli.main import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def parse(args: list[str]) -> Any:
    """Resolve `args` down to its command and parse its options, as `orderhub` would (a bad
    option raises a usage error)."""
    group = typer.main.get_command(app)
    context = group.make_context("orderhub", list(args), resilient_parsing=False)
    command: Any = group
    while hasattr(command, "resolve_command"):  # a group: go down to the command
        name, sub, rest = command.resolve_command(
            context, [*getattr(context, "_protected_args", []), *context.args]
        )
        assert sub is not None, name
        context = sub.make_context(name, rest, parent=context)
        command = sub
    return context


def compose_commands() -> dict[str, list[str]]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return {
        name: service["command"]
        for name, service in compose["services"].items()
        if "command" in service
    }


def systemd_commands() -> dict[str, list[str]]:
    found = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith(("ExecStart=", "ExecStartPre=")):
                words = shlex.split(line.split("=", 1)[1].replace("%i", "1"))
                assert words[0].endswith("/orderhub")
                found[f"{unit.name} {line.split('=')[0]}"] = words[1:]
    return found


def procfile_commands() -> dict[str, list[str]]:
    found = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            words = shlex.split(command.replace("${PORT:-8017}", "8017"))
            assert words[0] == "orderhub"
            found[name] = words[1:]
    return found


COMMANDS = {**compose_commands(), **systemd_commands(), **procfile_commands()}


@pytest.mark.parametrize("where", sorted(COMMANDS))
def test_each_deploy_command_parses(where: str) -> None:
    context = parse(COMMANDS[where])
    assert context.command.name in {"serve", "worker", "upgrade"}


def test_compose_runs_web_workers_and_postgres_and_probes_readiness() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker"}
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["worker"]["healthcheck"]["test"])
    assert (
        services["worker"]["command"][services["worker"]["command"].index("--metrics-port") + 1]
        == "9108"
    )
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert {job["job_name"] for job in scrape["scrape_configs"]} == {
        "orderhub-web",
        "orderhub-worker",
    }
