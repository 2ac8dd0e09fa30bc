"""Benchmark publishing and lighter mails.

    .venv/bin/python bench/publish.py [--issues 10] [--n 2000]

1. Ten copies of the example issue (numbers and dates apart), built, then published to a
   local folder: cold (nothing published yet: copy, pages, Pagefind index, upload) and warm
   (the same again, nothing changed: goal <= 10% of cold).
2. The example issue sent to N subscribers through a loopback SMTP sink (aiosmtpd in its own
   process), once with the photos inside each message (inline) and once loaded from the
   published site (hosted), in the same run: msgs/s and bytes sent.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from send import SINK, free_port, prepare

from newsletter.core.config import load_settings
from newsletter.output.build import build_issue
from newsletter.publish.run import publish
from newsletter.send.compose import MessageFactory, Recipient
from newsletter.send.deliver import send_issue
from newsletter.store.subscribers import add, open_store

ROOT = Path(__file__).resolve().parent.parent


def bench_publish(tmp: Path, count: int) -> None:
    root = tmp / "site-root"
    root.mkdir()
    settings = load_settings(root=root)
    settings = settings.model_copy(update={"cache_dir": ROOT / ".cache"})
    names = []
    for i in range(count):
        name = f"2026-12-{chr(ord('a') + i)}"
        dest = root / "submissions" / name
        shutil.copytree(ROOT / "submissions" / "2026-12", dest)
        toml = (dest / "issue.toml").read_text(encoding="utf-8")
        toml = re.sub(r"(?m)^number = \d+", f"number = {10 + i}", toml)
        toml = re.sub(r"(?m)^date = [\d-]+", f"date = 2026-12-{4 + i:02d}", toml)
        (dest / "issue.toml").write_text(toml, encoding="utf-8")
        assert not build_issue(name, settings).left_out
        names.append(name)
    target = str(root / "www" / "newsletter")
    t0 = time.perf_counter()
    cold = publish(names, settings, target=target)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = publish(names, settings, target=target)
    warm_s = time.perf_counter() - t0
    assert warm.unchanged and not cold.unchanged
    print(f"publish {count} issues: {cold.files} files, {cold.bytes / 1e6:.1f} MB")
    print(f"  cold {cold_s:8.2f} s")
    print(
        f"  warm {warm_s:8.2f} s  ({warm_s / cold_s:.1%} of cold; goal <= 10%: "
        f"{'met' if warm_s <= 0.1 * cold_s else 'NOT met'})"
    )


def bench_send(tmp: Path, n: int) -> None:
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().startswith("ready")
    rows = []
    try:
        settings, outbox = prepare(tmp / "send-root", n, 2)
        settings = settings.model_copy(
            update={"smtp": settings.smtp.model_copy(update={"port": port, "connections": 2})}
        )
        for mode in ("inline", "hosted"):
            s = settings.model_copy(
                update={
                    "sender": settings.sender.model_copy(update={"images": mode}),
                    "subscribers": settings.subscribers.model_copy(
                        update={"database": tmp / f"{mode}.sqlite3"}
                    ),
                }
            )
            with open_store(s.path(s.subscribers.database)) as db:
                for i in range(n):
                    add(db, f"leser{i:05d}@example.org", consent_version="bench", via="bench")
            size = len(MessageFactory(outbox, s).message(Recipient("x@example.org", "t" * 43)))
            t0 = time.perf_counter()
            report = send_issue(outbox, s)
            seconds = time.perf_counter() - t0
            assert report.sent == n, report
            rows.append((mode, size, seconds))
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=30)
    print(f"send {n} messages of the example issue (DKIM, journal, 2 connections)")
    print(f"  {'mode':<8} {'bytes/msg':>10} {'MB sent':>9} {'seconds':>8} {'msgs/s':>8}")
    for mode, size, seconds in rows:
        print(f"  {mode:<8} {size:>10,} {size * n / 1e6:>9.1f} {seconds:>8.1f} {n / seconds:>8.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--issues", type=int, default=10)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_publish(Path(tmp), args.issues)
        bench_send(Path(tmp), args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
