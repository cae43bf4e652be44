"""The suite makes its own PostgreSQL cluster when no server is configured, and cleans it up.

How: a separate pytest session runs in a subprocess, without `ORDERHUB_TEST_DATABASE_URL`,
on one small test file written to tmp_path. That session must use *this* suite's fixtures,
but its test file lives outside tests/, where pytest would never find tests/conftest.py. So
the subprocess gets `PYTHONPATH=tests` and `-p conftest`: tests/conftest.py is loaded as a
plugin by module name (with its `support` imports resolving through the same path), and its
fixtures apply to any test file. `-c` points at a tiny ini in tmp_path (markers, warnings as
errors) so the repository's pyproject is not involved and the session is self-contained.

The inner test asks the server where its data directory is and writes it, with the
postmaster's pid and port, to a file. After the session has ended, the outer test checks
that the PostgreSQL variant passed (not skipped) on a cluster under /tmp/orderhub-pg-*, and
that the cluster's directory is gone, its postmaster has exited and its port is closed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.postgres_cluster import (
    DIR_PREFIX,
    ClusterUnavailableError,
    PostgresCluster,
    find_bindir,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TESTS_DIR = Path(__file__).resolve().parent

INNER_INI = """\
[pytest]
addopts = --strict-markers
filterwarnings = error
markers =
    slow: slow
    postgres: postgres
"""

INNER_TEST = """\
import json
import os
from pathlib import Path

from sqlalchemy import text


def test_dialect(database, request):
    kind = request.node.callspec.params["database_url"]
    assert database.engine.dialect.name == kind
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        if kind == "postgresql":
            data_dir = Path(connection.execute(text("SHOW data_directory")).scalar())
            port = int(connection.execute(text("SHOW port")).scalar())
            pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
            info = {"data_dir": str(data_dir), "port": port, "pid": pid}
            Path(os.environ["CLUSTER_INFO"]).write_text(json.dumps(info))
"""


def _process_running(pid: int) -> bool:
    """True while `pid` runs; a zombie (exited, not yet reaped by its parent) counts as gone."""
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_unconfigured_session_runs_on_a_throwaway_cluster_and_removes_it(tmp_path: Path) -> None:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    try:
        PostgresCluster(bindir)
    except ClusterUnavailableError as exc:
        pytest.skip(str(exc))
    (tmp_path / "pytest.ini").write_text(INNER_INI)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
    info_file = tmp_path / "cluster.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env["CLUSTER_INFO"] = str(info_file)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "conftest",
            "-p",
            "no:cacheprovider",
            "-v",
            "-rA",
            "test_inner.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "test_inner.py::test_dialect[postgresql] PASSED" in output, output
    assert "test_inner.py::test_dialect[sqlite] PASSED" in output, output
    assert "skipped" not in output.lower(), output
    cluster = json.loads(info_file.read_text())
    data_dir = Path(cluster["data_dir"])
    assert data_dir.parent.name.startswith(DIR_PREFIX)
    assert not data_dir.parent.exists(), f"cluster directory left behind: {data_dir.parent}"
    assert not _process_running(cluster["pid"]), f"postmaster {cluster['pid']} still runs"
    assert not _port_open(cluster["port"]), f"port {cluster['port']} still answers"
