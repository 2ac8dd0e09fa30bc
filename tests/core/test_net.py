"""This machine (one notion for SMTP, IMAP, `serve` and `preview`) and the one TLS context."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from newsletter.core.net import is_loopback, tls_context


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST", "localhost."]
)
def test_this_machine(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org", "localhost.example.org", ""],
)
def test_not_this_machine(host: str) -> None:
    assert not is_loopback(host)


def test_tls_context_always_verifies() -> None:
    context = tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_tls_context_adds_a_private_ca(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is missing")
    cert = tmp_path / "ca.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=Stadt Test-CA", "-keyout", str(tmp_path / "ca.key"), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    before = len(tls_context().get_ca_certs())
    context = tls_context(cert)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    subjects = [str(c["subject"]) for c in context.get_ca_certs()]
    assert sum("'Stadt Test-CA'" in s for s in subjects) == 1
    assert len(subjects) == before + 1


def test_tls_context_with_a_missing_ca_file_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tls_context(tmp_path / "fehlt.pem")
