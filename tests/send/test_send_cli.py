"""The editor's way through an issue, as commands: check, build, send --test/--dry-run/--yes,
with the file names volunteers' phones produce, hostile content, a change after the build and
the shipped example settings. Real SMTP server (aiosmtpd), real build (PDF included).
"""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core.config import load_settings
from newsletter.store.subscribers import add, open_store
from tests.support import REAL_IDENTITY, IssueDir, Sink, jpeg, png, smtp_server, valid_front

PHOTO = "WhatsApp Image 2027-01-12 at 14.32.10.jpeg"
LOGO = "Logo Verein.png"
EVENTS = """
[[events]]
date = 2026-12-12
time = "17:00"
title = "Für Ehrenamtliche: Gespräch über Öffentlichkeitsarbeit"
location = "Rathaus"
"""
ATTACK = "https://evil.example/steal?t=%%UNSUBSCRIBE_URL%%"


def toml_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(root: Path, port: int, *, real: bool = True) -> None:
    lines = ["[smtp]", f"port = {port}", "timeout = 5.0", "retry_seconds = 0.05"]
    if real:
        for section, values in REAL_IDENTITY.items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {toml_value(v)}" for key, v in values.items()]
    (root / "newsletter.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def site(chdir_tmp: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, Sink, IssueDir]]:
    """A working folder with newsletter.toml, a running relay, two subscribers and an issue
    (photo and logo named as the test's parameter says; tidy names by default)."""
    photo, logo = getattr(request, "param", ("foto.jpg", "logo.png"))
    handler = Sink()
    with smtp_server(handler) as port:
        write_config(chdir_tmp, port)
        issue = IssueDir(chdir_tmp / "submissions" / "2026-12")
        front = valid_front(photo=photo, logo=logo)
        front["contact"]["website"] = ATTACK
        front["location"] = "Treffpunkt %%UNSUBSCRIBE_URL%%"
        body = "Alles über uns [hier](" + ATTACK + ").\n\nMehr %%UNSUBSCRIBE_URL%% Text.\n"
        issue.add(
            "verein-sued",
            front,
            body,
            default_files=False,
            files={photo: jpeg(), logo: png()},
        )
        with (issue.folder / "issue.toml").open("a", encoding="utf-8") as fh:
            fh.write(EVENTS)
        settings = load_settings(root=chdir_tmp)
        with open_store(settings.path(settings.subscribers.database)) as db:
            for address in ("leserin@example.org", "leser@example.org"):
                add(db, address, consent_version="test", via="test")
        yield chdir_tmp, handler, issue


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("site", [(PHOTO, LOGO)], indirect=True)
def test_real_file_names_pass_check_build_and_every_kind_of_send(
    site: tuple[Path, Sink, IssueDir], capsys: pytest.CaptureFixture[str]
) -> None:
    root, handler, _ = site
    assert main(["check", "2026-12"]) == 0
    assert main(["build", "2026-12"]) == 0
    outbox = root / "outbox" / "2026-12"
    names = [p.relative_to(outbox).as_posix() for p in outbox.rglob("*") if p.is_file()]
    assert names and all(re.fullmatch(r"[a-z0-9][a-z0-9./-]*", n) for n in names), names
    assert "images/verein-sued/whatsapp-image-2027-01-12-at-14-32-10.jpg" in names
    assert any(n.startswith("images/verein-sued/logo-verein.") for n in names)
    assert any(n.startswith("print/verein-sued/whatsapp-image-") for n in names)
    assert "termine/01-fuer-ehrenamtliche-gespraech-ueber.ics" in names

    assert main(["send", "2026-12", "--test", "redaktion@example.org"]) == 0
    [test_mail] = handler.to("redaktion@example.org")
    assert str(test_mail["Subject"]).startswith("[TEST] ")
    assert main(["send", "2026-12", "--dry-run"]) == 0
    assert len(list((root / ".cache" / "private" / "2026-12" / "send").glob("*.eml"))) == 2
    assert not list(outbox.rglob("*.eml"))  # outbox/ is published: never an address in it
    assert main(["send", "2026-12", "--yes"]) == 0
    for address in ("leserin@example.org", "leser@example.org"):
        [msg] = handler.to(address)
        assert not str(msg["Subject"]).startswith("[TEST]")
        kinds = [p.get_content_type() for p in msg.walk()]
        assert "image/jpeg" in kinds and "image/png" in kinds  # photo and logo inline
    assert "Traceback" not in capsys.readouterr().err


def test_content_can_never_reach_a_readers_unsubscribe_token(
    site: tuple[Path, Sink, IssueDir], capsys: pytest.CaptureFixture[str]
) -> None:
    root, handler, _ = site
    assert main(["build", "2026-12"]) == 0
    assert main(["send", "2026-12", "--yes"]) == 0
    settings = load_settings(root=root)
    with open_store(settings.path(settings.subscribers.database)) as db:
        tokens = dict(db.execute("SELECT address_normalized, unsubscribe_token FROM subscribers"))
    for address, token in tokens.items():
        [msg] = handler.to(address)
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        links = re.findall(r'href="([^"]*)"', html) + re.findall(r"https?://\S+", text)
        evil = [link for link in links if "evil.example" in link]
        assert evil, "the contributor's link is in the mail"
        assert not any(token in link for link in evil)  # the takeover is impossible
        own = [link for link in links if token in link]
        assert own and all(
            link.startswith(REAL_IDENTITY["sender"]["unsubscribe_url"][:40]) for link in own
        )
        assert html.count(token) == 1 and text.count(token) == 1  # the template's place only
        assert "%%UNSUBSCRIBE_URL%%" in html  # the contributor's text stays as written
    published = (root / "outbox" / "2026-12" / "email.html").read_text(encoding="utf-8")
    unsubscribe = re.search(r'<a href="([^"]*)"[^>]*>Newsletter abbestellen', published)
    assert unsubscribe and unsubscribe.group(1).startswith("mailto:abmelden@")  # general link
    capsys.readouterr()
    assert main(["check", "2026-12"]) == 0  # named with a code; a warning, the text stays in
    out = capsys.readouterr().out
    assert out.count("CONTENT_PLACEHOLDER") == 3  # location, website, text


def test_a_build_older_than_its_sources_is_not_sent_without_a_word(
    site: tuple[Path, Sink, IssueDir], capsys: pytest.CaptureFixture[str]
) -> None:
    _, handler, issue = site
    assert main(["build", "2026-12"]) == 0
    md = issue.folder / "verein-sued" / "submission.md"
    md.write_text(md.read_text(encoding="utf-8").replace("Alles über uns", "Neu:"), "utf-8")
    for mode in (["--test", "redaktion@example.org"], ["--dry-run"], ["--yes"]):
        assert main(["send", "2026-12", *mode]) == 2
        err = capsys.readouterr().err
        assert "verein-sued/submission.md" in err and "--allow-outdated" in err
    assert handler.messages == []
    assert main(["send", "2026-12", "--test", "redaktion@example.org", "--allow-outdated"]) == 0
    assert main(["build", "2026-12"]) == 0
    assert main(["send", "2026-12", "--test", "redaktion@example.org"]) == 0
    assert len(handler.to("redaktion@example.org")) == 2


def test_the_shipped_example_settings_refuse_a_real_send_and_warn_otherwise(
    site: tuple[Path, Sink, IssueDir], capsys: pytest.CaptureFixture[str]
) -> None:
    root, handler, _ = site
    port = load_settings(root=root).smtp.port
    write_config(root, port, real=False)
    assert main(["build", "2026-12"]) == 0
    capsys.readouterr()
    assert main(["send", "2026-12", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "publisher.name" in err and "sender.from_address" in err and "Impressum" in err
    assert handler.messages == []
    assert main(["--lang", "en", "send", "2026-12", "--dry-run"]) == 0
    assert "example values" in capsys.readouterr().out
    assert main(["send", "2026-12", "--test", "redaktion@example.org"]) == 0
    assert "Beispielwerten" in capsys.readouterr().out
