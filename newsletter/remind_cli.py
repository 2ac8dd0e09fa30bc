from __future__ import annotations

from types import SimpleNamespace
from typing import Any

REMIND = SimpleNamespace(
    COMMAND="remind", add_parser=lambda sub: sub.add_parser("remind"), run=lambda *a: 0
)
FEEDBACK = SimpleNamespace(
    COMMAND="feedback", add_parser=lambda sub: sub.add_parser("feedback"), run=lambda *a: 0
)
