"""Settings from the environment: the home folder, and who may read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from orderhub.settings import Settings

pytestmark = pytest.mark.usefixtures("loose_umask")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_home_is_private(tmp_path: Path) -> None:
    settings = Settings.from_env({"ORDERHUB_HOME": str(tmp_path / "a" / "home")})
    assert settings.home == tmp_path / "a" / "home"
    assert mode(settings.home) == 0o700


def test_a_home_left_open_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    Settings.from_env({"ORDERHUB_HOME": str(home)})
    assert mode(home) == 0o700


def test_a_key_file_left_open_is_tightened_and_read(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("the key\n")
    (tmp_path / "secret.key").chmod(0o644)
    settings = Settings.from_env({"ORDERHUB_HOME": str(tmp_path)})
    assert settings.secret_key == "the key"
    assert mode(tmp_path / "secret.key") == 0o600
