"""`newsletter withdraw ISSUE SLUG PHOTO --reason …`: a photo release taken back."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, add_command, add_issue
from newsletter.texts.cli import N_, say

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings

NAME = "withdraw"

_T: dict[str, str] = {
    "withdrawn": N_(
        "Freigabe zurückgezogen: {photo} ({slug}, Ausgabe {issue}), {when}. "
        "Beim nächsten „newsletter publish“ verschwindet das Foto aus allen "
        "veröffentlichten Seiten und PDFs."
    ),
    "again": N_("Diese Freigabe war schon zurückgezogen ({when}); nichts geändert."),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


def add_parser(subparsers: Subparsers) -> None:
    """`withdraw ISSUE SLUG PHOTO --reason …`."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("eine Fotofreigabe zurückziehen (das Foto verschwindet von der Website)"),
    )
    add_issue(p)
    p.add_argument(
        "slug", metavar=N_("KÜRZEL"), help=N_("die Einreichung (Name des Organisations-Ordners)")
    )
    p.add_argument(
        "photo", metavar=N_("FOTO"), help=N_("Dateiname des Fotos, wie in submission.md")
    )
    p.add_argument(
        "--reason",
        metavar=N_("GRUND"),
        required=True,
        help=N_("Grund, z. B. „Widerruf per E-Mail“"),
    )


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Record the withdrawal; the next `newsletter publish` removes the photo everywhere."""
    from newsletter.intake.withdrawals import withdraw

    record, new = withdraw(args.issue, args.slug, args.photo, args.reason, settings)
    when = record.withdrawn_at
    if not new:
        out.print(_t("again", lang, when=when), markup=False)
        return 0
    text = _t(
        "withdrawn", lang, photo=record.photo, slug=record.slug, issue=record.issue, when=when
    )
    out.print(text, markup=False)
    return 0
