"""`newsletter publish ISSUE… [--to TARGET] [--dry-run] [--unpublish]` and
`newsletter withdraw ISSUE SLUG PHOTO --reason …`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from newsletter.cli.i18n import pick, register_help
from newsletter.texts.numbers import human_bytes

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings

COMMAND = "publish"
ISSUE_HELP = "Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner"

register_help(
    {
        "Ausgaben mit Archiv, Verzeichnis, Suche und Feeds auf die Website stellen": (
            "put issues on the website with archive, directory, search and feeds"
        ),
        "Stellt die Ausgabe(n) auf die Website: Web-Version, PDF, Anlagen, Termine, Archiv, "
        "„Wer ist wer im Netzwerk“, Suche, Atom-Feed und termine.ics.": (
            "Puts the issue(s) on the website: web version, PDF, attachments, dates, archive, "
            "'Wer ist wer im Netzwerk' (who is who), search, Atom feed and termine.ics."
        ),
        "Ordner oder benutzer@host:/pfad (rsync über SSH)": (
            "a folder, or user@host:/path (rsync over SSH)"
        ),
        "ZIEL": "TARGET",
        "KÜRZEL": "SLUG",
        "FOTO": "PHOTO",
        "GRUND": "REASON",
        "nur lokal zusammenstellen, nichts hochladen": "assemble locally only, upload nothing",
        "die Ausgabe(n) aus dem Archiv nehmen": "take the issue(s) out of the archive",
        "eine Fotofreigabe zurückziehen (das Foto verschwindet von der Website)": (
            "withdraw a photo release (the photo disappears from the website)"
        ),
        "die Einreichung (Name des Organisations-Ordners)": (
            "the submission (the name of the organisation's folder)"
        ),
        "Dateiname des Fotos, wie in submission.md": "the photo's file name, as in submission.md",
        "Grund, z. B. „Widerruf per E-Mail“": "the reason, e.g. 'withdrawn by e-mail'",
    }
)

_T: dict[str, tuple[str, str]] = {
    "done": (
        "Veröffentlicht nach {target} (Version {release}, {seconds:.1f} s): {n} Ausgaben, "
        "{files} Dateien, {size}.",
        "Published to {target} (release {release}, {seconds:.1f} s): {n} issues, {files} files, "
        "{size}.",
    ),
    "unchanged": (
        "Nichts geändert seit der letzten Veröffentlichung nach {target}; nichts hochgeladen.",
        "Nothing changed since the last publish to {target}; nothing uploaded.",
    ),
    "dry": (
        "Probelauf: nichts hochgeladen. Die Website ({n} Ausgaben, {files} Dateien, {size}) "
        "liegt zum Ansehen in {site}.",
        "Dry run: nothing uploaded. The site ({n} issues, {files} files, {size}) is in {site} "
        "to look at.",
    ),
    "rebuilt": (
        "Ohne zurückgezogene Fotos neu gebaut: {issues}.",
        "Rebuilt without withdrawn photos: {issues}.",
    ),
    "hosted": (
        "Bilder auf der Website erreichbar (E-Mails können sie von dort laden): {issues}.",
        "Images reachable on the site (mails can load them from there): {issues}.",
    ),
    "withdrawn": (
        "Freigabe zurückgezogen: {photo} ({slug}, Ausgabe {issue}), {when}. Beim nächsten "
        "„newsletter publish“ verschwindet das Foto aus allen veröffentlichten Seiten und PDFs.",
        "Release withdrawn: {photo} ({slug}, issue {issue}), {when}. The next 'newsletter "
        "publish' removes the photo from every published page and PDF.",
    ),
    "again": (
        "Diese Freigabe war schon zurückgezogen ({when}); nichts geändert.",
        "This release was withdrawn already ({when}); nothing changed.",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of these commands in the chosen language."""
    return pick(_T, key, lang, **kw)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `publish` to the `newsletter` command."""
    p = sub.add_parser(
        COMMAND,
        help="Ausgaben mit Archiv, Verzeichnis, Suche und Feeds auf die Website stellen",
        description="Stellt die Ausgabe(n) auf die Website: Web-Version, PDF, Anlagen, "
        "Termine, Archiv, „Wer ist wer im Netzwerk“, Suche, Atom-Feed und termine.ics.",
    )
    p.add_argument("issue", nargs="+", metavar="AUSGABE", help=ISSUE_HELP)
    p.add_argument("--to", metavar="ZIEL", help="Ordner oder benutzer@host:/pfad (rsync über SSH)")
    p.add_argument(
        "--dry-run", action="store_true", help="nur lokal zusammenstellen, nichts hochladen"
    )
    p.add_argument("--unpublish", action="store_true", help="die Ausgabe(n) aus dem Archiv nehmen")
    p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`publish ISSUE…`."""
    from newsletter.publish.run import publish

    r = publish(
        list(args.issue), settings, target=args.to, dry_run=args.dry_run, unpublish=args.unpublish
    )
    size = human_bytes(r.bytes, lang)
    if r.rebuilt:
        out.print(t("rebuilt", lang, issues=", ".join(r.rebuilt)), markup=False)
    if r.dry_run:
        out.print(
            t("dry", lang, n=len(r.issues), files=r.files, size=size, site=r.site), markup=False
        )
    elif r.unchanged:
        out.print(t("unchanged", lang, target=r.target), markup=False)
    else:
        out.print(
            t(
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
            out.print(t("hosted", lang, issues=", ".join(r.hosted)), markup=False)
    return 0


class _Withdraw:
    """`newsletter withdraw ISSUE SLUG PHOTO --reason …`."""

    COMMAND = "withdraw"

    @staticmethod
    def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        p = sub.add_parser(
            "withdraw",
            help="eine Fotofreigabe zurückziehen (das Foto verschwindet von der Website)",
        )
        p.add_argument("issue", metavar="AUSGABE", help=ISSUE_HELP)
        p.add_argument(
            "slug", metavar="KÜRZEL", help="die Einreichung (Name des Organisations-Ordners)"
        )
        p.add_argument("photo", metavar="FOTO", help="Dateiname des Fotos, wie in submission.md")
        p.add_argument(
            "--reason", metavar="GRUND", required=True, help="Grund, z. B. „Widerruf per E-Mail“"
        )
        p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    @staticmethod
    def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
        from newsletter.intake.withdrawals import withdraw

        record, new = withdraw(args.issue, args.slug, args.photo, args.reason, settings)
        when = record.withdrawn_at
        if not new:
            out.print(t("again", lang, when=when), markup=False)
            return 0
        out.print(
            t(
                "withdrawn",
                lang,
                photo=record.photo,
                slug=record.slug,
                issue=record.issue,
                when=when,
            ),
            markup=False,
        )
        return 0


WITHDRAW = _Withdraw()
