"""The flows go through the flow context: no module under connectors/cartcom/flows imports the
store (issue #11: everything a flow needs — reads, change feed, notes, copies — is the
context's)."""

from __future__ import annotations

import ast
from pathlib import Path

import orderhub.connectors.cartcom.flows as flows_package

FLOWS = Path(flows_package.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_flow_module_imports_the_store() -> None:
    modules = sorted(FLOWS.glob("*.py"))
    assert len(modules) >= 6
    offenders = {
        path.name: sorted(n for n in _imports(path) if n.startswith("orderhub.store"))
        for path in modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}
