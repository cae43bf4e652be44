"""How `ORDERHUB_*` variables become settings (pydantic-settings), and a bad one one clear line.

`Settings` and `AlertSettings` are pydantic-settings models. Built directly (tests, benchmarks)
they read nothing but their arguments; `from_env` reads them from a mapping (the process's
environment by default) through `EnvSource`:

- a variable's name is its field's `validation_alias`, else the model's `env_prefix` plus the
  field name in capitals (`max_body_bytes` → `ORDERHUB_MAX_BODY_BYTES`);
- a value is trimmed, and a blank one is as if unset (the default holds) — except for secrets
  (`RAW_VARIABLES`), kept exactly as given;
- nothing is JSON-decoded: lists are comma-separated, parsed by the field's validator.

A value that does not validate becomes a `UsageError` naming the variable and saying what it
must be (`usage_error`), never a pydantic traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from orderhub.errors import UsageError

__all__ = ["RAW_VARIABLES", "EnvSettings", "EnvSource", "env_name", "load", "one_of", "usage_error"]

RAW_VARIABLES = frozenset(
    {"ORDERHUB_SECRET_KEY", "ORDERHUB_SMTP_PASSWORD", "ORDERHUB_ALERT_WEBHOOK_SECRET"}
)
"""Secrets: read byte for byte (only an empty value counts as unset)."""

_S = TypeVar("_S", bound=BaseSettings)


class EnvSettings(BaseSettings):
    """A settings model that reads only its arguments; `load` (`from_env`) reads a mapping."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: the environment is read by `from_env`, never by surprise."""
        return (init_settings,)


def one_of(name: str, value: object, options: Sequence[str]) -> str:
    """`value` trimmed, in the case of `options` (all lower or all upper), if it is one of
    them; else a `ValueError` naming the variable `name` and the options."""
    text = str(value).strip()
    text = text.upper() if all(option.isupper() for option in options) else text.lower()
    if text not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return text


def env_name(settings_cls: type[BaseSettings], field_name: str) -> str:
    """The variable that sets `field_name` of `settings_cls`."""
    field = settings_cls.model_fields[field_name]
    if isinstance(field.validation_alias, str):
        return field.validation_alias
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    return f"{prefix}{field_name}".upper()


class EnvSource(PydanticBaseSettingsSource):
    """The `ORDERHUB_*` values of `env` for the fields of `settings_cls`."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._env = env

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = env_name(self.settings_cls, field_name)
        value = self._env.get(name)
        if value is not None and name not in RAW_VARIABLES:
            value = value.strip()
        return (value or None), name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, _name, _complex = self.get_field_value(field, field_name)
            if value is not None:
                found[field_name] = value
        return found


def load(settings_cls: type[_S], env: Mapping[str, str], **given: Any) -> _S:
    """`settings_cls` from the variables in `env`, `given` values taking precedence."""
    values = {**EnvSource(settings_cls, env)(), **given}
    try:
        return settings_cls(**values)
    except ValidationError as invalid:
        raise usage_error(settings_cls, invalid) from None


def usage_error(settings_cls: type[BaseSettings], invalid: ValidationError) -> UsageError:
    """The first problem of `invalid` as one line that names its variable."""
    problem = invalid.errors(include_url=False)[0]
    location = problem.get("loc") or ()
    field = str(location[0]) if location else ""
    context = problem.get("ctx") or {}
    if problem.get("type") == "value_error" and "error" in context:
        message = str(context["error"])  # our validators' own words, naming the variable
    else:
        message = str(problem.get("msg", "is not valid"))
    if field in settings_cls.model_fields:
        name = env_name(settings_cls, field)
        if not message.startswith(name):
            message = f"{name}: {message}; not {problem.get('input')!r}"
    return UsageError(" ".join(message.split()))
