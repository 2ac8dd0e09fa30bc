"""Settings: `newsletter.toml` at the repository root, overridden by `NEWSLETTER_*` variables.

Precedence (highest first): environment variables, `.env`, `newsletter.toml`, the defaults here.
Nested keys use a double underscore in the environment: `NEWSLETTER_RULES__MAX_TEXT_CHARS=2000`.
Every problem is collected and reported at once with its key (`load_settings` raises
`ConfigError`); the CLI prints them, never a traceback.

Reading the environment is pydantic-settings' job (config_env.py), and importing it costs more
than a whole `newsletter check` may take; so without a `.env` file and without any
`NEWSLETTER_*` variable, which is what it would read, `Settings` validates newsletter.toml
alone: the same model and the same checks, only without the sources that have nothing to say.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newsletter.core.config_sections import (
    EmailSettings,
    ImageSettings,
    LayoutSettings,
    MailboxSettings,
    PreviewSettings,
    PublisherSettings,
    PublishSettings,
    RelaySettings,
    RulesSettings,
    SenderSettings,
    ServeSettings,
    SmtpSettings,
    SubscriberSettings,
)
from newsletter.core.errors import ConfigError
from newsletter.texts.i18n import N_
from newsletter.texts.messages import both, explain_validation
from newsletter.texts.syntax import explain_toml, loads_toml

__all__ = [
    "CONFIG_FILE",
    "EmailSettings",
    "ImageSettings",
    "Lang",
    "LayoutSettings",
    "MailboxSettings",
    "PreviewSettings",
    "PublishSettings",
    "PublisherSettings",
    "RelaySettings",
    "RulesSettings",
    "SenderSettings",
    "ServeSettings",
    "Settings",
    "SmtpSettings",
    "SubscriberSettings",
    "load_settings",
]

Lang = Literal["de", "en"]

CONFIG_FILE = "newsletter.toml"
ENV_FILE = ".env"
ENV_PREFIX = "NEWSLETTER_"


class Settings(BaseModel):
    """The whole configuration (config_env.py adds the environment's sources to it)."""

    # validate_default and arbitrary_types_allowed as pydantic-settings' BaseSettings has them,
    # so that the model validates alike with and without the environment
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, arbitrary_types_allowed=True
    )

    root: Path = Field(
        Path("."), description="Folder that relative paths below are resolved against."
    )
    submissions_dir: Path = Field(Path("submissions"), description="Where issue folders live.")
    outbox_dir: Path = Field(Path("outbox"), description="Where builds are written.")
    cache_dir: Path = Field(Path(".cache"), description="Rendition cache (safe to delete).")
    state_dir: Path = Field(
        Path("state"),
        description="Private state (upload-link key, upload drafts, replaced submissions); keep.",
    )
    lang: Lang = Field("de", description="Language of messages: de or en.")
    timezone: str = Field("Europe/Berlin", description="Time zone of deadlines.")
    rules: RulesSettings = Field(default_factory=RulesSettings)  # type: ignore[arg-type]
    layout: LayoutSettings = Field(default_factory=LayoutSettings)  # type: ignore[arg-type]
    images: ImageSettings = Field(default_factory=ImageSettings)  # type: ignore[arg-type]
    publisher: PublisherSettings = Field(default_factory=PublisherSettings)  # type: ignore[arg-type]
    email: EmailSettings = Field(default_factory=EmailSettings)  # type: ignore[arg-type]
    subscribers: SubscriberSettings = Field(default_factory=SubscriberSettings)  # type: ignore[arg-type]
    sender: SenderSettings = Field(default_factory=SenderSettings)  # type: ignore[arg-type]
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)  # type: ignore[arg-type]
    serve: ServeSettings = Field(default_factory=ServeSettings)  # type: ignore[arg-type]
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings)  # type: ignore[arg-type]
    publish: PublishSettings = Field(default_factory=PublishSettings)  # type: ignore[arg-type]
    preview: PreviewSettings = Field(default_factory=PreviewSettings)  # type: ignore[arg-type]

    def path(self, p: Path) -> Path:
        """Resolve a configured path against the root folder."""
        return p if p.is_absolute() else self.root / p


def load_settings(root: Path | None = None, config_file: Path | None = None) -> Settings:
    """Read newsletter.toml (if any) and the environment; ConfigError lists every problem."""
    root = (root or Path.cwd()).resolve()
    path = config_file or root / CONFIG_FILE
    data: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    english: list[str] = []
    if config_file is not None and not path.is_file():
        de, en = both(N_("Datei nicht gefunden: {path}"), path=path)
        raise ConfigError(path, [("", de)], [en])
    if path.is_file():
        try:
            data = loads_toml(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            p = explain_toml(exc)
            raise ConfigError(
                path,
                [("", f"{p['where']}: {p['detail']}")],
                [f"{p['where_en']}: {p['detail_en']}"],
            ) from None
        except UnicodeDecodeError:
            de, en = both(N_("nicht als UTF-8 gespeichert"))
            raise ConfigError(path, [("", de)], [en]) from None
    data.setdefault("root", root)
    env_file = root / ENV_FILE
    try:
        if _environment_applies(env_file):
            from newsletter.core.config_env import with_environment

            settings = with_environment(Settings, env_file, data)
        else:
            settings = Settings(**data)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            de, en = explain_validation(err)
            problems.append((key, de))
            english.append(en)
        raise ConfigError(path, problems, english) from None
    at_most = N_("muss <= {other} sein")
    if settings.layout.print_error_ppi > settings.layout.print_warn_ppi:
        de, en = both(at_most, other="layout.print_warn_ppi")
        problems.append(("layout.print_error_ppi", de))
        english.append(en)
    if settings.images.ssimulacra2_floor > settings.images.ssimulacra2_target:
        de, en = both(at_most, other="images.ssimulacra2_target")
        problems.append(("images.ssimulacra2_floor", de))
        english.append(en)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.timezone)
    except Exception:
        de, en = both(N_("unbekannte Zeitzone {zone}"), zone=repr(settings.timezone))
        problems.append(("timezone", de))
        english.append(en)
    if problems:
        raise ConfigError(path, problems, english)
    return settings


def _environment_applies(env_file: Path) -> bool:
    """Whether pydantic-settings would find anything: a .env file (even a broken one, which
    it reports) or a NEWSLETTER_* variable (in any case: it compares them case-insensitively)."""
    prefix = ENV_PREFIX.casefold()
    return os.path.lexists(env_file) or any(k.casefold().startswith(prefix) for k in os.environ)
