"""Benchmark the upload page: from "Prüfen" to the findings shown, three 12 MP photos.

    .venv/bin/python bench/upload.py [--repeat 5]

The photos are three of the corpus's ($NEWSLETTER_CORPUS/photos) scaled to 4000×3000 with
Pillow (JPEG, quality 92, as a phone writes them), plus a logo. The service runs as
`newsletter serve` runs it (waitress on 127.0.0.1, in this process); one "Prüfen" is the whole
POST, from the first byte sent to the last byte of the page with the findings. Printed: the
median of `--repeat` runs, and the ratio to the baseline measured in the same run: `check`
(intake + rules, in-process) of the same submission written to disk by "Absenden".
Target: at most 1.5x, since both read the photos' headers, not their pixels.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from _common import corpus, median_seconds
from PIL import Image

from newsletter.check.stage import run_check
from newsletter.core.config import ServeSettings, load_settings
from newsletter.store import organisations as orgs
from newsletter.store import upload_links
from newsletter.store.subscribers import open_store
from newsletter.web.app import App
from newsletter.web.server import make_wsgi_server

ISSUE, SLUG = "2027-01", "bench-verein"


def photos_12mp() -> list[bytes]:
    """Three corpus photos at 12 MP, as JPEG bytes."""
    folder = corpus() / "photos"
    big = sorted(p for p in folder.glob("*.jpg") if Image.open(p).width >= 2000)[:3]
    out = []
    for p in big:
        with Image.open(p) as im:
            buf = io.BytesIO()
            im.convert("RGB").resize((4000, 3000)).save(buf, "JPEG", quality=92)
            out.append(buf.getvalue())
    return out


def multipart(fields: dict[str, Any]) -> tuple[str, bytes]:
    boundary = "----bench" + os.urandom(6).hex()
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            head = f'name="{name}"; filename="{value[0]}"\r\nContent-Type: image/jpeg'
            data = value[1]
        else:
            head, data = f'name="{name}"', str(value).encode()
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode())
        parts.append(data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return boundary, b"".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not (corpus() / "photos").is_dir():
        print(f"corpus not found: {corpus()} (set NEWSLETTER_CORPUS)", file=sys.stderr)
        return 2
    photos = photos_12mp()
    logo = io.BytesIO()
    Image.new("RGB", (600, 300), (20, 90, 160)).save(logo, "PNG")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = root / "submissions" / ISSUE
        issue.mkdir(parents=True)
        (issue / "issue.toml").write_text(
            'title = "Bench"\ndeadline = 2099-01-01T00:00:00\n', encoding="utf-8"
        )
        settings = load_settings(root=root)
        with open_store(settings.path(settings.subscribers.database)) as conn:
            orgs.add(conn, orgs.make(SLUG, name="Bench e.V."))
            token = upload_links.link(conn, settings, SLUG, ISSUE).token
        server = make_wsgi_server(lambda e, s: [], "127.0.0.1", 0)
        port = server.server_address[1]
        base = f"http://127.0.0.1:{port}/newsletter/"
        app = App(settings, ServeSettings.model_validate({"base_url": base, "upload_limit": 100}))
        server.set_app(app)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        path = f"/newsletter/einreichen/{token}"

        def request(method: str, body: bytes | None = None, ctype: str = "") -> str:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Origin": f"http://127.0.0.1:{port}"}
            if ctype:
                headers["Content-Type"] = ctype
            conn.request(method, path, body=body, headers=headers)
            text = conn.getresponse().read().decode()
            conn.close()
            return text

        page = request("GET")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        fields: dict[str, Any] = {
            "csrf": csrf[1],
            "organisation": "Bench e.V.",
            "contact_email": "info@example.org",
            "text": "Wir bieten Lernhilfe und Begegnung für Kinder und Eltern.",
            "logo": ("logo.png", logo.getvalue()),
            "action": "check",
        }
        for i, data in enumerate(photos, start=1):
            fields |= {f"photo-{i}": (f"IMG_{i}.JPG", data), f"photo-{i}_consent": "yes"}
            fields[f"photo-{i}_alt"] = "Ein Foto"
        boundary, body = multipart(fields)
        ctype = f"multipart/form-data; boundary={boundary}"
        try:
            shown = median_seconds(lambda: request("POST", body, ctype), args.repeat)
            b2, send_body = multipart({**fields, "action": "send"})
            sent = request("POST", send_body, f"multipart/form-data; boundary={b2}")
            assert "Vielen Dank" in sent, "the submission was not written"
            check = median_seconds(lambda: run_check(ISSUE, settings), args.repeat)
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            app.close()
    mb = len(body) / 1e6
    print(f"upload form: 3 photos 4000x3000 + logo, {mb:.1f} MB per POST")
    print(f"'Prüfen' to findings shown (median of {args.repeat}): {shown * 1000:.0f} ms")
    print(f"baseline: check of the same submission on disk:      {check * 1000:.0f} ms")
    print(f"ratio: {shown / check:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
