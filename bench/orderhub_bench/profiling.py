"""cProfile of a timed section, written as text a reader can skim: top functions and a
breakdown of own time by layer (SQLite, SQLAlchemy, HTTP client, mapping, pydantic…)."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LAYERS", "layer_of", "profiled", "pyspy_executable", "summarise_pyspy"]

# (substring of the file path or built-in name, layer); the first match wins.
LAYERS: tuple[tuple[str, str], ...] = (
    ("sqlite3", "sqlite3 (C: SQL execution, commits)"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/orderhub/connectors/cartcom/mapping/", "orderhub mapping (Cart.com → canonical)"),
    ("/orderhub/store/", "orderhub store (upsert, hash, feed)"),
    ("/orderhub/connectors/cartcom/", "orderhub Cart.com client/flow"),
    ("/orderhub/engine/", "orderhub engine"),
    ("/orderhub/domain/", "orderhub domain models"),
    ("/pydantic", "pydantic"),
    ("/httpx/", "HTTP client (httpx/httpcore/h11)"),
    ("/httpcore/", "HTTP client (httpx/httpcore/h11)"),
    ("/h11/", "HTTP client (httpx/httpcore/h11)"),
    ("recv_into", "socket wait (sandbox answering)"),
    ("sendall", "socket wait (sandbox answering)"),
    ("socket", "socket wait (sandbox answering)"),
    ("select", "socket wait (sandbox answering)"),
    ("/json/", "json (stdlib encode/decode)"),
    ("_json", "json (stdlib encode/decode)"),
    ("json", "json (stdlib encode/decode)"),
    ("hashlib", "hashing"),
    ("sha256", "hashing"),
    ("/decimal", "decimal"),
    ("datetime", "datetime"),
)


def layer_of(filename: str, name: str) -> str:
    haystack = f"{filename} {name}"
    for needle, layer in LAYERS:
        if needle in haystack:
            return layer
    return "other Python" if filename not in ("~", "") else "other built-ins"


@contextmanager
def profiled(path: Path | None, *, title: str, top: int = 35) -> Iterator[dict[str, float]]:
    """Profile the body when `path` is set; the yielded dict gets own seconds per layer."""
    layers: dict[str, float] = {}
    if path is None:
        yield layers
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield layers
    finally:
        profile.disable()
    stats = pstats.Stats(profile)
    totals: dict[str, float] = defaultdict(float)
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        totals[layer_of(filename, name)] += tottime
    grand = sum(totals.values()) or 1.0
    layers.update(sorted(totals.items(), key=lambda kv: -kv[1]))
    out = io.StringIO()
    out.write(f"{title}\n\n")
    out.write("Own time by layer (cProfile tottime; profiling inflates Python-heavy layers):\n")
    for layer, seconds in layers.items():
        out.write(f"  {seconds:8.2f} s  {100 * seconds / grand:5.1f} %  {layer}\n")
    for key, label in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.write(f"\n=== top {top} functions by {label} ===\n")
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).strip_dirs().sort_stats(key).print_stats(top)
        out.write(_trim(buffer.getvalue()))
    path.write_text(out.getvalue())


def _trim(text: str) -> str:
    """pstats output without its preamble lines up to the column header."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith("ncalls"):
            return "\n".join(lines[index:]) + "\n"
    return text


def pyspy_executable() -> str | None:
    """py-spy from the venv or PATH, if installed (optional: `pip install py-spy`)."""
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


# py-spy samples Python frames only: a leaf that just calls into C stands for that C work.
_PYSPY_LEAVES: dict[tuple[str, str], str] = {
    ("do_execute", "default.py"): "sqlite3 (C: SQL execution, commits)",
    ("do_executemany", "default.py"): "sqlite3 (C: SQL execution, commits)",
    ("do_commit", "default.py"): "sqlite3 (C: SQL execution, commits)",
    ("read", "sync.py"): "socket wait (sandbox answering)",
    ("write", "sync.py"): "socket wait (sandbox answering)",
}

_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def summarise_pyspy(
    raw: Path, *, title: str, within: str = "orderhub/connectors/cartcom/flows/", top: int = 30
) -> tuple[str, dict[str, float]]:
    """Own and inclusive shares of samples per function, and own share per layer.

    `raw` is py-spy's `--format raw` output: one `frame;frame;…;leaf count` line per stack.
    Only stacks passing through a flow's `run` method in a file under `within` count (the
    flow's thread while it runs: imports, setup and the lease thread are left out).
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        names = [_function(frame) for frame in stack.split(";")]
        runs = [i for i, (n, f) in enumerate(names) if within in f and n.endswith(".run")]
        if not runs:
            continue
        names = names[runs[0] :]  # from the flow's run down: the callers above are all 100 %
        total += count
        leaf_name, leaf_file = names[-1]
        own[f"{leaf_name} ({leaf_file})"] += count
        layers[_pyspy_layer(leaf_name, leaf_file)] += count
        for name, file in set(names):
            inclusive[f"{name} ({file})"] += count
    total = total or 1
    shares = {layer: count / total for layer, count in layers.most_common()}
    out = io.StringIO()
    out.write(f"{title}: {total} samples\n\nOwn samples by layer:\n")
    for layer, share in shares.items():
        out.write(f"  {100 * share:5.1f} %  {layer}\n")
    for label, counter in (("own", own), ("inclusive", inclusive)):
        out.write(f"\n=== top {top} functions by {label} samples ===\n")
        for name, count in counter.most_common(top):
            out.write(f"  {100 * count / total:5.1f} %  {name}\n")
    return out.getvalue(), shares


def _pyspy_layer(name: str, file: str) -> str:
    special = _PYSPY_LEAVES.get((name.rsplit(".", 1)[-1], file.rsplit("/", 1)[-1]))
    if special is not None and ("sqlalchemy" in file or "httpcore" in file):
        return special
    return layer_of("/" + file, name)


def _function(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip(), ""
    return match.group("name"), match.group("file")
