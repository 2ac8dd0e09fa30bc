"""Where the site goes, and how it is switched there in one step.

A target is a local folder or a remote one reached through rsync over SSH (Debian's rsync and
openssh-client: an existing, trusted engine). Either way the path the web server serves is a
symbolic link that publish owns:

    PARENT/NAME                      -> .NAME.releases/20261204T101500-ab12cd
    PARENT/.NAME.releases/<release>/ one complete site each

A new release is uploaded into `<release>.partial/` (unchanged files hard-linked from the
current release with rsync's --link-dest, so a warm upload moves only what changed), renamed
to `<release>` when complete, and the link is switched with `ln -sfn` + `mv -T` (a rename: a
reader sees the old site or the new one, never half of one). A failed upload removes its
partial folder and leaves the link, and so the old site, as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError

_SCP = re.compile(
    r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(?P<path>.+)$"
)
_RELEASE = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


@dataclass(frozen=True)
class Target:
    """A parsed target: `host` None for a local folder."""

    text: str  # as the editor wrote it (named in every error)
    path: str  # the link the web server serves (absolute or relative to the remote home)
    host: str | None = None
    user: str | None = None
    port: int | None = None

    @property
    def remote(self) -> bool:
        """True for rsync over SSH."""
        return self.host is not None

    @property
    def releases(self) -> str:
        """The folder beside the link that holds the complete releases."""
        p = PurePosixPath(self.path)
        return str(p.parent / f".{p.name}.releases")

    @property
    def link_value(self) -> str:
        """What the link points to, relative to its folder."""
        return f".{PurePosixPath(self.path).name}.releases"


def parse_target(text: str, settings: Settings) -> Target:
    """`/srv/www/newsletter`, `user@host:/srv/www/newsletter` or `ssh://user@host:2222/path`."""
    text = text.strip()
    if not text:
        raise NewsletterError("PUBLISH_NO_TARGET")
    if text.startswith("ssh://"):
        u = urlsplit(text)
        if not u.hostname or not u.path or u.path == "/":
            raise NewsletterError(
                "PUBLISH_TARGET_INVALID", None, {"target": text, "detail": "ssh://host/path"}
            )
        return Target(text, u.path.rstrip("/"), u.hostname, u.username, u.port)
    m = _SCP.match(text)
    if m and not Path(text).exists() and "/" not in text.split(":", 1)[0]:
        path = m.group("path").rstrip("/") or "."
        return Target(text, path, m.group("host").strip("[]"), m.group("user"))
    local = settings.path(Path(text)).absolute()
    return Target(text, str(local).rstrip("/") or "/")


def _ssh_base(t: Target, settings: Settings) -> list[str]:
    cmd = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15"]
    if t.port:
        cmd += ["-p", str(t.port)]
    return cmd + list(settings.publish.ssh_options)


def _host(t: Target) -> str:
    return f"{t.user}@{t.host}" if t.user else str(t.host)


def _run(cmd: list[str], t: Target, settings: Settings, code: str) -> str:
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=settings.publish.timeout, check=False
        )
    except FileNotFoundError as exc:
        raise NewsletterError(
            "PUBLISH_TARGET_INVALID", None, {"target": t.text, "detail": f"{exc.filename} fehlt"}
        ) from None
    except subprocess.TimeoutExpired:
        raise NewsletterError(code, None, {"target": t.text, "detail": "timeout"}) from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        detail = lines[-1] if lines else f"exit {proc.returncode}"
        if t.remote and proc.returncode == 255:  # ssh itself: the host, not the upload
            code = "PUBLISH_UNREACHABLE"
        raise NewsletterError(code, None, {"target": t.text, "detail": detail})
    return proc.stdout


def _remote(t: Target, settings: Settings, script: str, code: str) -> str:
    return _run([*_ssh_base(t, settings), _host(t), script], t, settings, code)


def current_release(t: Target, settings: Settings) -> str | None:
    """The release the link points at now (None: nothing published there yet).

    Also checks that the target can be used: reachable, and not a folder made by someone else.
    """
    q = shlex.quote(t.path)
    if t.remote:
        out = _remote(
            t,
            settings,
            f"if [ -L {q} ]; then readlink {q}; elif [ -e {q} ]; then echo '!notlink'; fi;"
            f" mkdir -p {shlex.quote(t.releases)}",
            "PUBLISH_UNREACHABLE",
        ).strip()
    else:
        p = Path(t.path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            Path(t.releases).mkdir(exist_ok=True)
        except OSError as exc:
            raise NewsletterError(
                "PUBLISH_TARGET_INVALID", None, {"target": t.text, "detail": exc.strerror or exc}
            ) from None
        if p.is_symlink():
            out = os.readlink(p)
        elif p.exists():
            if p.is_dir() and not any(p.iterdir()):
                p.rmdir()  # an empty folder made for us: the link takes its place
                out = ""
            else:
                out = "!notlink"
        else:
            out = ""
    if out == "!notlink":
        raise NewsletterError(
            "PUBLISH_TARGET_INVALID",
            None,
            {"target": t.text, "detail": "kein von publish verwalteter Link / not a publish link"},
        )
    name = PurePosixPath(out).name if out else ""
    return name if _RELEASE.match(name) else None


def upload(t: Target, settings: Settings, site: Path, release: str, previous: str | None) -> None:
    """Copy `site` into a new release folder; the old site is untouched whatever happens."""
    partial = f"{t.releases}/{release}.partial"
    cmd = ["rsync", "-a", "--delete", "--chmod=Du=rwx,Dgo=rx,Fu=rw,Fgo=r"]
    if previous:
        cmd.append(f"--link-dest=../{previous}")
    if t.remote:
        cmd += ["-e", shlex.join(_ssh_base(t, settings))]
        dest = f"{_host(t)}:{partial}/"
    else:
        dest = f"{partial}/"
    try:
        _run([*cmd, f"{site}/", dest], t, settings, "PUBLISH_UPLOAD_FAILED")
        script = f"mv -T {shlex.quote(partial)} {shlex.quote(t.releases + '/' + release)}"
        if t.remote:
            _remote(t, settings, script, "PUBLISH_UPLOAD_FAILED")
        else:
            os.rename(partial, f"{t.releases}/{release}")
    except (NewsletterError, OSError) as exc:
        _discard(t, settings, partial)
        if isinstance(exc, OSError):
            raise NewsletterError(
                "PUBLISH_UPLOAD_FAILED", None, {"target": t.text, "detail": exc.strerror or exc}
            ) from None
        raise


def switch(t: Target, settings: Settings, release: str) -> None:
    """Point the link at `release` in one rename (`ln -sfn` + `mv -T`)."""
    value = f"{t.link_value}/{release}"
    tmp = f"{t.path}.switch-{release}"
    if t.remote:
        _remote(
            t,
            settings,
            f"ln -sfn {shlex.quote(value)} {shlex.quote(tmp)} && mv -T {shlex.quote(tmp)} "
            f"{shlex.quote(t.path)}",
            "PUBLISH_UPLOAD_FAILED",
        )
        return
    try:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(value, tmp)
        os.replace(tmp, t.path)
    except OSError as exc:
        raise NewsletterError(
            "PUBLISH_UPLOAD_FAILED", None, {"target": t.text, "detail": exc.strerror or exc}
        ) from None


def prune(t: Target, settings: Settings, keep: list[str]) -> None:
    """Remove releases other than `keep` (and leftover partial folders); best effort."""
    if t.remote:
        keep_q = " ".join(shlex.quote(k) for k in keep)
        script = (
            f'cd {shlex.quote(t.releases)} && for d in *; do case " {keep_q} " in'
            ' *" $d "*) ;; *) rm -rf -- "$d";; esac; done'
        )
        with contextlib.suppress(NewsletterError):
            _remote(t, settings, script, "PUBLISH_UPLOAD_FAILED")
        return
    for d in Path(t.releases).iterdir():
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)


def _discard(t: Target, settings: Settings, partial: str) -> None:
    if t.remote:
        with contextlib.suppress(NewsletterError):
            _remote(t, settings, f"rm -rf -- {shlex.quote(partial)}", "PUBLISH_UPLOAD_FAILED")
    else:
        shutil.rmtree(partial, ignore_errors=True)


def list_releases(t: Target, settings: Settings) -> list[str]:
    """The complete releases at the target, oldest first."""
    if t.remote:
        out = _remote(t, settings, f"ls -1 {shlex.quote(t.releases)}", "PUBLISH_UNREACHABLE")
        names = out.split()
    else:
        names = [p.name for p in Path(t.releases).iterdir()]
    return sorted(n for n in names if _RELEASE.match(n))
