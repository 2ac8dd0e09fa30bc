"""The environment's part of the settings: `NEWSLETTER_*` variables and the `.env` file, read by
pydantic-settings over newsletter.toml (precedence: environment, .env, newsletter.toml, defaults).

Imported only when there is something to read (config.load_settings decides): pydantic-settings
and what it loads take longer to import than a whole `newsletter check` may take.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

M = TypeVar("M", bound=BaseModel)


def with_environment(model: type[M], env_file: Path, data: dict[str, Any]) -> M:
    """`model` validated from `data` (newsletter.toml) with the environment and `env_file` over
    it; the ValidationError is the one `model` would raise for the merged values."""
    return cast(M, _settings_class(model)(_env_file=env_file, **data))


@functools.cache
def _settings_class(model: type[BaseModel]) -> type[BaseSettings]:
    """`model` as a BaseSettings (a subclass of both, named like it), sources in our order."""

    def settings_customise_sources(
        cls: type[BaseSettings],
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init arguments; the environment must win over it.
        return env_settings, dotenv_settings, init_settings, file_secret_settings

    namespace = {
        "__module__": __name__,
        "__qualname__": model.__name__,
        "__doc__": model.__doc__,
        "model_config": SettingsConfigDict(
            env_prefix="NEWSLETTER_",
            env_nested_delimiter="__",
            env_file=".env",
            env_file_encoding="utf-8",
            extra="forbid",
            frozen=True,
        ),
        "settings_customise_sources": classmethod(settings_customise_sources),
    }
    return cast(type[BaseSettings], type(model.__name__, (BaseSettings, model), namespace))
