"""Only Cart.com's own folder knows Cart.com: the rest of the hub uses the connector interface
(`orderhub.connectors.base`), so a second connector needs no change outside its folder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "orderhub"
OWN_FOLDER = ("connectors", "cartcom")

ALLOWED = {
    # The product says what it is for.
    "__init__.py": "the package docstring: a hub with a Cart.com connector",
    # The composition root: the built-in connector is registered by name here, once.
    "connectors/registry.py": "registers the built-in connector",
    # The commands of the simulated Cart.com store (`orderhub sandbox`, `orderhub demo`): they
    # start the sandbox itself, and move into the connector once the CLI takes commands from
    # connectors.
    "cli/sandbox_cmd.py": "serves the Cart.com sandbox",
    "cli/demo_cmd.py": "runs the hub against the Cart.com sandbox",
}
"""Files outside the connector's folder that may name Cart.com (path -> why). Migrations are
history and keep their words (`_outside` leaves them out)."""

NAMES = re.compile(r"cart\.com|cartcom|americommerce|x-ac-", re.IGNORECASE)
"""Cart.com by name, by its old name (AmeriCommerce, its hosts), or by its headers."""


def _outside(*, text_only: bool = False) -> list[Path]:
    """Every source file outside the connector's folder and the migrations (`*.py`, or with
    `text_only`, every file that reads as text: templates, styles, data)."""
    found = []
    for path in sorted(SRC.rglob("*" if text_only else "*.py")):
        parts = path.relative_to(SRC).parts
        if parts[:2] == OWN_FOLDER or "migrations" in parts or "__pycache__" in parts:
            continue
        if path.is_file():
            found.append(path)
    return found


def _naming_lines(path: Path) -> list[str]:
    """`file:line: text` of each line that names Cart.com (none for a file that is not text)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    where = path.relative_to(SRC)
    return [
        f"{where}:{number}: {line.strip()[:100]}"
        for number, line in enumerate(text.splitlines(), start=1)
        if NAMES.search(line)
    ]


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


def test_nothing_outside_the_cartcom_connector_names_it() -> None:
    # Code asks the connector (`Connector.display_name`, `call_plans`, `key_steps`, …); pages
    # and messages take the store's name from the integration's connector; prose says "the
    # store". A line found here belongs in `connectors/cartcom/` or in those words.
    offenders = [
        line
        for path in _outside(text_only=True)
        if str(path.relative_to(SRC)) not in ALLOWED
        for line in _naming_lines(path)
    ]
    assert offenders == [], "\n".join(offenders)


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
    assert [name for name in ALLOWED if not _naming_lines(SRC / name)] == []


def test_the_check_sees_each_way_of_naming_cartcom() -> None:
    for line in (
        "Pull orders from Cart.com",
        'KIND = "cartcom"',
        "e.g. https://yourstore.americommerce.com",
        "the X-AC-Call-Limit header",
    ):
        assert NAMES.search(line), line
    assert not NAMES.search("the store's call limit header")


def test_the_check_sees_each_spelling_of_the_import() -> None:
    for line in (
        "from orderhub.connectors.cartcom.client import CartcomClient",
        "from orderhub.connectors import cartcom",
        "import orderhub.connectors.cartcom.errors",
    ):
        assert _imports_cartcom(ast.parse(line)), line
    assert not _imports_cartcom(ast.parse("from orderhub.connectors.base import Connector"))
