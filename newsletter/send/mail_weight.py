"""What one message of an issue weighs as it leaves, with the photos inside it (inline) and
loaded from the published site (hosted): the preview shows both, and which one `send` uses."""

from __future__ import annotations

from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.send.compose import MessageFactory, Recipient, hosted_base
from newsletter.texts.numbers import human_bytes


def message_bytes(outbox: Path, settings: Settings, mode: str) -> int | None:
    """The size of one reader's message in `mode` ("inline" or "hosted"); None if unbuilt."""
    s = settings.model_copy(update={"sender": settings.sender.model_copy(update={"images": mode})})
    try:
        factory = MessageFactory(outbox, s)
        return len(factory.message(Recipient("leserin@example.org", "t" * 43)))
    except (NewsletterError, OSError):
        return None


def weights(outbox: Path, settings: Settings) -> list[tuple[str, str, bool]]:
    """[(label, size, used by send now)] for inline and hosted."""
    try:
        factory = MessageFactory(outbox, settings)
        hosted_now = bool(hosted_base(settings, factory.issue, factory.manifest))
    except (NewsletterError, OSError):
        return []
    out = []
    labels = {
        "inline": "Eine Nachricht, Bilder in der Mail (inline)",
        "hosted": "Eine Nachricht, Bilder von der Website (hosted)",
    }
    for mode in ("inline", "hosted"):
        size = message_bytes(outbox, settings, mode)
        if size is not None:
            out.append((labels[mode], human_bytes(size), hosted_now == (mode == "hosted")))
    return out
