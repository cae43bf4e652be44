"""A throwaway PostgreSQL cluster for one test session: `initdb` in a temp dir, `pg_ctl` start/stop.

Why: the PostgreSQL variants of the suite should run on any machine that has the PostgreSQL
server installed, not only where someone started a server and exported
`ORDERHUB_TEST_DATABASE_URL`. A private cluster also cannot collide with anyone's data.

How: the cluster lives in a fresh directory `orderhub-pg-*` under /tmp (short, so the unix
socket path stays under the 107-byte limit, and traversable by the `postgres` user). It trusts
local connections, turns durability off (`fsync`, `synchronous_commit`, `full_page_writes`: a
crash loses nothing we care about), listens on a unix socket in that directory and on
127.0.0.1 at a free port. `stop()` stops it with `pg_ctl stop -m immediate` and deletes the
directory. `initdb` and `pg_ctl` refuse to run as root, so under root they run as the
`postgres` OS user (`runuser -u postgres -- …`) and the directory is handed to that user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DIR_PREFIX", "ClusterUnavailableError", "PostgresCluster", "find_bindir"]

DIR_PREFIX = "orderhub-pg-"
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "'127.0.0.1'",
}
_DEBIAN_BINDIRS = Path("/usr/lib/postgresql")
_START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it
_LOG_TAIL = 2000


class ClusterUnavailableError(Exception):
    """A throwaway cluster cannot be made on this machine; the message says why (a skip reason)."""


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """Where `initdb` and `pg_ctl` live: `pg_config --bindir`, the newest Debian one, or PATH."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=10
        )
        # Debian's pg_config comes with libpq-dev and may name a server version not installed.
        if result.returncode == 0 and _has_server_binaries(Path(result.stdout.strip())):
            return Path(result.stdout.strip())
    debian = sorted(_DEBIAN_BINDIRS.glob("*/bin"), key=_version_key, reverse=True)
    for bindir in debian:
        if _has_server_binaries(bindir):
            return bindir
    initdb = shutil.which("initdb")
    if initdb and _has_server_binaries(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """One private PostgreSQL server; `start()`, then `url`, then `stop()` (idempotent)."""

    def __init__(self, bindir: Path, *, parent: Path = Path("/tmp")) -> None:
        self.bindir = bindir
        self.parent = parent
        self.run_as: str | None = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            if shutil.which("runuser") is None:
                raise ClusterUnavailableError("running as root and `runuser` is not installed")
            try:
                pwd.getpwnam(self.run_as)
            except KeyError:
                raise ClusterUnavailableError(
                    "running as root (initdb refuses) and there is no `postgres` OS user"
                ) from None
        self.base: Path | None = None
        self.port: int | None = None

    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def log_file(self) -> Path:
        return self._base() / "server.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database, as the superuser `postgres`."""
        if self.port is None:
            raise RuntimeError("the cluster is not running")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """initdb into a new temp dir and start the server; raises with the server log if not."""
        self.base = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=self.parent))
        try:
            if self.run_as is not None:
                account = pwd.getpwnam(self.run_as)
                os.chown(self.base, account.pw_uid, account.pw_gid)
            self.base.chmod(0o700)
            self._initdb()
            for attempt in range(_START_ATTEMPTS):
                port = _free_port()
                result = self._pg_ctl(
                    "start", "-w", "-t", "60", "-l", str(self.log_file), "-o", f"-p {port}"
                )
                if result.returncode == 0:
                    self.port = port
                    return
                if attempt == _START_ATTEMPTS - 1:
                    raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{self._log_tail()}")
        except BaseException:
            self._remove()
            raise

    def stop(self) -> None:
        """Stop the server at once (nothing needs to survive) and delete its directory."""
        if self.base is None:
            return
        try:
            if self.port is not None and (self.data_dir / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
        finally:
            self.port = None
            self._remove()

    def postmaster_pid(self) -> int | None:
        """The server's process id while it runs (first line of postmaster.pid)."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _base(self) -> Path:
        if self.base is None:
            raise RuntimeError("the cluster has not been started")
        return self.base

    def _initdb(self) -> None:
        result = self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}")
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{self._base()}'"}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# orderhub test cluster\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args])

    def _run(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        # cwd: the postgres user may not be able to enter the caller's working directory.
        return subprocess.run(
            [*prefix, *command],
            cwd=self._base(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            check=False,
            timeout=120,
        )

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-_LOG_TAIL:]
        except OSError:
            return "(no server log)"

    def _remove(self) -> None:
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
