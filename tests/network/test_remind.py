"""`newsletter remind` and `newsletter feedback` against a real SMTP server and SQLite store.

Nothing is mocked: the relay is aiosmtpd on 127.0.0.1 (it refuses an address, or is slow, on
cue), and the crash is a kill -9 of a real `newsletter remind` process.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import stat
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from newsletter.cli.main import main
from newsletter.store import organisations as orgs
from newsletter.store.subscribers import open_store
from tests.support import IssueDir, Sink, free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
RLM = "\u200f"


class PickySink(Sink):
    """Refuses some addresses at RCPT; can be slow to answer DATA."""

    def __init__(self, refuse: set[str] | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.refuse = refuse or set()
        self.delay = delay

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def configure(root: Path, port: int, host: str = "127.0.0.1") -> None:
    (root / "newsletter.toml").write_text(
        f'[smtp]\nhost = "{host}"\nport = {port}\ntimeout = 5.0\n', encoding="utf-8"
    )


def register(root: Path, *entries: orgs.Organisation) -> None:
    with open_store(root / "subscribers.sqlite3") as conn:
        orgs.add_many(conn, entries)


@pytest.fixture
def network(chdir_tmp: Path) -> IssueDir:
    """An issue with one organisation in each situation (deadline 27.11.2026)."""
    issue = IssueDir(chdir_tmp / "submissions" / "2026-12")
    register(
        chdir_tmp,
        orgs.make("fehlt-de", name="Fehlt e.V.", emails="fehlt@example.org", contact="Jörg"),
        orgs.make("fehlt-ar", name="جمعية الجسر", emails="ar@example.org", language="ar-SY",
                  contact="رانيا"),
        orgs.make("fehler-tr", name="Köprü Derneği", emails="tr@example.org", language="tr"),
        orgs.make("gut-uk", name="Mriia", emails="uk@example.org", language="uk"),
        orgs.make("ohne-adresse", name="Ohne Adresse"),
        orgs.make("ruht", name="Ruht", emails="ruht@example.org", active=False),
    )  # fmt: skip
    issue.add("fehler-tr", update={"organisation": None})
    issue.add("gut-uk")
    issue.add("nicht-eingetragen", update={"organisation": None})
    return issue


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def parts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return str(text.get_content()), str(html.get_content())


def test_remind_once_a_day_in_each_language(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        assert main(["remind", "2026-12", "--yes"]) == 1  # one organisation has no address
        out = capsys.readouterr().out
        assert sorted(handler.rcpts) == ["ar@example.org", "fehlt@example.org", "tr@example.org"]
        assert "keine E-Mail-Adresse" in out and "ohne-adresse" in out
        assert "nicht-eingetragen" in out and "nicht im Verzeichnis" in out
        assert main(["remind", "2026-12", "--yes"]) == 1  # the same day: nobody again
        out = capsys.readouterr().out
        assert len(handler.rcpts) == 3
        assert out.count("heute schon erinnert") == 3
    german = handler.to("fehlt@example.org")[0]
    assert german["Subject"] == "Erinnerung: Ihr Beitrag für den Newsletter 2026-12"
    assert german["Auto-Submitted"] == "auto-generated"
    text, html = parts(german)
    assert text.startswith("Guten Tag Jörg,")
    assert "Einsendeschluss: 27. November 2026, 23:59" in text
    assert "höchstens 1500 Zeichen" in text and '<html lang="de" dir="ltr">' in html
    turkish = handler.to("tr@example.org")[0]
    text, _ = parts(turkish)
    assert (
        turkish["Subject"].startswith("Hatırlatma:") and turkish["Content-Language"] == "tr, de, en"
    )
    assert "Ayrıntılı notlar (Almanca ve İngilizce):" in text
    assert "Bitte ändern:" in text and "Please change:" in text  # findings in German and English
    assert "'organisation'" in text and "„organisation“" in text


def test_arabic_reminder_is_right_to_left_in_html_and_readable_as_text(
    network: IssueDir, chdir_tmp: Path
) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        main(["remind", "2026-12", "--yes"])
    msg = handler.to("ar@example.org")[0]
    assert msg["Subject"].startswith("تذكير") and "\u2068" not in msg["Subject"]
    assert msg["Content-Language"] == "ar"
    assert str(msg["To"]) == "جمعية الجسر <ar@example.org>"
    text, html = parts(msg)
    assert '<html lang="ar" dir="rtl">' in html
    assert "<bdi>رانيا</bdi>" in html and "<bdi>2026-12</bdi>" in html
    assert 'lang="de"' not in html  # every text has its translation
    lines = [line for line in text.splitlines() if line]
    assert lines and all(line.startswith(RLM) for line in lines)  # each line set right to left
    assert "آخر موعد للإرسال" in text
    assert "\u2068جمعية الجسر\u2069" in text  # names and dates isolated: they keep their order


def test_a_refused_address_is_recorded_and_the_others_go_on(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        orgs.edit(conn, "fehlt-de", add_emails=["alt@example.org"])
    handler = PickySink(refuse={"tr@example.org", "alt@example.org"})
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        assert main(["remind", "2026-12", "--yes"]) == 1
        out = capsys.readouterr().out
        assert sorted(handler.rcpts) == ["ar@example.org", "fehlt@example.org"]
        assert "fehler-tr" in out and "abgelehnt" in out and "550" in out
        assert "alt@example.org: 550" in out  # the organisation got it at its other address
        handler.refuse.clear()
        assert main(["remind", "2026-12", "--yes"]) == 1  # the refused one is tried again
        assert sorted(handler.rcpts) == ["ar@example.org", "fehlt@example.org", "tr@example.org"]


def test_without_a_relay_a_clear_message_and_nothing_marked(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["remind", "2099-01", "--dry-run"]) == 2
    assert "gibt es nicht" in capsys.readouterr().err
    configure(chdir_tmp, 25, host="")
    assert main(["remind", "2026-12", "--yes"]) == 2
    assert "kein Mailserver eingerichtet" in capsys.readouterr().err
    configure(chdir_tmp, free_port())
    assert main(["feedback", "2026-12", "--yes"]) == 2
    assert "nicht erreichbar" in capsys.readouterr().err
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM organisation_mail").fetchone()[0] == 0
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        assert main(["remind", "2026-12"]) == 2  # no terminal and no --yes: not confirmed
        assert "--yes" in capsys.readouterr().err
        assert handler.rcpts == []
        assert not (chdir_tmp / ".cache").exists()  # counting who would get one writes nothing


def test_dry_run_writes_private_files_outside_the_outbox_and_sends_nothing(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        assert main(["remind", "2026-12", "--dry-run"]) == 0
        folder = chdir_tmp / ".cache" / "private" / "2026-12" / "remind"
        files = sorted(p.name for p in folder.iterdir())
        assert files == ["fehler-tr.eml", "fehlt-ar.eml", "fehlt-de.eml"]
        for p in (folder, folder.parent, folder.parent.parent):
            assert stat.S_IMODE(p.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "fehlt-de.eml").stat().st_mode) == 0o600
        assert not (chdir_tmp / "outbox").exists()
        assert "privat" in capsys.readouterr().out
        assert main(["feedback", "2026-12", "--dry-run"]) == 0
        assert handler.rcpts == []
        assert main(["remind", "2026-12", "--yes"]) == 1  # the dry run marked nobody as done
        assert len(handler.rcpts) == 3


def test_feedback_only_when_the_result_changed(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        main(["feedback", "2026-12", "--yes"])
        assert sorted(handler.rcpts) == ["tr@example.org", "uk@example.org"]
        text, _ = parts(handler.to("uk@example.org")[0])
        assert "надійшов, усе гаразд" in text  # "angekommen, alles in Ordnung"
        capsys.readouterr()
        main(["feedback", "2026-12", "--yes"])
        assert len(handler.rcpts) == 2
        assert capsys.readouterr().out.count("unverändert") == 2
        network.add("gut-uk", update={"photos": "kein Foto"})  # now with an error
        main(["feedback", "2026-12", "--yes"])
        assert sorted(handler.rcpts) == ["tr@example.org", "uk@example.org", "uk@example.org"]
        text, _ = parts(handler.to("uk@example.org")[1])
        assert "Будь ласка, змініть" not in text  # findings come in German and English
        assert "Bitte ändern:" in text and "photos:" in text


KILL_SCRIPT = """
import sys
from newsletter.cli.main import main
sys.exit(main(["remind", "2026-12", "--yes"]))
"""


def test_kill_9_in_the_middle_nobody_is_reminded_twice(chdir_tmp: Path) -> None:
    IssueDir(chdir_tmp / "submissions" / "2026-12")
    people = [f"verein-{i:02d}" for i in range(40)]
    register(chdir_tmp, *(orgs.make(s, emails=f"{s}@example.org") for s in people))
    handler = PickySink(delay=0.05)
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT], cwd=chdir_tmp, env=env)
        deadline = time.monotonic() + 60
        while len(handler.rcpts) < 10 and time.monotonic() < deadline:
            assert proc.poll() is None, "the run finished before it could be killed"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        halfway = len(handler.rcpts)
        assert 10 <= halfway < 40
        main(["remind", "2026-12", "--yes"])  # resume
        counts = handler.count()
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        states = dict(conn.execute("SELECT slug, state FROM organisation_mail").fetchall())
    unknown = {s for s, state in states.items() if state == "unknown"}
    assert len(unknown) <= 1  # at most the one in flight
    for slug in people:
        address = f"{slug}@example.org"
        if slug in unknown:
            assert counts[address] <= 1
        else:
            assert counts[address] == 1, slug
            assert states[slug] == "sent"


def test_arabic_feedback_sets_the_german_and_english_findings_left_to_right(
    network: IssueDir, chdir_tmp: Path
) -> None:
    network.add("fehlt-ar", update={"organisation": None})
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        main(["feedback", "2026-12", "--yes"])
    text, html = parts(handler.to("ar@example.org")[0])
    assert '<html lang="ar" dir="rtl">' in html
    assert '<div lang="de" dir="ltr"' in html and '<div lang="en" dir="ltr"' in html
    assert "الملاحظات بالتفصيل (بالألمانية والإنجليزية)" in text
    german = next(line for line in text.splitlines() if line.startswith("Bitte ändern"))
    assert not german.startswith(RLM)  # a German paragraph stays left to right


def test_a_language_without_catalogue_gets_german_then_english(
    network: IssueDir, chdir_tmp: Path
) -> None:
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        orgs.edit(conn, "fehlt-de", language="ru")
    handler = Sink()
    with smtp_server(handler) as port:
        configure(chdir_tmp, port)
        main(["remind", "2026-12", "--yes"])
    msg = handler.to("fehlt@example.org")[0]
    assert msg["Subject"] == (
        "Erinnerung: Ihr Beitrag für den Newsletter 2026-12 / "
        "Reminder: your contribution to the newsletter 2026-12"
    )
    assert msg["Content-Language"] == "de, en"
    text, html = parts(msg)
    german, english = text.index("Guten Tag Jörg,"), text.index("Hello Jörg,")
    assert german < text.index("Vielen Dank") < english < text.index("kind regards")
    assert '<html lang="de" dir="ltr">' in html and '<div lang="en" dir="ltr"' in html


def test_with_a_dkim_key_the_mails_are_signed(network: IssueDir, chdir_tmp: Path) -> None:
    import base64

    import dkim

    key = chdir_tmp / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    assert main(["remind", "2026-12", "--dry-run"]) == 0
    (chdir_tmp / "newsletter.toml").write_text(
        f'[sender]\ndkim_key_file = "{key}"\n', encoding="utf-8"
    )
    assert main(["remind", "2026-12", "--dry-run"]) == 0
    folder = chdir_tmp / ".cache" / "private" / "2026-12" / "remind"
    raw = (folder / "fehlt-ar.eml").read_bytes()
    assert raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    signed = parse(raw)["DKIM-Signature"].split("h=")[1].split(";")[0].lower()
    for header in ("from", "to", "subject", "date", "message-id", "content-language"):
        assert header in signed
