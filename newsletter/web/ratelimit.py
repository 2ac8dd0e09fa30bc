"""The per-IP limit of the sign-up form: in memory only, for at most its window.

Kept in memory on purpose: an IP address is personal data, and a restart forgetting it is
acceptable (signup.py says why; the limits that must hold across restarts live in SQLite).
"""

from __future__ import annotations

import collections
import ipaddress
import threading
import time
from collections.abc import Callable


def ip_key(ip: str) -> str:
    """The rate-limit key of a client: the IPv4 address, or the IPv6 /64 (one household)."""
    try:
        parsed = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64] or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds; in memory, thread-safe, bounded."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self.hits: dict[str, collections.deque[float]] = {}
        self.lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Record a hit; 0 when allowed, else the seconds until the next one would be."""
        with self.lock:
            now = self.clock()
            if len(self.hits) >= self.max_keys:
                self._forget(now)
            times = self.hits.setdefault(key, collections.deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(0.001, times[0] + self.window - now)
            times.append(now)
            return 0.0

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self.hits.items() if not t or t[-1] <= now - self.window]:
            del self.hits[key]
        while len(self.hits) >= self.max_keys:  # still full: drop the longest-known keys
            del self.hits[next(iter(self.hits))]
