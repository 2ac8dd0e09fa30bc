"""`newsletter organisations ...`: the register of member organisations."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.cli.i18n import pick
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
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
COMMAND = "organisations"

_T: dict[str, tuple[str, str]] = {
    "link": (
        "Persönlicher Link von {slug} für die Ausgabe {issue} (nur an die Organisation geben):",
        "Personal link of {slug} for issue {issue} (give it to the organisation only):",
    ),
    "link_new": (
        "Neuer Link; der bisherige für diese Ausgabe funktioniert ab sofort nicht mehr.",
        "A new link; the previous one for this issue stops working now.",
    ),
    "no_issue": (
        "Unter {folder} gibt es keine Ausgabe; bitte --issue AUSGABE angeben.",
        "There is no issue under {folder}; give --issue ISSUE.",
    ),
    "added": ("Eingetragen: {slug}.", "Added: {slug}."),
    "changed": ("Geändert: {slug}.", "Changed: {slug}."),
    "removed": (
        "Gelöscht: {slug} mit Kontaktdaten und {journal} Einträgen im Versandprotokoll.",
        "Erased: {slug} with its contact data and {journal} mail journal entries.",
    ),
    "none": ("Keine Organisationen eingetragen.", "No organisations registered."),
    "count": (
        "{n} {n:Organisation|Organisationen} ({active} aktiv).",
        "{n} {n:organisation|organisations} ({active} active).",
    ),
    "read": (
        "Gelesen: {path} ({encoding}, Trennzeichen „{delimiter}“).",
        "Read: {path} ({encoding}, delimiter '{delimiter}').",
    ),
    "ignored": ("Nicht übernommene Spalten: {columns}", "Columns not imported: {columns}"),
    "rejected": ("Nicht übernommene Zeilen ({n}):", "Rows not imported ({n}):"),
    "line": ("Zeile", "Line"),
    "import_summary": (
        "Ergebnis: {added} neu, {updated} geändert, {unchanged} unverändert, {rejected} nicht "
        "übernommen.",
        "Result: {added} added, {updated} updated, {unchanged} unchanged, {rejected} rejected.",
    ),
    "dry_run": ("Probelauf: nichts gespeichert.", "Dry run: nothing saved."),
    "exported": (
        "{n} {n:Organisation|Organisationen} nach {path} exportiert. Die Datei enthält "
        "personenbezogene Daten "
        "(Namen, Adressen): geschützt aufbewahren und löschen, wenn sie nicht mehr gebraucht wird.",
        "{n} {n:organisation|organisations} exported to {path}. The file holds personal data "
        "(names, "
        "addresses): keep it protected and delete it when it is no longer needed.",
    ),
    "proposals": (
        "Vorschläge aus den Einreichungen von {issue} ({n}):",
        "Proposals from the submissions of {issue} ({n}):",
    ),
    "no_proposals": (
        "Keine neuen Organisationen: jede Einreichung von {issue} ist schon eingetragen.",
        "No new organisations: every submission of {issue} is registered already.",
    ),
    "ask": ("{slug} eintragen? [j/N] ", "Add {slug}? [y/N] "),
    "not_asked": (
        "Nichts eingetragen: mit --yes alle übernehmen, oder im Terminal einzeln bestätigen.",
        "Nothing added: accept all with --yes, or confirm each one at a terminal.",
    ),
    "learned": (
        "{n} {n:Organisation|Organisationen} eingetragen.",
        "{n} {n:organisation|organisations} added.",
    ),
    "address_dropped": (
        "  ({slug}: Adresse „{address}“ nicht übernommen: {reason})",
        "  ({slug}: address '{address}' not taken: {reason})",
    ),
    "slug": ("Kürzel", "Slug"),
    "name": ("Name", "Name"),
    "email": ("E-Mail", "E-mail"),
    "language": ("Sprache", "Language"),
    "contact": ("Ansprechperson", "Contact"),
    "active": ("aktiv", "active"),
    "inactive": ("inaktiv", "inactive"),
    "note": ("Notiz", "Note"),
    "no_address": ("– keine Adresse –", "– no address –"),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return pick(_T, key, lang, **kw)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `organisations` and its actions to the `newsletter` command."""
    p = sub.add_parser(
        COMMAND,
        help="das Verzeichnis der Mitgliedsorganisationen (Kontakt, Sprache)",
        description="Die Mitgliedsorganisationen: Kürzel, Name, Ansprechperson, Adressen, Sprache.",
    )
    actions = p.add_subparsers(dest="organisations_command", required=True, metavar="AKTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
        a.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
        return a

    a = action("add", "eine Organisation eintragen")
    a.add_argument("slug", metavar="KÜRZEL", help="wie der Ordner der Einreichung heißt")
    a.add_argument("--name", default="", help="Name der Organisation")
    a.add_argument(
        "--email", action="append", default=[], metavar="ADRESSE", help="mehrfach möglich"
    )
    a.add_argument("--language", default="de", metavar="SPRACHE", help="z. B. de, tr, ar, uk")
    a.add_argument("--contact", default="", metavar="NAME", help="Ansprechperson")
    a.add_argument("--note", default="", metavar="TEXT", help="Notiz der Redaktion")
    a.add_argument("--inactive", action="store_true", help="eingetragen, aber nicht angeschrieben")

    ls = action("list", "das Verzeichnis zeigen")
    ls.add_argument("--active", action="store_true", help="nur aktive")

    e = action("edit", "eine Organisation ändern (nur die angegebenen Felder)")
    e.add_argument("slug", metavar="KÜRZEL")
    e.add_argument("--name")
    e.add_argument("--email", action="append", metavar="ADRESSE", help="ersetzt alle Adressen")
    e.add_argument("--add-email", action="append", default=[], metavar="ADRESSE")
    e.add_argument("--remove-email", action="append", default=[], metavar="ADRESSE")
    e.add_argument("--language", metavar="SPRACHE")
    e.add_argument("--contact", metavar="NAME")
    e.add_argument("--note", metavar="TEXT")
    state = e.add_mutually_exclusive_group()
    state.add_argument("--active", action="store_true", default=None)
    state.add_argument("--inactive", action="store_true", default=None)

    r = action("remove", "eine Organisation mit allen Kontaktdaten löschen")
    r.add_argument("slug", metavar="KÜRZEL")

    i = action("import", "Organisationen aus einer CSV-Datei übernehmen")
    i.add_argument(
        "file", type=Path, metavar="DATEI.csv", help="Spalten Kürzel;Name;E-Mail;Sprache;…"
    )
    i.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts speichern")

    x = action("export", "das Verzeichnis als CSV-Datei speichern (personenbezogene Daten!)")
    x.add_argument("file", type=Path, metavar="DATEI.csv", help="Zieldatei; „-“ für die Ausgabe")

    k = action("link", "den persönlichen Link zur Einreichungsseite zeigen (oder erneuern)")
    k.add_argument("slug", metavar="KÜRZEL")
    k.add_argument("--issue", metavar="AUSGABE", help="Standard: die neueste Ausgabe")
    k.add_argument(
        "--new", action="store_true", help="einen neuen Link erzeugen; der alte gilt nicht mehr"
    )

    learn = action("learn", "Organisationen aus den Einreichungen einer Ausgabe vorschlagen")
    learn.add_argument("issue", help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
    learn.add_argument("--yes", action="store_true", help="alle Vorschläge ohne Rückfrage")


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
    out.print(t("added", lang, slug=org.slug), markup=False)
    return EXIT_OK


def org_table(rows: list[orgs.Organisation], lang: str) -> Table:
    """The register as a table; long values fold onto more lines, nothing is cut."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column(t("slug", lang), no_wrap=True)
    table.add_column(t("name", lang), overflow="fold")
    table.add_column(t("email", lang), overflow="fold")
    table.add_column(t("language", lang), no_wrap=True)
    table.add_column(t("contact", lang), overflow="fold")
    table.add_column("", no_wrap=True)
    for o in rows:
        table.add_row(
            escape(o.slug),
            escape(o.name),
            escape(", ".join(o.emails)) if o.emails else f"[red]{t('no_address', lang)}[/]",
            o.language,
            escape(o.contact),
            t("active", lang) if o.active else f"[dim]{t('inactive', lang)}[/]",
        )
    return table


def _list(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    rows = orgs.list_all(conn, active_only=args.active)
    if not rows:
        out.print(t("none", lang), markup=False)
        return EXIT_OK
    out.print(org_table(rows, lang))
    out.print(t("count", lang, n=len(rows), active=sum(o.active for o in rows)), markup=False)
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
    out.print(t("changed", lang, slug=org.slug), markup=False)
    out.print(org_table([org], lang))
    return EXIT_OK


def _remove(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    org, journal = orgs.remove(conn, args.slug)
    # dry-run messages of remind/feedback hold the addresses too (remind.private_folder)
    for eml in s.path(s.cache_dir).glob(f"private/*/*/{org.slug}.eml"):
        eml.unlink()
    out.print(t("removed", lang, slug=org.slug, journal=journal), markup=False)
    return EXIT_OK


def _import(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    report = organisations_csv.import_csv(conn, args.file, dry_run=args.dry_run)
    say = out.print
    say(
        t("read", lang, path=args.file, encoding=report.encoding, delimiter=report.delimiter),
        markup=False,
    )
    if report.ignored_columns:
        say(t("ignored", lang, columns=", ".join(report.ignored_columns)), markup=False)
    if report.rejected:
        say()
        say(t("rejected", lang, n=len({r.line for r in report.rejected})), markup=False)
        for r in report.rejected:
            message = render(r.code, lang, r.params)
            say(
                f"  {t('line', lang)} {r.line}: {escape(r.slug) or '–'} – {escape(message)} "
                f"[dim]({r.code})[/]"
            )
    say()
    say(
        t(
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
        say(t("dry_run", lang), markup=False)
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
    out.print(t("exported", lang, n=n, path=args.file), markup=False)
    return EXIT_OK


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("j", "ja", "y", "yes")


def _learn(
    args: argparse.Namespace, conn: sqlite3.Connection, s: Settings, lang: str, out: Console
) -> int:
    from newsletter.network.learn import propose

    proposals = propose(conn, args.issue, s)
    issue = Path(args.issue).name
    if not proposals:
        out.print(t("no_proposals", lang, issue=issue), markup=False)
        return EXIT_OK
    out.print(t("proposals", lang, issue=issue, n=len(proposals)), markup=False)
    out.print(org_table([p.organisation for p in proposals], lang))
    for p in proposals:
        for address, code, params in p.dropped:
            reason = render(code, lang, params)
            out.print(
                t(
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
        if args.yes or _confirm(t("ask", lang, slug=p.organisation.slug))
    ]
    if not accepted:
        out.print(t("not_asked", lang), markup=False)
        return EXIT_OK
    orgs.add_many(conn, accepted)
    out.print(t("learned", lang, n=len(accepted)), markup=False)
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
        out.print(t("no_issue", lang, folder=s.path(s.submissions_dir)), markup=False)
        return 2
    made = upload_links.link(conn, s, orgs.parse_slug(args.slug), issue, new=args.new)
    out.print(t("link", lang, slug=made.slug, issue=issue), markup=False)
    out.print(upload_links.url(s, made.token), markup=False, soft_wrap=True)
    if args.new:
        out.print(t("link_new", lang), markup=False)
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
