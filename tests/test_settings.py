"""Settings from the environment (pydantic-settings): names, defaults, one clear line for a bad
value, the home folder and who may read it."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from orderhub.alert_settings import AlertSettings
from orderhub.errors import UsageError
from orderhub.settings import Settings
from orderhub.settings_source import env_name

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


def test_every_variable_keeps_its_name_and_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings.from_env({"ORDERHUB_HOME": str(home)})
    assert settings.database_url == f"sqlite:///{home / 'orderhub.db'}"
    assert (settings.call_budget, settings.max_body_bytes, settings.max_in_flight) == (
        "auto",
        1024 * 1024,
        32,
    )
    assert (settings.public_url, settings.metrics_token, settings.secret_key) == (None, None, "")
    assert (settings.log_format, settings.log_level) == ("auto", "INFO")
    assert not settings.trusted_proxies
    read = Settings.from_env(
        {
            "ORDERHUB_HOME": str(home),
            "ORDERHUB_DATABASE_URL": "postgresql+psycopg://hub@db/hub",
            "ORDERHUB_SECRET_KEY": " a key with spaces ",
            "ORDERHUB_CALL_BUDGET": " Database ",
            "ORDERHUB_MAX_BODY_BYTES": "4096",
            "ORDERHUB_MAX_IN_FLIGHT": "8",
            "ORDERHUB_TRUSTED_PROXIES": "10.0.0.5",
            "ORDERHUB_VERIFY_EVERY_HOURS": "6",
            "ORDERHUB_PUBLIC_URL": "https://hub.example.com/",
            "ORDERHUB_METRICS_TOKEN": " scrape ",
            "ORDERHUB_LOG_FORMAT": "JSON",
            "ORDERHUB_LOG_LEVEL": "debug",
            "ORDERHUB_ALERT_FAILED_RUNS": "5",
            "ORDERHUB_SMTP_PASSWORD": " kept as is ",
        }
    )
    assert read.database_url == "postgresql+psycopg://hub@db/hub"
    assert read.secret_key == " a key with spaces "  # a secret is kept byte for byte
    assert (read.call_budget, read.max_body_bytes, read.max_in_flight) == ("database", 4096, 8)
    assert "10.0.0.5" in read.trusted_proxies
    assert (read.verify_every_hours, read.public_url) == (6.0, "https://hub.example.com")
    assert (read.metrics_token, read.log_format, read.log_level) == ("scrape", "json", "DEBUG")
    assert (read.alerts.failed_runs, read.alerts.smtp_password) == (5, " kept as is ")


def test_a_blank_value_is_unset(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ORDERHUB_HOME": str(tmp_path),
            "ORDERHUB_MAX_IN_FLIGHT": "  ",
            "ORDERHUB_PUBLIC_URL": "",
            "ORDERHUB_CALL_BUDGET": " ",
        }
    )
    assert (settings.max_in_flight, settings.public_url, settings.call_budget) == (32, None, "auto")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDERHUB_CALL_BUDGET", "everywhere"),
        ("ORDERHUB_MAX_BODY_BYTES", "1MB"),
        ("ORDERHUB_MAX_IN_FLIGHT", "0"),
        ("ORDERHUB_TRUSTED_PROXIES", "lb.internal"),
        ("ORDERHUB_LOG_FORMAT", "xml"),
        ("ORDERHUB_LOG_LEVEL", "loud"),
        ("ORDERHUB_SMTP_PORT", "smtp"),
        ("ORDERHUB_ALERT_EXCEPTIONS", "-3"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(UsageError) as refused:
        Settings.from_env({"ORDERHUB_HOME": str(tmp_path), name: value})
    message = str(refused.value)
    assert message.startswith(name)
    assert repr(value) in message
    assert "\n" not in message


def test_settings_built_directly_read_nothing_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERHUB_MAX_IN_FLIGHT", "3")
    monkeypatch.setenv("ORDERHUB_ALERT_FAILED_RUNS", "9")
    settings = Settings(home=tmp_path, database_url="sqlite://", secret_key="k")
    assert (settings.max_in_flight, settings.alerts.failed_runs) == (32, 3)
    assert Settings.from_env().max_in_flight == 3  # the process's environment, when asked


def test_replace_validates_like_the_environment_does(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", secret_key="k")
    assert settings.replace(public_url="https://hub.example.com/").public_url == (
        "https://hub.example.com"
    )
    with pytest.raises(UsageError, match="ORDERHUB_CALL_BUDGET"):
        settings.replace(call_budget="nowhere")


def test_secrets_stay_out_of_a_printed_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ORDERHUB_HOME": str(tmp_path),
            "ORDERHUB_SECRET_KEY": "the-secret-key",
            "ORDERHUB_METRICS_TOKEN": "the-metrics-token",
            "ORDERHUB_SMTP_PASSWORD": "the-smtp-password",
            "ORDERHUB_ALERT_WEBHOOK_URL": "https://ops.example.com/hook",
            "ORDERHUB_ALERT_WEBHOOK_SECRET": "the-webhook-secret",
        }
    )
    shown = repr(settings)
    assert "the-" not in shown
    assert "ops.example.com" in shown


def test_the_readme_lists_every_variable() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"ORDERHUB_[A-Z_]+[A-Z]", table))
    for part in re.findall(r"`ORDERHUB_([A-Z]+)_[A-Z_]+` · ((?:`_[A-Z_]+`(?: · )?)+)", table):
        listed |= {f"ORDERHUB_{part[0]}{suffix}" for suffix in re.findall(r"`(_[A-Z_]+)`", part[1])}
    read = {env_name(Settings, name) for name in Settings.model_fields if name != "alerts"}
    read |= {env_name(AlertSettings, name) for name in AlertSettings.model_fields}
    assert read - listed == set()
