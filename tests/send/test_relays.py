"""Several relays (issue 17, goal 5): `[[smtp.relays]]` spread the recipients by weight, a
relay that refuses with 4xx, drops connections or disappears is failed over, a 5xx stays the
recipient's fate, and the journal keeps every recipient exactly once across relays, a kill -9
included. Real aiosmtpd servers on 127.0.0.1; nothing is mocked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from newsletter.core.config import RelaySettings, Settings, load_settings
from newsletter.send.deliver import send_issue
from newsletter.store.subscribers import open_store
from tests.send.test_deliver import configure, make_outbox, subscribe
from tests.support import Sink, free_port

ROOT = Path(__file__).resolve().parents[2]


class Refusing(Sink):
    """A relay that answers every RCPT with a 4xx (busy, greylisting, over its quota)."""

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, opts: Any
    ) -> str:
        return "451 4.7.1 Bitte später erneut versuchen"


class Rejecting(Sink):
    """A relay that accepts everyone but one address, which it refuses for good (5xx)."""

    def __init__(self, bad: str) -> None:
        super().__init__()
        self.bad = bad
        self.refused: list[str] = []

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, opts: Any
    ) -> str:
        if address == self.bad:
            self.refused.append(address)
            return "550 5.1.1 Postfach unbekannt"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Vanishing(Sink):
    """A relay that shuts down (listener and connections) after `after` messages."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.controller: Controller | None = None
        self.gone = threading.Event()

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) >= self.after and not self.gone.is_set():
            self.gone.set()
            assert self.controller is not None
            threading.Thread(target=self.controller.stop, daemon=True).start()
        return reply


@contextmanager
def servers(*handlers: Sink) -> Iterator[list[int]]:
    """An aiosmtpd server per handler on 127.0.0.1; yields their ports."""
    with ExitStack() as stack:
        ports = []
        for handler in handlers:
            port = free_port()
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            if isinstance(handler, Vanishing):
                handler.controller = controller
            else:
                stack.callback(controller.stop)
            ports.append(port)
        yield ports


def relays(tmp: Path, ports: list[int], weights: list[int] | None = None, **kw: Any) -> Settings:
    settings = configure(tmp, ports[0], **kw)
    confs = [
        RelaySettings.model_validate(
            dict(
                name=f"relay-{i}",
                host="127.0.0.1",
                port=port,
                security="none",
                password_env="",
                connections=2,
                weight=(weights or [1] * len(ports))[i],
            )
        )
        for i, port in enumerate(ports)
    ]
    return settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"relays": confs})})


def states(settings: Settings) -> Counter[str]:
    with open_store(settings.path(settings.subscribers.database)) as db:
        rows = db.execute("SELECT state FROM send_journal").fetchall()
    return Counter(r[0] for r in rows)


def test_relays_table_is_read_from_the_toml_and_smtp_alone_is_one_relay(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text(
        "[smtp]\nhost = '127.0.0.1'\nport = 2525\n\n"
        "[[smtp.relays]]\nname = 'Nord'\nhost = 'smtp-nord.example.org'\nport = 465\n"
        "security = 'tls'\nusername = 'nl'\npassword_env = 'NL_NORD_PW'\nweight = 3\n"
        "per_minute = 600\nconnections = 4\n\n"
        "[[smtp.relays]]\nhost = 'smtp-süd.example.org'\n",
        encoding="utf-8",
    )
    settings = load_settings(root=tmp_path)
    nord, sued = settings.smtp.relay_list()
    assert (nord.label, nord.port, nord.security, nord.weight, nord.connections) == (
        "Nord",
        465,
        "tls",
        3,
        4,
    )
    assert sued.label == "smtp-süd.example.org:587" and sued.security == "starttls"
    os.environ["NL_NORD_PW"] = "geheim"
    try:
        assert nord.secret() == "geheim"
    finally:
        del os.environ["NL_NORD_PW"]
    (tmp_path / "newsletter.toml").write_text("[smtp]\nport = 2525\n", encoding="utf-8")
    (only,) = load_settings(root=tmp_path).smtp.relay_list()
    assert (only.host, only.port, only.security) == ("127.0.0.1", 2525, "none")


def test_a_relay_entry_with_a_wrong_key_is_reported_with_its_key(tmp_path: Path) -> None:
    from newsletter.core.errors import ConfigError

    (tmp_path / "newsletter.toml").write_text(
        "[[smtp.relays]]\nhost = 'a.example.org'\nweight = 0\nport = 'x'\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(root=tmp_path)
    keys = " ".join(str(k) for k, _ in info.value.problems)
    assert "relays" in keys and "weight" in keys and "port" in keys


def test_recipients_are_spread_by_weight_each_exactly_once(tmp_path: Path) -> None:
    sinks = [Sink(), Sink(), Sink()]
    people = [f"leser{i:03d}@example.org" for i in range(120)]
    with servers(*sinks) as ports:
        settings = relays(tmp_path, ports, weights=[1, 1, 2])
        subscribe(settings, people)
        report = send_issue(make_outbox(tmp_path), settings)
    assert report.sent == 120
    total = sum((s.count() for s in sinks), Counter())
    assert total == Counter(people)
    shares = [sum(s.count().values()) for s in sinks]
    assert shares == [30, 30, 60]


def test_a_relay_answering_4xx_is_failed_over_and_5xx_stays_final(tmp_path: Path) -> None:
    busy, good = Refusing(), Rejecting("niemand@example.org")
    people = [f"leserin{i:02d}@example.org" for i in range(30)] + ["niemand@example.org"]
    with servers(busy, good) as ports:
        settings = relays(tmp_path, ports)
        subscribe(settings, people)
        report = send_issue(make_outbox(tmp_path), settings)
    assert busy.count() == Counter()
    assert good.count() == Counter(p for p in people if p != "niemand@example.org")
    assert report.summary is not None
    assert [a for a, _code, _text in report.summary.failed] == ["niemand@example.org"]
    assert good.refused == ["niemand@example.org"]  # refused once, not tried elsewhere
    assert states(settings) == Counter({"sent": 30, "failed": 1})


def test_an_unreachable_relay_is_left_to_the_others(tmp_path: Path) -> None:
    sink = Sink()
    people = [f"p{i}@example.org" for i in range(20)]
    with servers(sink) as ports:
        settings = relays(tmp_path, [free_port(), *ports])
        subscribe(settings, people)
        report = send_issue(make_outbox(tmp_path), settings)
    assert report.sent == 20 and sink.count() == Counter(people)


def test_a_relay_that_disappears_mid_run_loses_nobody_and_doubles_nobody(
    tmp_path: Path,
) -> None:
    vanishing, steady = Vanishing(after=15), Sink()
    people = [f"leser{i:03d}@example.org" for i in range(150)]
    with servers(vanishing, steady) as ports:
        settings = relays(tmp_path, ports)
        subscribe(settings, people)
        report = send_issue(make_outbox(tmp_path), settings)
    assert vanishing.gone.is_set()
    received = vanishing.count() + steady.count()
    assert report.summary is not None
    unknown = set(report.summary.unknown)
    assert len(unknown) <= 2  # at most what was in DATA on its connections
    for person in people:
        if person in unknown:
            assert received[person] <= 1
        else:
            assert received[person] == 1, person
    assert steady.count() and states(settings)["sent"] + len(unknown) == 150


KILL_SCRIPT = """
import json, sys
from pathlib import Path
sys.path.insert(0, "tests")
from tests.send.test_relays import relays
from newsletter.send.deliver import send_issue
root, ports = Path(sys.argv[1]), json.loads(sys.argv[2])
send_issue(root / "outbox" / "2026-12", relays(root, ports))
"""


def test_kill_9_across_three_relays_then_resume_sends_nobody_twice(tmp_path: Path) -> None:
    sinks = [Sink(), Sink(), Sink()]
    people = [f"leser{i:04d}@example.org" for i in range(900)]
    with servers(*sinks) as ports:
        settings = relays(tmp_path, ports)
        subscribe(settings, people)
        make_outbox(tmp_path)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(tmp_path), json.dumps(ports)],
            cwd=ROOT,
            env=env,
        )

        def received() -> int:
            return sum(sum(s.count().values()) for s in sinks)

        deadline = time.monotonic() + 120
        while received() < 300 and time.monotonic() < deadline:
            assert proc.poll() is None, "the sender finished before it could be killed"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        halfway = received()
        assert 300 <= halfway < 900
        assert all(s.count() for s in sinks)  # all three relays were in use
        report = send_issue(tmp_path / "outbox" / "2026-12", settings)  # resume
        counts = sum((s.count() for s in sinks), Counter())
    assert report.summary is not None
    unknown = set(report.summary.unknown)
    assert set(report.recovered_unknown) == unknown
    assert len(unknown) <= 6  # at most one message in flight per connection (3 x 2)
    for person in people:
        assert counts[person] == (counts[person] if person in unknown else 1), person
        assert counts[person] <= 1
    assert report.summary.counts["sent"] + len(unknown) == 900
