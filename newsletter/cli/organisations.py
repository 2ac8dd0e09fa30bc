"""`newsletter organisations ...`: the register of member organisations."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, confirm
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_, Nn_, Plural, say
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from newsletter.core.config import Settings
    from newsletter.store import organisations as orgs
    from newsletter.store import organisations_csv
    from newsletter.store.subscribers import open_store
else:
    escape = lazy.function("rich.markup", "escape")
    Table = lazy.function("rich.table", "Table")
    orgs = lazy.module("newsletter.store.organisations")
    organisations_csv = lazy.module("newsletter.store.organisations_csv")
    open_store = lazy.function("newsletter.store.subscribers", "open_store")

EXIT_OK, EXIT_FINDINGS = 0, 1
NAME = "organisations"

_T: dict[str, str | Plural] = {
    "link": N_(
        "Persönlicher Link von {slug} für die Ausgabe {issue} (nur an die Organisation geben):"
    ),
    "link_new": N_(
        "Neuer Link; der bisherige für diese Ausgabe funktioniert ab sofort nicht mehr."
    ),
    "added": N_("Eingetragen: {slug}."),
    "changed": N_("Geändert: {slug}."),
    "removed": N_("Gelöscht: {slug} mit Kontaktdaten und {journal} Einträgen im Versandprotokoll."),
    "none": N_("Keine Organisationen eingetragen."),
    "count": Nn_(
        "{n} Organisation ({active} aktiv).",
        "{n} Organisationen ({active} aktiv).",
    ),
    "read": N_("Gelesen: {path} ({encoding}, Trennzeichen „{delimiter}“)."),
    "ignored": N_("Nicht übernommene Spalten: {columns}"),
    "rejected": N_("Nicht übernommene Zeilen ({n}):"),
    "line": N_("Zeile"),
    "import_summary": N_(
        "Ergebnis: {added} neu, {updated} geändert, {unchanged} unverändert, "
        "{rejected} nicht übernommen."
    ),
    "dry_run": N_("Probelauf: nichts gespeichert."),
    "exported": Nn_(
        "{n} Organisation nach {path} exportiert. Die Datei enthält "
        "personenbezogene Daten (Namen, Adressen): geschützt aufbewahren und "
        "löschen, wenn sie nicht mehr gebraucht wird.",
        "{n} Organisationen nach {path} exportiert. Die Datei enthält "
        "personenbezogene Daten (Namen, Adressen): geschützt aufbewahren und "
        "löschen, wenn sie nicht mehr gebraucht wird.",
    ),
    "proposals": N_("Vorschläge aus den Einreichungen von {issue} ({n}):"),
    "no_proposals": N_(
        "Keine neuen Organisationen: jede Einreichung von {issue} ist schon eingetragen."
    ),
    "ask": N_("{slug} eintragen? [j/N] "),
    "not_asked": N_(
        "Nichts eingetragen: mit --yes alle übernehmen, oder im Terminal einzeln bestätigen."
    ),
    "learned": Nn_(
        "{n} Organisation eingetragen.",
        "{n} Organisationen eingetragen.",
    ),
    "address_dropped": N_("  ({slug}: Adresse „{address}“ nicht übernommen: {reason})"),
    "slug": N_("Kürzel"),
    "name": N_("Name"),
    "email": N_("E-Mail"),
    "language": N_("Sprache"),
    "contact": N_("Ansprechperson"),
    "active": N_("aktiv"),
    "inactive": N_("inaktiv"),
    "note": N_("Notiz"),
    "no_address": N_("– keine Adresse –"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


def add_parser(subparsers: Subparsers) -> None:
    """Add `organisations` and its actions to the `newsletter` command."""
    p = subparsers.add_parser(
        NAME,
        help=N_("das Verzeichnis der Mitgliedsorganisationen (Kontakt, Sprache)"),
        description=N_(
            "Die Mitgliedsorganisationen: Kürzel, Name, Ansprechperson, Adressen, Sprache."
        ),
    )
    actions = p.add_subparsers(dest="organisations_command", required=True, metavar=N_("AKTION"))

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
        a.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
        return a

    a = action("add", N_("eine Organisation eintragen"))
    a.add_argument("slug", metavar=N_("KÜRZEL"), help=N_("wie der Ordner der Einreichung heißt"))
    a.add_argument("--name", default="", help=N_("Name der Organisation"))
    a.add_argument(
        "--email", action="append", default=[], metavar=N_("ADRESSE"), help=N_("mehrfach möglich")
    )
    a.add_argument(
        "--language", default="de", metavar=N_("SPRACHE"), help=N_("z. B. de, tr, ar, uk")
    )
    a.add_argument("--contact", default="", metavar=N_("NAME"), help=N_("Ansprechperson"))
    a.add_argument("--note", default="", metavar=N_("TEXT"), help=N_("Notiz der Redaktion"))
    a.add_argument(
        "--inactive", action="store_true", help=N_("eingetragen, aber nicht angeschrieben")
    )

    ls = action("list", N_("das Verzeichnis zeigen"))
    ls.add_argument("--active", action="store_true", help=N_("nur aktive"))

    e = action("edit", N_("eine Organisation ändern (nur die angegebenen Felder)"))
    e.add_argument("slug", metavar=N_("KÜRZEL"))
    e.add_argument("--name")
    e.add_argument(
        "--email", action="append", metavar=N_("ADRESSE"), help=N_("ersetzt alle Adressen")
    )
    e.add_argument("--add-email", action="append", default=[], metavar=N_("ADRESSE"))
    e.add_argument("--remove-email", action="append", default=[], metavar=N_("ADRESSE"))
    e.add_argument("--language", metavar=N_("SPRACHE"))
    e.add_argument("--contact", metavar=N_("NAME"))
    e.add_argument("--note", metavar=N_("TEXT"))
    state = e.add_mutually_exclusive_group()
    state.add_argument("--active", action="store_true", default=None)
    state.add_argument("--inactive", action="store_true", default=None)

    r = action("remove", N_("eine Organisation mit allen Kontaktdaten löschen"))
    r.add_argument("slug", metavar=N_("KÜRZEL"))

    i = action("import", N_("Organisationen aus einer CSV-Datei übernehmen"))
    i.add_argument(
        "file", type=Path, metavar=N_("DATEI.csv"), help=N_("Spalten Kürzel;Name;E-Mail;Sprache;…")
    )
    i.add_argument("--dry-run", action="store_true", help=N_("nur prüfen, nichts speichern"))

    x = action("export", N_("das Verzeichnis als CSV-Datei speichern (personenbezogene Daten!)"))
    x.add_argument(
        "file", type=Path, metavar=N_("DATEI.csv"), help=N_("Zieldatei; „-“ für die Ausgabe")
    )

    k = action("link", N_("den persönlichen Link zur Einreichungsseite zeigen (oder erneuern)"))
    k.add_argument("slug", metavar=N_("KÜRZEL"))
    k.add_argument("--issue", metavar=N_("AUSGABE"), help=N_("Standard: die neueste Ausgabe"))
    k.add_argument(
        "--new", action="store_true", help=N_("einen neuen Link erzeugen; der alte gilt nicht mehr")
    )

    learn = action("learn", N_("Organisationen aus den Einreichungen einer Ausgabe vorschlagen"))
    learn.add_argument(
        "issue", help=N_("Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
    )
    learn.add_argument("--yes", action="store_true", help=N_("alle Vorschläge ohne Rückfrage"))


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Run one `organisations` action."""
    path = settings.path(settings.subscribers.database)
    try:
        with open_store(path) as conn:
            return int(_ACTIONS[args.organisations_command](args, conn, settings, lang, out))
    except sqlite3.Error as exc:
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, {"path": path, "detail": exc}) from None


def _add(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    org = orgs.make(
        args.slug,
        name=args.name,
        emails=args.email,
        language=args.language,
        contact=args.contact,
        active=not args.inactive,
        note=args.note,
    )
    orgs.add(conn, org)
    out.print(_t("added", lang, slug=org.slug), markup=False)
    return EXIT_OK


def org_table(rows: list[orgs.Organisation], lang: str) -> Table:
    """The register as a table; long values fold onto more lines, nothing is cut."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column(_t("slug", lang), no_wrap=True)
    table.add_column(_t("name", lang), overflow="fold")
    table.add_column(_t("email", lang), overflow="fold")
    table.add_column(_t("language", lang), no_wrap=True)
    table.add_column(_t("contact", lang), overflow="fold")
    table.add_column("", no_wrap=True)
    for o in rows:
        table.add_row(
            escape(o.slug),
            escape(o.name),
            escape(", ".join(o.emails)) if o.emails else f"[red]{_t('no_address', lang)}[/]",
            o.language,
            escape(o.contact),
            _t("active", lang) if o.active else f"[dim]{_t('inactive', lang)}[/]",
        )
    return table


def _list(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    rows = orgs.list_all(conn, active_only=args.active)
    if not rows:
        out.print(_t("none", lang), markup=False)
        return EXIT_OK
    out.print(org_table(rows, lang))
    out.print(_t("count", lang, n=len(rows), active=sum(o.active for o in rows)), markup=False)
    return EXIT_OK


def _edit(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    active = True if args.active else (False if args.inactive else None)
    org = orgs.edit(
        conn,
        args.slug,
        name=args.name,
        emails=args.email,
        add_emails=args.add_email,
        remove_emails=args.remove_email,
        language=args.language,
        contact=args.contact,
        active=active,
        note=args.note,
    )
    out.print(_t("changed", lang, slug=org.slug), markup=False)
    out.print(org_table([org], lang))
    return EXIT_OK


def _remove(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    org, journal = orgs.remove(conn, args.slug)
    # dry-run messages of remind/feedback hold the addresses too (remind.private_folder)
    for eml in s.path(s.cache_dir).glob(f"private/*/*/{org.slug}.eml"):
        eml.unlink()
    out.print(_t("removed", lang, slug=org.slug, journal=journal), markup=False)
    return EXIT_OK


def _import(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    report = organisations_csv.import_csv(conn, args.file, dry_run=args.dry_run)
    say = out.print
    say(
        _t("read", lang, path=args.file, encoding=report.encoding, delimiter=report.delimiter),
        markup=False,
    )
    if report.ignored_columns:
        say(_t("ignored", lang, columns=", ".join(report.ignored_columns)), markup=False)
    if report.rejected:
        say()
        say(_t("rejected", lang, n=len({r.line for r in report.rejected})), markup=False)
        for r in report.rejected:
            message = render(r.code, lang, r.params)
            say(
                f"  {_t('line', lang)} {r.line}: {escape(r.slug) or '–'} – {escape(message)} "
                f"[dim]({r.code})[/]"
            )
    say()
    say(
        _t(
            "import_summary",
            lang,
            added=len(report.added),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            rejected=len({r.line for r in report.rejected}),
        ),
        markup=False,
    )
    if report.dry_run:
        say(_t("dry_run", lang), markup=False)
    return EXIT_FINDINGS if report.rejected else EXIT_OK


def _export(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    if str(args.file) == "-":
        organisations_csv.write_csv(conn, sys.stdout)
        return EXIT_OK
    try:
        n = organisations_csv.export_csv(conn, args.file)
    except OSError as exc:
        params = {"path": args.file, "detail": exc.strerror or exc}
        raise NewsletterError("SUBSCRIBERS_EXPORT_FAILED", args.file, params) from None
    out.print(_t("exported", lang, n=n, path=args.file), markup=False)
    return EXIT_OK


def _learn(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    from newsletter.network.learn import propose

    proposals = propose(conn, args.issue, s)
    issue = Path(args.issue).name
    if not proposals:
        out.print(_t("no_proposals", lang, issue=issue), markup=False)
        return EXIT_OK
    out.print(_t("proposals", lang, issue=issue, n=len(proposals)), markup=False)
    out.print(org_table([p.organisation for p in proposals], lang))
    for p in proposals:
        for address, code, params in p.dropped:
            reason = render(code, lang, params)
            out.print(
                _t(
                    "address_dropped",
                    lang,
                    slug=p.organisation.slug,
                    address=address,
                    reason=reason,
                ),
                markup=False,
            )
    accepted = [
        p.organisation
        for p in proposals
        if args.yes or confirm(_t("ask", lang, slug=p.organisation.slug))
    ]
    if not accepted:
        out.print(_t("not_asked", lang), markup=False)
        return EXIT_OK
    orgs.add_many(conn, accepted)
    out.print(_t("learned", lang, n=len(accepted)), markup=False)
    return EXIT_OK


def newest_issue(settings: Settings) -> str | None:
    """The newest issue folder under submissions/ (the one with issue.toml, by name)."""
    root = settings.path(settings.submissions_dir)
    found = sorted(p.parent.name for p in root.glob("*/issue.toml"))
    return found[-1] if found else None


def _link(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    from newsletter.intake.reader import resolve_issue
    from newsletter.store import upload_links

    issue = resolve_issue(args.issue, s).name if args.issue else newest_issue(s)
    if issue is None:
        folder = s.path(s.submissions_dir)
        raise NewsletterError("ORG_LINK_NO_ISSUE", folder, {"folder": folder})
    made = upload_links.link(conn, s, orgs.parse_slug(args.slug), issue, new=args.new)
    out.print(_t("link", lang, slug=made.slug, issue=issue), markup=False)
    out.print(upload_links.url(s, made.token), markup=False, soft_wrap=True)
    if args.new:
        out.print(_t("link_new", lang), markup=False)
    return EXIT_OK


_ACTIONS = {
    "link": _link,
    "add": _add,
    "list": _list,
    "edit": _edit,
    "remove": _remove,
    "import": _import,
    "export": _export,
    "learn": _learn,
}
