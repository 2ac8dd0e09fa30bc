"""What many tests share: valid submissions and tiny images made with Pillow, an issue folder
written into tmp_path, a tree hash, a real SMTP sink on 127.0.0.1, a built email on disk.

Nothing here reads ../shared or writes under submissions/. Fixtures live in tests/conftest.py.
"""

from __future__ import annotations

import email
import email.policy
import functools
import hashlib
import io
import os
import socket
import stat
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from PIL import Image

from newsletter.check.rules import check_issue
from newsletter.core.config import Settings
from newsletter.core.models import Finding
from newsletter.intake.reader import read_issue

REPO = Path(__file__).resolve().parents[2]


EXAMPLE_ISSUE = REPO / "submissions" / "2026-12"


DEADLINE = "2026-11-27T23:59:00"


ON_TIME = "2026-11-20T10:00:00"


VALID_BODY = (
    "Der Verein wurde 2009 von Eltern gegründet, die selbst als Kinder in die Nordstadt "
    "gekommen sind. Wir bieten **Lernhilfe** und Begegnung für Kinder und Eltern.\n\n"
    "Mehr auf [unserer Webseite](https://verein.example.org) oder per "
    "[E-Mail](mailto:info@example.org).\n"
)


def valid_front(photo: str = "foto.jpg", logo: str = "logo.png") -> dict[str, Any]:
    """Front matter that passes every rule (with foto.jpg and logo.png beside it)."""
    return {
        "organisation": "Lernimpuls Beispiel e.V.",
        "goal": "Lernhilfe und Begegnung für Kinder, Jugendliche und Eltern",
        "location": "Nordstadt, Schulstraße 17",
        "contact": {
            "name": "Ayşe Beispiel",
            "email": "info@example.org",
            "phone": "0231 000000",
            "website": "https://verein.example.org",
        },
        "logo": logo,
        "language": "de",
        "photos": [
            {
                "file": photo,
                "caption": "Sommerfest im Stadtpark",
                "alt": "Kinder spielen Fußball auf einer Wiese",
                "credit": "Lernimpuls Beispiel e.V.",
                "consent": True,
            }
        ],
    }


def submission_md(front: Mapping[str, Any] | str, body: str = VALID_BODY) -> str:
    """A submission.md: front matter (a mapping, dumped as YAML, or raw YAML text) + body."""
    if not isinstance(front, str):
        front = yaml.safe_dump(dict(front), allow_unicode=True, sort_keys=False)
    return f"---\n{front.rstrip()}\n---\n{body}"


@functools.lru_cache(maxsize=64)
def image_bytes(
    width: int,
    height: int,
    fmt: str = "JPEG",
    *,
    noise: bool = False,
    orientation: int | None = None,
) -> bytes:
    """An image made with Pillow; `noise` makes a JPEG big enough to cut in half."""
    if noise:
        im = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        im = Image.new("RGB", (width, height), (40, 120, 200))
        # a second colour so the picture is not a single flat block
        im.paste((230, 200, 40), (0, 0, width // 3, height // 3))
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    if fmt == "GIF":
        im = im.convert("P")
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def jpeg(width: int = 1200, height: int = 900, **kw: Any) -> bytes:
    """A JPEG photo; the default size passes every size rule."""
    return image_bytes(width, height, "JPEG", **kw)


def png(width: int = 400, height: int = 200) -> bytes:
    """A PNG; the default size passes as a logo."""
    return image_bytes(width, height, "PNG")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@functools.lru_cache(maxsize=1)
def png_bomb() -> bytes:
    """A ~48 KB 1-bit PNG that declares 20000 x 20000 pixels (400 MP): a decompression bomb."""
    w = h = 20000
    row = b"\x00" * (1 + (w + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


CLEAN_SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">'
    '<rect width="300" height="100" fill="#2266aa"/>'
    '<text x="10" y="60" font-size="30" fill="#fff">Verein</text></svg>\n'
)


class IssueDir:
    """A tmp issue folder: issue.toml (rewritten on every change) and submission folders."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.deadline: str | None = DEADLINE
        self.received: dict[str, str] = {}
        self.accepted_late: list[str] = []
        folder.mkdir(parents=True, exist_ok=True)
        self.write_toml()

    def write_toml(self) -> None:
        """Write issue.toml from the current deadline, [received] and accepted_late."""
        lines = ['title = "Newsletter des Integrationsnetzwerks"', "number = 38"]
        lines.append("date = 2026-12-04")
        if self.deadline is not None:
            lines.append(f"deadline = {self.deadline}")
        lines.append(f"accepted_late = {self.accepted_late!r}".replace("'", '"'))
        lines.append("")
        lines.append("[received]")
        lines += [f'"{slug}" = {when}' for slug, when in self.received.items()]
        (self.folder / "issue.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def add(
        self,
        slug: str,
        front: Mapping[str, Any] | str | None = None,
        body: str = VALID_BODY,
        *,
        update: Mapping[str, Any] | None = None,
        files: Mapping[str, bytes | str] | None = None,
        default_files: bool = True,
        md: bytes | str | None = None,
        received: str | None = ON_TIME,
    ) -> Path:
        """Write a submission folder; return it.

        front: the front matter (default: `valid_front()`); `update` changes top-level keys of
        it (a value of None deletes the key). files: extra files (name -> content). With
        default_files the valid foto.jpg and logo.png are written first. md: the raw bytes
        of submission.md instead (None + front=None + update=None: the valid submission).
        """
        folder = self.folder / slug
        folder.mkdir(parents=True, exist_ok=True)
        if default_files:
            (folder / "foto.jpg").write_bytes(jpeg())
            (folder / "logo.png").write_bytes(png())
        if md is None:
            data: Mapping[str, Any] | str = valid_front() if front is None else front
            if update:
                assert not isinstance(data, str)
                merged = dict(data)
                for key, value in update.items():
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                data = merged
            md = submission_md(data, body)
        if isinstance(md, str):
            md = md.encode("utf-8")
        (folder / "submission.md").write_bytes(md)
        for name, content in (files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode("utf-8")
            path.write_bytes(content)
        if received is not None:
            self.received[slug] = received
        else:
            self.received.pop(slug, None)
        self.write_toml()
        return folder


def run_rules(folder: Path, settings: Settings) -> list[Finding]:
    """Intake and rules over an issue folder: every finding, as `check` sees them."""
    return check_issue(read_issue(folder, settings), settings)


def codes(findings: list[Finding], submission: str | None = None) -> list[str]:
    """The codes of the findings (of one submission, if given)."""
    return [f.code for f in findings if submission is None or f.submission == submission]


def assert_messages(finding: Finding) -> None:
    """Both texts exist, differ, and have every placeholder filled in."""
    de, en = finding.message("de"), finding.message("en")
    for text in (de, en):
        assert text.strip(), finding
        assert "{" not in text and "}" not in text, text
        assert not text.startswith(finding.code), text  # a catalogue entry, not the fallback
    assert de != en


ANY_FILE = "\0any"  # `the(..., file=...)` left out: any file


def the(
    findings: list[Finding],
    code: str,
    submission: str | None = None,
    file: str | None = ANY_FILE,
) -> Finding:
    """The one finding with this code (and submission, and file if given); checks its texts."""
    hits = [
        f
        for f in findings
        if f.code == code
        and (submission is None or f.submission == submission)
        and (file == ANY_FILE or f.file == file)
    ]
    assert len(hits) == 1, f"expected one {code} for {submission}/{file}, got {findings}"
    assert_messages(hits[0])
    return hits[0]


def tree_hash(folder: Path) -> str:
    """A hash of everything under `folder`: names, types, modes, mtimes, contents, links."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            rel = p.relative_to(folder).as_posix()
            h.update(f"{rel}\0{st.st_mode}\0{st.st_mtime_ns}\0{st.st_size}\0".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
            elif stat.S_ISREG(st.st_mode):
                h.update(p.read_bytes())
    return h.hexdigest()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or b"")))
        return "250 Message accepted"

    @property
    def rcpts(self) -> list[str]:
        """Every recipient of every message, in the order they came."""
        with self.lock:
            return [r for rcpts, _ in self.messages for r in rcpts]

    def count(self) -> Counter[str]:
        """Messages per recipient."""
        return Counter(self.rcpts)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to `address`, parsed."""
        with self.lock:
            raws = [raw for rcpts, raw in self.messages if address in rcpts]
        out = []
        for raw in raws:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def wait_for(self, address: str, n: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages sent to `address`, once there are `n` (or the timeout has passed)."""
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return found


@contextmanager
def smtp_server(handler: object, **options: Any) -> Iterator[int]:
    """An aiosmtpd server on 127.0.0.1 with `handler` for the block; yields its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB; large pages crashed there
]


def write_built_email(out: Path, html: str, text: str, issue: str = "2026-12") -> Path:
    """email.html, email.txt and manifest.json in `out` as `build` writes them.

    UNSUBSCRIBE_PLACEHOLDER in `html` and `text` stands for the template's own places of the
    personal link: the files get the general link there and the manifest records where.
    """
    import html as html_lib
    import json

    from newsletter.output.personal import place_personal
    from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER

    general = "mailto:abmelden@example.org?subject=Abbestellen"
    html, html_at = place_personal(html, UNSUBSCRIBE_PLACEHOLDER, html_lib.escape(general))
    text, text_at = place_personal(text, UNSUBSCRIBE_PLACEHOLDER, general)
    out.mkdir(parents=True, exist_ok=True)
    (out / "email.html").write_text(html, encoding="utf-8")
    (out / "email.txt").write_text(text, encoding="utf-8")
    files = [
        {
            "path": p.relative_to(out).as_posix(),
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    ]
    manifest = {
        "issue": issue,
        "files": files,
        "personal": {
            "email.html": {"link": html_lib.escape(general), "at": html_at},
            "email.txt": {"link": general, "at": text_at},
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


REAL_IDENTITY = {
    "publisher": {
        "name": "Integrationsnetzwerk Beispielstadt",
        "address": "Marktplatz 3, 58452 Beispielstadt",
        "email": "integration@beispielstadt-netz.de",
        "website": "https://beispielstadt-netz.de",
        "responsible": "Anna Schmidt",
        "base_url": "https://beispielstadt-netz.de/newsletter/",
    },
    "sender": {
        "from_address": "newsletter@beispielstadt-netz.de",
        "reply_to": "integration@beispielstadt-netz.de",
        "unsubscribe_url": "https://beispielstadt-netz.de/newsletter/unsubscribe/{token}",
        "unsubscribe_mailto": "abmelden@beispielstadt-netz.de",
    },
}


def real_identity(settings: Settings) -> Settings:
    """`settings` with a publisher and sender of its own instead of the shipped examples."""
    return settings.model_copy(
        update={
            name: getattr(settings, name).model_copy(update=values)
            for name, values in REAL_IDENTITY.items()
        }
    )
