"""`newsletter publish --to user@host:path` through rsync over SSH, against a throwaway sshd
(Debian's openssh-server) started on 127.0.0.1 with a generated host key and an authorized key,
as test_mailbox.py does with dovecot. Nothing is mocked: ssh, rsync and sshd are the real ones.
"""

from __future__ import annotations

import getpass
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.core.config import Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.output.build import build_issue
from newsletter.publish.run import publish
from tests.publish.test_publish import TODAY, make_issue
from tests.support import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """sshd on 127.0.0.1:PORT accepting only the generated key; (port, folder with keys)."""
    assert Path(SSHD).exists(), "openssh-server is not installed: run `make test`"
    conf = tmp_path_factory.mktemp("sshd")
    conf.chmod(0o700)
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(conf / name)], check=True
        )
    (conf / "authorized_keys").write_text((conf / "client.pub").read_text())
    (conf / "authorized_keys").chmod(0o600)
    port = free_port()
    (conf / "known_hosts").write_text(
        f"[127.0.0.1]:{port} " + " ".join((conf / "host.pub").read_text().split()[:2]) + "\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    (conf / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {conf / 'host'}\n"
        f"AuthorizedKeysFile {conf / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\n"
        f"PidFile {conf / 'sshd.pid'}\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "Subsystem sftp internal-sftp\n"
    )
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(conf / "sshd_config")],
        stderr=(conf / "sshd.log").open("wb"),
    )
    try:
        for _ in range(100):
            if proc.poll() is not None:
                pytest.fail("sshd did not start: " + (conf / "sshd.log").read_text())
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, conf
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def ssh_settings(root: Path, conf: Path) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsletter.toml").write_text(
        "[publish]\nssh_options = ["
        f'"-i", "{conf / "client"}", "-o", "UserKnownHostsFile={conf / "known_hosts"}", '
        '"-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes"]\n',
        encoding="utf-8",
    )
    return load_settings(root=root)


def test_publish_over_ssh_switches_releases_and_keeps_the_old_one_on_failure(
    sshd: tuple[int, Path], tmp_path: Path
) -> None:
    port, conf = sshd
    root = tmp_path / "root"
    settings = ssh_settings(root, conf)
    for slug in ("2026-10", "2026-12"):
        make_issue(root, slug)
        build_issue(slug, settings)
    remote = tmp_path / "remote" / "www"
    remote.mkdir(parents=True)
    user = getpass.getuser()
    target = f"ssh://{user}@127.0.0.1:{port}{remote}/newsletter"
    first = publish(["2026-10"], settings, target=target, today=TODAY)
    link = remote / "newsletter"
    assert link.is_symlink() and link.readlink().name == first.release
    assert (link / "2026-10" / "web" / "index.html").is_file()
    assert (link / "pagefind" / "pagefind.js").is_file()
    old_pdf = (link / "2026-10" / "newsletter.pdf").stat().st_ino
    second = publish(["2026-12"], settings, target=target, today=TODAY)
    assert link.readlink().name == second.release != first.release
    assert (link / "2026-12" / "newsletter.pdf").is_file()
    # unchanged files are hard-linked from the previous release, not uploaded again
    assert (link / "2026-10" / "newsletter.pdf").stat().st_ino == old_pdf
    # the scp form, and a refused login: the error names the target, the site stays
    refused = settings.model_copy(
        update={
            "publish": settings.publish.model_copy(
                update={
                    "ssh_options": [
                        "-i",
                        str(conf / "host"),
                        "-o",
                        f"UserKnownHostsFile={conf / 'known_hosts'}",
                        "-o",
                        "IdentitiesOnly=yes",
                        "-p",
                        str(port),
                    ]
                }
            )
        }
    )
    with pytest.raises(NewsletterError) as caught:
        publish(["2026-12"], refused, target=f"{user}@127.0.0.1:{remote}/newsletter", today=TODAY)
    assert caught.value.code == "PUBLISH_UNREACHABLE"
    assert "127.0.0.1" in str(caught.value.params["target"])
    assert link.readlink().name == second.release
