"""What `send` checks before anything leaves: is the build current, are the settings real?

`outdated` (output/inputs.py, re-exported here) names what changed since the build, so that a
submission corrected after the build is never sent in its old form without the editor knowing.

`example_settings` names the settings still pointing at the shipped examples (example.org,
Musterstadt): a real send with them would carry a false Impressum and dead links.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel

from newsletter.core.config import PublisherSettings, SenderSettings, Settings
from newsletter.core.net import is_reserved
from newsletter.output.inputs import issue_inputs as issue_inputs
from newsletter.output.inputs import outdated as outdated


def _host(value: str) -> str:
    if "@" in value and "://" not in value:
        return value.rpartition("@")[2].lower()
    return (urlsplit(value).hostname or "").lower()


def example_settings(settings: Settings) -> list[str]:
    """The settings that are still the shipped examples (or point at a reserved domain)."""
    found = []
    publisher = ("name", "address", "email", "website", "responsible", "base_url")
    sender = ("from_address", "reply_to", "unsubscribe_url", "unsubscribe_mailto")
    sections: tuple[tuple[str, type[BaseModel], tuple[str, ...]], ...] = (
        ("publisher", PublisherSettings, publisher),
        ("sender", SenderSettings, sender),
    )
    for section, model, keys in sections:
        values = getattr(settings, section)
        for key in keys:
            value = str(getattr(values, key))
            default = model.model_fields[key].default
            if value == default or is_reserved(_host(value)):
                found.append(f"{section}.{key}")
    return found
