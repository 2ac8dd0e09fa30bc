"""`newsletter publish ISSUE… [--to TARGET] [--dry-run] [--unpublish]`: the website."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import ISSUE_HELP, Subparsers, add_command
from newsletter.texts.cli import N_, say
from newsletter.texts.numbers import human_bytes

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings

NAME = "publish"

_T: dict[str, str] = {
    "done": N_(
        "Veröffentlicht nach {target} (Version {release}, {seconds:.1f} s): "
        "{n} Ausgaben, {files} Dateien, {size}."
    ),
    "unchanged": N_(
        "Nichts geändert seit der letzten Veröffentlichung nach {target}; nichts hochgeladen."
    ),
    "dry": N_(
        "Probelauf: nichts hochgeladen. Die Website ({n} Ausgaben, {files} "
        "Dateien, {size}) liegt zum Ansehen in {site}."
    ),
    "rebuilt": N_("Ohne zurückgezogene Fotos neu gebaut: {issues}."),
    "hosted": N_(
        "Bilder auf der Website erreichbar (E-Mails können sie von dort laden): {issues}."
    ),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of these commands in the chosen language."""
    return say(_T[key], lang, **kw)


def add_parser(subparsers: Subparsers) -> None:
    """Add `publish` to the `newsletter` command."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("Ausgaben mit Archiv, Verzeichnis, Suche und Feeds auf die Website stellen"),
        description=N_(
            "Stellt die Ausgabe(n) auf die Website: Web-Version, PDF, Anlagen, "
            "Termine, Archiv, „Wer ist wer im Netzwerk“, Suche, Atom-Feed und termine.ics."
        ),
    )
    p.add_argument("issue", nargs="+", metavar=N_("AUSGABE"), help=ISSUE_HELP)
    p.add_argument(
        "--to", metavar=N_("ZIEL"), help=N_("Ordner oder benutzer@host:/pfad (rsync über SSH)")
    )
    p.add_argument(
        "--dry-run", action="store_true", help=N_("nur lokal zusammenstellen, nichts hochladen")
    )
    p.add_argument(
        "--unpublish", action="store_true", help=N_("die Ausgabe(n) aus dem Archiv nehmen")
    )


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`publish ISSUE…`."""
    from newsletter.publish.run import publish

    r = publish(
        list(args.issue), settings, target=args.to, dry_run=args.dry_run, unpublish=args.unpublish
    )
    size = human_bytes(r.bytes, lang)
    if r.rebuilt:
        out.print(_t("rebuilt", lang, issues=", ".join(r.rebuilt)), markup=False)
    if r.dry_run:
        out.print(
            _t("dry", lang, n=len(r.issues), files=r.files, size=size, site=r.site), markup=False
        )
    elif r.unchanged:
        out.print(_t("unchanged", lang, target=r.target), markup=False)
    else:
        out.print(
            _t(
                "done",
                lang,
                target=r.target,
                release=r.release,
                seconds=r.seconds,
                n=len(r.issues),
                files=r.files,
                size=size,
            ),
            markup=False,
        )
        if r.hosted:
            out.print(_t("hosted", lang, issues=", ".join(r.hosted)), markup=False)
    return 0
