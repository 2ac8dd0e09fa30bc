"""The errors the CLI turns into messages: each carries data, not prose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path


class NewsletterError(Exception):
    """A problem the user can fix: a stable code, the path concerned and message parameters."""

    def __init__(
        self, code: str, path: Path | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.code = code
        self.path = path
        self.params = dict(params or {})
        super().__init__(f"{code}: {path}" if path else code)


class ConfigError(NewsletterError):
    """One or more configuration problems, each with its key."""

    def __init__(
        self,
        path: Path,
        problems: Sequence[tuple[str, str]],
        english: Sequence[str] | None = None,
    ) -> None:
        self.problems = list(problems)  # (key, German text)
        # the same texts in English, in the same order (German where none was given)
        self.english = list(english) if english is not None else [m for _, m in problems]
        super().__init__("CONFIG_INVALID", path, {"count": len(self.problems)})
