"""Benchmark sending through several relays: N subscribers, three aiosmtpd sinks, small messages.

    .venv/bin/python bench/relays.py [--n 50000] [--connections 2]

Three loopback SMTP sinks (aiosmtpd, one process each) discard what they receive. Printed,
measured in the same run:
- baseline: plain `smtplib` sending one pre-built message's bytes N times, over the same
  number of connections to the same three sinks (a thread per connection; no composing, no
  journal). The personalised messages of `send` differ only in the recipient's address, link
  and Message-ID, not in size; sending costs smtplib the same for either, so one message's
  bytes stand for all of them, and composing each one is part of what `send` is measured on;
- for orientation, not the goal: `aiosmtplib`, the library `send` uses, sending the same bytes
  over the same connections from one event loop (no composing, no journal): the floor of any
  sender built on it;
- `newsletter send` (send_issue in a subprocess) with three `[[smtp.relays]]`: compose,
  journal (each row synced to disk before its message leaves), deliver; its peak memory;
- messages per second of each and the ratio of send to the baseline (goal: at least 0.8),
  memory (goal: <= 200 MB), and how long one sync to disk takes here (the journal waits for
  one per group of rows: a busy disk slows `send`, never the baseline).
The message is a small built issue (a few KB, images hosted), as a region would send it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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

SEND = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from relays import configured
sys.path.insert(0, sys.argv[5])  # the code measured (this checkout, or --before)
from newsletter.send.deliver import send_issue
root, ports, connections = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[4])
settings = configured(root, ports, connections)
t0 = time.perf_counter()
report = send_issue(root / "outbox" / "2026-12", settings)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
import newsletter
assert newsletter.__file__.startswith(sys.argv[5]), newsletter.__file__
print(json.dumps({"sent": report.sent, "seconds": seconds, "peak_kib": peak}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configured(root: Path, ports: list[int], connections: int) -> object:
    """The settings of `root` with a real identity and one relay per sink port."""
    from newsletter.core.config import RelaySettings, load_settings
    from tests.support import real_identity

    settings = real_identity(load_settings(root=root))
    relays = [
        RelaySettings.model_validate(
            dict(
                name=f"sink-{i}",
                host="127.0.0.1",
                port=port,
                security="none",
                password_env="",
                connections=connections,
                weight=1,
            )
        )
        for i, port in enumerate(ports)
    ]
    return settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"relays": relays})})


def prepare(root: Path, n: int) -> bytes:
    """A small built issue and n active subscribers in `root`; one message's bytes."""
    from newsletter.core.config import load_settings
    from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER
    from newsletter.send.compose import MessageFactory, Recipient
    from newsletter.store.subscribers import add, open_store
    from tests.support import real_identity, write_built_email

    body = "".join(
        f"<h2>Organisation {i}</h2><p>Wir laden herzlich ein: Lernhilfe, Begegnung, Beratung "
        f"für Familien im Viertel, jeden Dienstag.</p>"
        f'<img src="https://beispielstadt-netz.de/bilder/{i}.jpg" alt="Foto {i}" width="600">'
        for i in range(10)
    )
    outbox = write_built_email(
        root / "outbox" / "2026-12",
        "<!DOCTYPE html><html><head><title>Newsletter – Ausgabe 38</title></head><body>"
        f'{body}<a href="{UNSUBSCRIBE_PLACEHOLDER}">Abbestellen</a></body></html>',
        f"Newsletter\n\nAbbestellen: {UNSUBSCRIBE_PLACEHOLDER}\n",
    )
    settings = real_identity(load_settings(root=root))
    with open_store(settings.path(settings.subscribers.database)) as db:
        db.execute("PRAGMA synchronous = OFF")  # setting up, not measured
        for i in range(n):
            add(db, f"leser{i:06d}@example.org", consent_version="bench", via="bench")
    return MessageFactory(outbox, settings).message(Recipient("x@example.org", "t" * 43))


def smtplib_baseline(ports: list[int], connections: int, n: int, message: bytes) -> float:
    """Seconds for n sends of `message` over `connections` per sink, in threads."""
    lanes = [(port, c) for port in ports for c in range(connections)]
    share = [n // len(lanes) + (1 if i < n % len(lanes) else 0) for i in range(len(lanes))]

    def lane(port: int, count: int, offset: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(count):
                client.sendmail(
                    "newsletter@beispielstadt-netz.de",
                    [f"leser{offset + i:06d}@example.org"],
                    message,
                )

    threads, offset = [], 0
    for (port, _c), count in zip(lanes, share, strict=True):
        threads.append(threading.Thread(target=lane, args=(port, count, offset)))
        offset += count
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def aiosmtplib_floor(ports: list[int], connections: int, n: int, message: bytes) -> float:
    """Seconds for n sends of `message` with aiosmtplib, one event loop, same connections."""
    import aiosmtplib

    lanes = [(port, c) for port in ports for c in range(connections)]
    share = [n // len(lanes) + (1 if i < n % len(lanes) else 0) for i in range(len(lanes))]

    async def lane(port: int, count: int, offset: int) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        for i in range(count):
            await client.mail("newsletter@beispielstadt-netz.de")
            await client.rcpt(f"leser{offset + i:06d}@example.org")
            await client.data(message)
        await client.quit()

    async def run() -> None:
        offsets = [sum(share[:i]) for i in range(len(lanes))]
        await asyncio.gather(
            *(
                lane(port, count, o)
                for (port, _c), count, o in zip(lanes, share, offsets, strict=True)
            )
        )

    t0 = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - t0


def sync_ms(folder: Path) -> float:
    """Median milliseconds of one fsync of a small write in `folder` (the journal's disk)."""
    path = folder / "fsync-probe"
    times = []
    with path.open("wb") as fh:
        for _ in range(30):
            fh.write(b"x" * 4096)
            fh.flush()
            t0 = time.perf_counter()
            os.fsync(fh.fileno())
            times.append(time.perf_counter() - t0)
    path.unlink()
    return statistics.median(times) * 1000


def send_once(
    root: Path, ports: list[int], connections: int, code: Path | None
) -> dict[str, float]:
    """`send_issue` of the issue in `root`, in a subprocess (the code in `code`, or this one)."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            SEND,
            str(root),
            json.dumps(ports),
            str(Path(__file__).resolve().parent),
            str(connections),
            str(code or ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--connections", type=int, default=2, help="per relay")
    ap.add_argument("--repeat", type=int, default=1, help="rounds, baseline and send alternating")
    ap.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier version (e.g. `git archive main`): its send is measured"
        " in the same rounds, for a before/after from one run",
    )
    args = ap.parse_args()
    ports = [free_port() for _ in range(3)]
    sinks = []
    for port in ports:
        sink = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert sink.stdout is not None and sink.stdout.readline().startswith("ready")
        sinks.append(sink)
    versions: list[tuple[str, Path | None]] = [("send_issue: compose + journal + 3 relays", None)]
    if args.before is not None:
        versions.insert(0, (f"send_issue of {args.before}", args.before.resolve()))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "template"
            t0 = time.perf_counter()
            message = prepare(template, args.n)
            setup = time.perf_counter() - t0
            bases: list[float] = []
            floors: list[float] = []
            syncs: list[float] = []
            runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in versions}
            for i in range(args.repeat):  # alternating: a busy moment slows all alike
                bases.append(smtplib_baseline(ports, args.connections, args.n, message))
                floors.append(aiosmtplib_floor(ports, args.connections, args.n, message))
                syncs.append(sync_ms(Path(tmp)))
                for name, code in versions:
                    root = Path(tmp) / f"round-{i}"
                    shutil.copytree(template, root)
                    runs[name].append(send_once(root, ports, args.connections, code))
                    assert runs[name][-1]["sent"] == args.n, runs[name][-1]
                    shutil.rmtree(root)
    finally:
        for sink in sinks:
            assert sink.stdin is not None
            sink.stdin.close()
            sink.wait(timeout=30)
    lanes = 3 * args.connections
    print(
        f"{args.n} subscribers, messages of {len(message) / 1000:.1f} KB, 3 relays x "
        f"{args.connections} connections (setup {setup:.0f} s); median of {args.repeat}"
    )
    base = statistics.median(bases)
    print(f"{'what':<56} {'seconds':>8} {'msgs/s':>8} {'ratio':>6}")
    print(
        f"{f'baseline: smtplib, pre-built bytes, {lanes} connections':<56} {base:>8.1f} "
        f"{args.n / base:>8.1f}"
    )
    floor = statistics.median(floors)
    floor_ratio = statistics.median(b / f for b, f in zip(bases, floors, strict=True))
    print(
        f"{f'(aiosmtplib, same bytes, {lanes} connections, one loop)':<56} {floor:>8.1f} "
        f"{args.n / floor:>8.1f} {floor_ratio:>6.2f}"
    )
    ratio = peak = 0.0
    for name, _code in versions:
        t = statistics.median(r["seconds"] for r in runs[name])
        ratio = statistics.median(b / r["seconds"] for b, r in zip(bases, runs[name], strict=True))
        peak = max(r["peak_kib"] for r in runs[name]) / 1024
        print(f"{name:<56} {t:>8.1f} {args.n / t:>8.1f} {ratio:>6.2f}  (peak {peak:.0f} MB)")
    print(f"throughput ratio: {ratio:.2f} (goal >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    verdict = "met" if peak <= 200 else "NOT met"
    print(f"peak memory of send: {peak:.0f} MB (goal <= 200 MB: {verdict})")
    print(f"one sync to disk here: {statistics.median(syncs):.2f} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
