"""Only Cart.com's own folder knows Cart.com: the rest of the hub uses the connector interface
(`orderhub.connectors.base`), so a second connector needs no change outside its folder."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "orderhub"
OWN_FOLDER = ("connectors", "cartcom")

ALLOWED = {
    # The composition root: the built-in connector is registered by name here, once.
    "connectors/registry.py": "registers the built-in connector",
    # The commands of the simulated Cart.com store (`orderhub sandbox`, `orderhub demo`): they
    # start the sandbox itself, and move into the connector once the CLI takes commands from
    # connectors.
    "cli/sandbox_cmd.py": "serves the Cart.com sandbox",
    "cli/demo_cmd.py": "runs the hub against the Cart.com sandbox",
}


def _outside() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[:2] != OWN_FOLDER
        and "migrations" not in path.relative_to(SRC).parts  # old revisions keep their words
    ]


def _names_cartcom(path: Path) -> bool:
    return "cartcom" in path.read_text().lower()


def _imports_cartcom(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module, names = node.module or "", [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            module, names = "", [alias.name for alias in node.names]
        else:
            continue
        spelled = [module, *names, *(f"{module}.{name}" for name in names)]
        if any(s.startswith("orderhub.connectors.cartcom") for s in spelled):
            return True
    return False


def test_no_module_outside_the_cartcom_connector_names_it() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _outside()
        if str(path.relative_to(SRC)) not in ALLOWED and _names_cartcom(path)
    ]
    assert offenders == []


def test_no_module_outside_the_cartcom_connector_imports_it() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _outside()
        if str(path.relative_to(SRC)) not in ALLOWED
        and _imports_cartcom(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert offenders == []


def test_each_exception_is_still_needed() -> None:
    # An allowed module that no longer names Cart.com leaves the list.
    assert [name for name in ALLOWED if not _names_cartcom(SRC / name)] == []


def test_the_check_sees_each_spelling_of_the_import() -> None:
    for line in (
        "from orderhub.connectors.cartcom.client import CartcomClient",
        "from orderhub.connectors import cartcom",
        "import orderhub.connectors.cartcom.errors",
    ):
        assert _imports_cartcom(ast.parse(line)), line
    assert not _imports_cartcom(ast.parse("from orderhub.connectors.base import Connector"))
