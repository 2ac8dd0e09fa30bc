"""Watching the preview's inputs: poll the files, report a change once they are quiet.

Polling (every 0.1 s, name + mtime + size of every visible file) instead of inotify keeps it in
the standard library and works the same on network shares, where the editor's shared
submissions folder may live. A burst of saves gives one rebuild: the watcher waits until
nothing changed for `settle` seconds (as MkDocs' live reload does).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

Signature = frozenset[tuple[str, int, int]]


def _ignored(name: str) -> bool:
    # editors' swap and backup files come and go while typing; intake does not read them
    return name.startswith((".", "#")) or name.endswith("~") or name == "__pycache__"


def signature(paths: Iterable[Path]) -> Signature:
    """Name, mtime and size of every visible file under `paths` (a missing path counts too)."""
    entries: set[tuple[str, int, int]] = set()
    for root in paths:
        try:
            st = root.stat()
        except OSError:
            entries.add((str(root), -1, -1))
            continue
        if not stat.S_ISDIR(st.st_mode):
            entries.add((str(root), st.st_mtime_ns, st.st_size))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not _ignored(d)]
            for name in filenames:
                if _ignored(name):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # deleted between listing and stat: the next poll sees it
                entries.add((path, st.st_mtime_ns, st.st_size))
    return frozenset(entries)


def watch(
    paths: Callable[[], list[Path]],
    on_change: Callable[[], None],
    stop: threading.Event,
    *,
    poll: float = 0.1,
    settle: float = 0.3,
) -> None:
    """Call `on_change` after the files under `paths` changed and stayed quiet for `settle` s."""
    last = signature(paths())
    while not stop.wait(poll):
        current = signature(paths())
        if current == last:
            continue
        quiet_since = time.monotonic()
        while not stop.wait(poll):
            newer = signature(paths())
            if newer != current:
                current, quiet_since = newer, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                break
        last = current
        if not stop.is_set():
            on_change()
