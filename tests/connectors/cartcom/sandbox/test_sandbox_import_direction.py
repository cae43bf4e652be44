"""The sandbox's modules import one way: no cycle, counting imports made inside functions and
under TYPE_CHECKING (a part names a small Protocol of what it uses — `parts.SandboxParts`,
`render.RowSource`, `datastore.OrderMaker`, `answers.AnswerHolder`, `codegen.Compilable` —
never the module that builds it)."""

from __future__ import annotations

import ast
from pathlib import Path

import orderhub.connectors.cartcom.sandbox as package

SANDBOX = Path(package.__file__).parent


def _imports() -> dict[str, set[str]]:
    modules = {path.stem for path in SANDBOX.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in SANDBOX.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                found |= {name for name in names if name in modules}
        graph[path.stem] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_sandbox_modules_import_without_a_cycle() -> None:
    graph = _imports()
    assert {"datastore", "sandbox", "parts"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_a_cycle_would_be_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
