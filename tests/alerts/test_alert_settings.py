"""Alert settings from the environment: defaults, channels, and one clear line for a bad value."""

from __future__ import annotations

import pytest

from orderhub.alert_settings import AlertSettings
from orderhub.errors import UsageError


def test_defaults_record_incidents_and_tell_nobody() -> None:
    settings = AlertSettings.from_env({})
    assert (settings.failed_runs, settings.failing_minutes, settings.exceptions) == (3, 30.0, 100)
    assert settings.every_seconds == 60.0
    assert settings.channels == ()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "localhost",
        587,
        "starttls",
    )


def test_channels_and_values_are_read() -> None:
    settings = AlertSettings.from_env(
        {
            "ORDERHUB_ALERT_EMAIL_TO": " ops@example.com, ,owner@example.com ",
            "ORDERHUB_ALERT_WEBHOOK_URL": "https://ops.example.com/hook",
            "ORDERHUB_ALERT_WEBHOOK_SECRET": "s",
            "ORDERHUB_SMTP_SECURITY": "SSL",
            "ORDERHUB_SMTP_PORT": "465",
            "ORDERHUB_ALERT_FAILED_RUNS": "5",
            "ORDERHUB_ALERT_EVERY_SECONDS": "0",
        }
    )
    assert settings.email_to == ("ops@example.com", "owner@example.com")
    assert settings.channels == ("email", "webhook")
    assert (settings.smtp_security, settings.smtp_port) == ("ssl", 465)
    assert (settings.failed_runs, settings.every_seconds) == (5, 0.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ORDERHUB_ALERT_FAILED_RUNS": "0"}, "ORDERHUB_ALERT_FAILED_RUNS must be a whole number"),
        ({"ORDERHUB_ALERT_FAILED_RUNS": "2.5"}, "must be a whole number of at least 1"),
        ({"ORDERHUB_ALERT_FAILING_MINUTES": "nan"}, "ORDERHUB_ALERT_FAILING_MINUTES must be"),
        ({"ORDERHUB_ALERT_EXCEPTIONS": "lots"}, "ORDERHUB_ALERT_EXCEPTIONS must be"),
        ({"ORDERHUB_ALERT_EVERY_SECONDS": "-1"}, "ORDERHUB_ALERT_EVERY_SECONDS must be"),
        ({"ORDERHUB_SMTP_PORT": "0"}, "ORDERHUB_SMTP_PORT must be"),
        ({"ORDERHUB_SMTP_SECURITY": "tls"}, "ORDERHUB_SMTP_SECURITY must be one of"),
        (
            {"ORDERHUB_ALERT_WEBHOOK_URL": "https://ops.example.com/hook"},
            "needs ORDERHUB_ALERT_WEBHOOK_SECRET",
        ),
        (
            {"ORDERHUB_ALERT_WEBHOOK_URL": "ftp://x", "ORDERHUB_ALERT_WEBHOOK_SECRET": "s"},
            "must be an http(s):// URL",
        ),
    ],
)
def test_a_bad_value_is_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as refused:
        AlertSettings.from_env(env)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
