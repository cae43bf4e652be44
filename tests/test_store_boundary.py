"""Only the store knows its tables, and only services (and the engine) write: every view,
endpoint and command goes through them."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "orderhub"


def _imports_tables(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "orderhub.store.tables":
                return True
            if node.module == "orderhub.store" and any(a.name == "tables" for a in node.names):
                return True
        if isinstance(node, ast.Import) and any(
            a.name == "orderhub.store.tables" for a in node.names
        ):
            return True
    return False


def test_no_module_outside_the_store_imports_its_tables() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if "store" not in path.relative_to(SRC).parts[:1]
        and _imports_tables(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert offenders == []


def test_the_check_sees_each_spelling_of_the_import() -> None:
    for line in (
        "from orderhub.store.tables import RecordRow",
        "from orderhub.store import tables",
        "import orderhub.store.tables",
    ):
        assert _imports_tables(ast.parse(line)), line
    assert not _imports_tables(ast.parse("from orderhub.store.records import get_record"))


# A component that is not a view: the portal's sign-in throttle keeps its counts in the store.
_WRITERS_ALLOWED = {"portal/ratelimit.py"}


def test_no_view_endpoint_or_command_opens_a_write_transaction() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for folder in ("api", "portal", "cli")
        for path in sorted((SRC / folder).rglob("*.py"))
        if str(path.relative_to(SRC)) not in _WRITERS_ALLOWED
        and ".db.session()" in path.read_text()
    ]
    assert offenders == []
