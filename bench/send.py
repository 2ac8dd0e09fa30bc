"""Benchmark sending: personalised, DKIM-signed messages of the example issue to N recipients.

    .venv/bin/python bench/send.py [--n 2000] [--connections 2]

A loopback SMTP sink (aiosmtpd) runs in a separate process and discards what it receives.
Printed, measured in the same run:
- baseline: plain `smtplib` sending one pre-built message's bytes N times over one connection
  (the sink's own ceiling: no composing, no signing, no journal);
- `send_issue` with DKIM on: compose + sign + journal + deliver over `--connections`;
- messages per second of each and the ratio (goal: at least 0.5).
The example issue is built first (into a temporary root) if needed.
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsletter.core.config import Settings, load_settings
from newsletter.output.build import build_issue
from newsletter.send.compose import MessageFactory, Recipient
from newsletter.send.deliver import send_issue
from newsletter.store.subscribers import add, open_store

ROOT = Path(__file__).resolve().parent.parent
SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
c = Controller(Discard(), hostname="127.0.0.1", port=int(sys.argv[1]), data_size_limit=0)
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(root: Path, n: int, connections: int) -> tuple[Settings, Path]:
    """A root with the example issue built, a DKIM key and n active subscribers."""
    shutil.copytree(ROOT / "submissions" / "2026-12", root / "submissions" / "2026-12")
    key = root / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    settings = load_settings(root=root)
    # a real send refuses the shipped example identity (Impressum): give it one of its own
    identity = {
        "from_address": "newsletter@beispielstadt-netz.de",
        "reply_to": "integration@beispielstadt-netz.de",
        "unsubscribe_url": "https://beispielstadt-netz.de/newsletter/unsubscribe/{token}",
        "unsubscribe_mailto": "abmelden@beispielstadt-netz.de",
    }
    publisher = {
        "name": "Integrationsnetzwerk Beispielstadt",
        "address": "Marktplatz 3, 58452 Beispielstadt",
        "email": "integration@beispielstadt-netz.de",
        "website": "https://beispielstadt-netz.de",
        "responsible": "Anna Schmidt",
        "base_url": "https://beispielstadt-netz.de/newsletter/",
    }
    settings = settings.model_copy(
        update={
            "sender": settings.sender.model_copy(update={"dkim_key_file": key, **identity}),
            "publisher": settings.publisher.model_copy(update=publisher),
            "cache_dir": ROOT / ".cache",  # reuse the renditions of earlier builds
        }
    )
    outbox = build_issue("2026-12", settings).outbox
    with open_store(settings.path(settings.subscribers.database)) as db:
        for i in range(n):
            add(db, f"leser{i:05d}@example.org", consent_version="bench", via="bench")
    return settings, outbox


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--connections", type=int, default=2)
    args = ap.parse_args()
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().startswith("ready")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings, outbox = prepare(Path(tmp), args.n, args.connections)
            settings = settings.model_copy(
                update={
                    "smtp": settings.smtp.model_copy(
                        update={"port": port, "connections": args.connections}
                    )
                }
            )
            one = MessageFactory(outbox, settings).message(Recipient("x@example.org", "t" * 43))

            t0 = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as client:
                for i in range(args.n):
                    client.sendmail(
                        settings.sender.from_address, [f"leser{i:05d}@example.org"], one
                    )
            base = time.perf_counter() - t0

            t0 = time.perf_counter()
            report = send_issue(outbox, settings)
            ours = time.perf_counter() - t0
            assert report.sent == args.n, report
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=30)
    size = len(one)
    print(f"{args.n} messages of {size / 1e6:.2f} MB (example issue, images inline)")
    print(f"{'what':<52} {'seconds':>8} {'msgs/s':>8}")
    print(
        f"{'baseline: smtplib, pre-built bytes, 1 connection':<52} {base:>8.1f} "
        f"{args.n / base:>8.1f}"
    )
    print(
        f"{f'send_issue: DKIM, journal, {args.connections} connections':<52} {ours:>8.1f} "
        f"{args.n / ours:>8.1f}"
    )
    ratio = base / ours
    print(
        f"ratio to the sink's ceiling: {ratio:.2f} (goal >= 0.5: "
        f"{'met' if ratio >= 0.5 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
