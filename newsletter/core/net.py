"""This machine and the connections that leave it: the one notion of "loopback" and the one TLS
client context (certificates always verified) for SMTP, IMAP and whatever speaks TLS next."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

# Names that never reach a real party: RFC 2606 and RFC 6761 (example.org, .test, localhost).
_RESERVED = re.compile(r"(^|\.)(example\.(org|com|net)|example|invalid|test|localhost)$")


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1): traffic that never leaves
    this machine, so plaintext SMTP/IMAP and an unproxied listener are acceptable there."""
    host = host.strip().lower()
    if host.removesuffix(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A client context that always verifies the server's certificate and name; `ca_file` (PEM)
    adds a private CA to the system's ones, it never turns verification off."""
    import ssl  # here: `newsletter --help` and commands without TLS do not load it

    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def is_reserved(host: str) -> bool:
    """True for a reserved name (example.org, *.test, *.invalid, localhost): no real party."""
    return _RESERVED.search(host) is not None
