"""Settings from the environment: the home folder, and who may read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from orderhub.errors import UsageError
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


def test_verify_every_hours_defaults_to_a_day_and_zero_means_never(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    assert Settings.from_env({"ORDERHUB_HOME": home}).verify_every_hours == 24.0
    settings = Settings.from_env({"ORDERHUB_HOME": home, "ORDERHUB_VERIFY_EVERY_HOURS": "0"})
    assert settings.verify_every_hours == 0.0
    half = Settings.from_env({"ORDERHUB_HOME": home, "ORDERHUB_VERIFY_EVERY_HOURS": " 0.5 "})
    assert half.verify_every_hours == 0.5


@pytest.mark.parametrize("value", ["-1", "daily", "nan", "inf", "1e9"])
def test_verify_every_hours_refuses_what_is_not_a_sane_number_of_hours(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(UsageError, match="ORDERHUB_VERIFY_EVERY_HOURS"):
        Settings.from_env(
            {"ORDERHUB_HOME": str(tmp_path / "home"), "ORDERHUB_VERIFY_EVERY_HOURS": value}
        )
