"""placeholder"""

from __future__ import annotations

import argparse
from typing import Any

COMMAND = "issue"


def add_parser(sub: Any) -> None:
    sub.add_parser(COMMAND)


def run(*a: Any) -> int:
    return 0
