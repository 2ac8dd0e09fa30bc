"""Imports carried out when first used, so that a command loads only what it needs.

`newsletter --help` builds the parser of every command; if each command module imported its
working modules at the top, every start would load pydantic, the SQLite store, Jinja, Babel,
Pillow and the mail code. A command module instead writes

    if TYPE_CHECKING:
        from newsletter.network import remind
    else:
        remind = lazy.module("newsletter.network.remind")

and `remind` is imported the first time one of its attributes is read (mypy sees the real
import). `lazy.function(module, name)` does the same for one callable or class that is only
called.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


def module(name: str) -> ModuleType:
    """The module `name`, executed on first attribute access (already imported: as it is)."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - a typo in our own code
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    loader.exec_module(mod)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, mod)
    return mod


def function(module_name: str, name: str) -> Any:
    """A stand-in for `from module_name import name` that imports on the first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module_name), name)(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = name
    return call
