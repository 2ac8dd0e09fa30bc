"""`newsletter subscribers ...`: import, add, remove, unsubscribe, list, export, stats."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsletter.cli.command import Subparsers
from newsletter.cli.subscribers_texts import _STYLE, _status, _t
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from newsletter.core.config import Settings
    from newsletter.store import subscriber_csv
    from newsletter.store import subscribers as store
else:
    Console = lazy.function("rich.console", "Console")
    escape = lazy.function("rich.markup", "escape")
    Table = lazy.function("rich.table", "Table")
    subscriber_csv = lazy.module("newsletter.store.subscriber_csv")
    store = lazy.module("newsletter.store.subscribers")

EXIT_OK, EXIT_FINDINGS = 0, 1

NAME = "subscribers"


def add_parser(subparsers: Subparsers) -> None:
    """Add `subscribers` and its actions to the `newsletter` command."""
    p = subparsers.add_parser(
        NAME,
        help=N_("Abonnentinnen und Abonnenten verwalten (Import, Liste, Export, …)"),
        description=N_("Die Liste der Abonnentinnen und Abonnenten mit Nachweis der Einwilligung."),
    )
    actions = p.add_subparsers(dest="subscribers_command", required=True, metavar=N_("AKTION"))

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
        a.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
        return a

    def consent(a: argparse.ArgumentParser, *, pending: bool = True) -> None:
        a.add_argument(
            "--consent-version",
            metavar=N_("VERSION"),
            help=N_("Version des Einwilligungstexts (Standard: subscribers.consent_version)"),
        )
        a.add_argument(
            "--note",
            default="",
            metavar=N_("TEXT"),
            help=N_("Beleg der Einwilligung, z. B. „Anmeldeliste Sommerfest 2026“"),
        )
        if pending:
            a.add_argument(
                "--pending",
                action="store_true",
                help=N_("als „ausstehend“ eintragen: erst nach eigener Bestätigung angemeldet"),
            )

    i = action("import", N_("Adressen aus einer CSV-Datei übernehmen (UTF-8 oder Windows-1252)"))
    i.add_argument(
        "file", type=Path, metavar=N_("DATEI.csv"), help=N_("Spalten z. B. E-Mail;Name;Sprache")
    )
    consent(i, pending=False)
    how = i.add_mutually_exclusive_group()
    how.add_argument(
        "--active",
        action="store_true",
        help=N_(
            "als angemeldet übernehmen: Sie bestätigen, dass alle in der Liste in diesen "
            "Newsletter eingewilligt haben (wird als Beleg vermerkt)"
        ),
    )
    how.add_argument(
        "--pending",
        action="store_true",
        help=N_("als „ausstehend“ übernehmen, ohne Rückfrage (Standard ohne Terminal)"),
    )
    i.add_argument(
        "--send-confirmations",
        action="store_true",
        help=N_("den Ausstehenden die Bestätigungsmail der Anmeldung schicken (Double-Opt-in)"),
    )
    i.add_argument(
        "--dry-run", action="store_true", help=N_("nur prüfen und berichten, nichts speichern")
    )

    a = action("add", N_("eine Adresse eintragen"))
    a.add_argument("address", metavar=N_("ADRESSE"))
    a.add_argument("--name", default="", help=N_("Name der Person"))
    a.add_argument("--language", default="de", metavar=N_("SPRACHE"), help=N_("z. B. de, en, tr"))
    consent(a)
    a.add_argument(
        "--reactivate",
        action="store_true",
        help=N_("eine abgemeldete Adresse wieder anmelden (nur nach neuer Einwilligung)"),
    )

    r = action("remove", N_("eine Person mit allen Daten löschen (Löschantrag, Tippfehler)"))
    r.add_argument("address", metavar=N_("ADRESSE"))

    u = action("unsubscribe", N_("eine Adresse abmelden (bleibt als Sperreintrag gespeichert)"))
    who = u.add_mutually_exclusive_group(required=True)
    who.add_argument("address", nargs="?", metavar=N_("ADRESSE"))
    who.add_argument("--token", help=N_("statt der Adresse das Abmelde-Token aus dem Link"))

    def status_filter(x: argparse.ArgumentParser) -> None:
        x.add_argument(
            "--status",
            action="append",
            choices=store.STATUSES,
            help=N_("nur diesen Status (mehrfach möglich): pending, active, unsubscribed, bounced"),
        )

    ls = action("list", N_("die Liste zeigen"))
    status_filter(ls)
    ls.add_argument("--language", metavar=N_("SPRACHE"), help=N_("nur diese Sprache"))
    ls.add_argument("--json", action="store_true", help=N_("maschinenlesbar ausgeben"))

    e = action("export", N_("die Liste als CSV-Datei speichern (UTF-8, „;“)"))
    e.add_argument(
        "file", type=Path, metavar=N_("DATEI.csv"), help=N_("Zieldatei; „-“ für die Ausgabe")
    )
    status_filter(e)

    s = action("stats", N_("Anzahl je Status und Sprache"))
    s.add_argument("--json", action="store_true", help=N_("maschinenlesbar ausgeben"))


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Run one `subscribers` action; NewsletterError for anything the editor must fix."""
    path = settings.path(settings.subscribers.database)
    command = _COMMANDS[args.subscribers_command]
    try:
        return command(args, _Context(path, settings, lang, out))
    except sqlite3.Error as exc:
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, {"path": path, "detail": exc}) from None


class _Context:
    def __init__(self, path: Path, settings: Settings, lang: str, out: Console) -> None:
        self.path, self.settings, self.lang, self.out = path, settings, lang, out
        self.tz = ZoneInfo(settings.timezone)

    def date(self, stamp: str | None) -> str:
        if not stamp:
            return ""
        when = datetime.fromisoformat(stamp).astimezone(self.tz)
        return when.strftime("%Y-%m-%d" if self.lang == "en" else "%d.%m.%Y")

    def say(self, key: str, **kw: Any) -> None:
        self.out.print(_t(key, self.lang, **kw), markup=False)


def _import_as_active(args: argparse.Namespace, c: _Context) -> str | None:
    """How the editor confirmed consent for the whole list (None: import as pending).

    Only an explicit --active or a "yes" typed at a terminal makes people subscribed; a script
    without the flag imports them as pending.
    """
    if args.active:
        return _t("how_flag", c.lang)
    if args.pending or args.dry_run or args.send_confirmations or not sys.stdin.isatty():
        return None
    try:
        answer = input(_t("consent_question", c.lang, path=args.file.name))
    except EOFError:
        answer = ""
    return _t("how_terminal", c.lang) if answer.strip().lower() in ("j", "ja", "y", "yes") else None


def cmd_import(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers import FILE.csv`: pending unless the editor confirms consent (--active)."""
    version = args.consent_version or c.settings.subscribers.consent_version
    how = _import_as_active(args, c)
    note = args.note.strip() or f"Import aus {args.file.name}"
    if how is not None:  # the proof says how the editor confirmed it
        how_de = _t("how_flag" if args.active else "how_terminal", "de")
        note = f"{note} (Einwilligung bestätigt {how_de})"
    parsed = subscriber_csv.read_csv(args.file, tz=c.tz, pending=how is None)
    with store.open_store(c.path) as conn:
        report = subscriber_csv.apply_import(
            conn, parsed, consent_version=version, note=note, dry_run=args.dry_run
        )
        pending = [
            person
            for row in parsed.rows
            if (person := store.by_key(conn, row.address.key)) is not None
            and person.status == "pending"
        ]
    c.say("read", path=args.file, encoding=report.encoding, delimiter=report.delimiter)
    if report.ignored_columns:
        c.say("ignored", columns=", ".join(report.ignored_columns))
    line = _t("line", c.lang)
    if report.rejected:
        c.out.print()
        c.say("rejected", n=len({r.line for r in report.rejected}))
        for r in report.rejected:
            message = render(r.code, c.lang, r.params)
            c.out.print(
                f"  {line} {r.line}: {escape(r.address) or '–'} – {escape(message)} "
                f"[dim]({r.code})[/]"
            )
    if report.skipped_unsubscribed:
        c.out.print()
        c.say("skipped", n=len(report.skipped_unsubscribed))
        for s in report.skipped_unsubscribed:
            since = f" {_t('since', c.lang)} {c.date(s.since)}" if s.since else ""
            status = _status(s.status, c.lang)
            c.out.print(f"  {line} {s.line}: {s.address} ({status}{since})", markup=False)
    if report.duplicates:
        c.out.print()
        c.say("duplicates", n=len(report.duplicates))
        for d in report.duplicates:
            same = _t("same_as", c.lang)
            c.out.print(f"  {line} {d.line} ({same} {d.first_line}): {d.address}", markup=False)
    c.out.print()
    c.say(
        "import_summary",
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=len(report.skipped_unsubscribed),
        rejected=len({r.line for r in report.rejected}),
    )
    if how is not None:
        c.say("consent_import", version=version, note=note, how=how)
        if args.send_confirmations:
            c.say("active_no_mail")
    else:
        c.say("consent_pending")
        if report.dry_run and args.send_confirmations:
            c.say("confirmations_dry", n=report.added + len(pending))
        elif args.send_confirmations:
            _send_confirmations(pending, version, c)
        else:
            c.say("confirm_hint")
    if report.dry_run:
        c.say("dry_run")
    return EXIT_FINDINGS if report.rejected else EXIT_OK


def _send_confirmations(pending: list[store.Subscriber], version: str, c: _Context) -> None:
    """The sign-up's double opt-in mail to each pending person (its limits apply)."""
    from newsletter.cli.progress import StageProgress
    from newsletter.web import signup, signup_mail
    from newsletter.web.texts import text

    serve = signup.serve_settings(c.settings)
    sent = held = 0
    progress = StageProgress(Console(stderr=True, highlight=False), c.lang)
    with store.open_store(c.path) as conn, progress:
        progress.stage("confirmations")
        for done, s in enumerate(pending):
            progress.count(done, len(pending))
            lang = "en" if s.language == "en" else "de"
            own = serve.consent_text_en if lang == "en" else serve.consent_text_de
            consent_text = own or text(
                "consent_default",
                lang,
                list_name=c.settings.sender.from_name,
                publisher=c.settings.publisher.name,
            )
            outcome = signup.request_subscription(
                conn,
                s.address_normalized,
                language=s.language,
                form_id="import",
                consent_version=version,
                consent_text=consent_text,
                consent_language=lang,
                serve=serve,
            )
            if outcome.status != "mail":
                held += outcome.status != "active"
                continue
            message = signup_mail.confirmation_message(
                c.settings, serve, outcome, purpose="subscribe", language=lang
            )
            try:
                signup_mail.send_message(c.settings, message)
            except NewsletterError:
                assert outcome.confirmation_id is not None
                signup.withdraw(conn, outcome.confirmation_id)
                c.say("confirmations_sent", sent=sent)
                raise
            sent += 1
    c.say("confirmations_sent", sent=sent)
    if held:
        c.say("confirmations_held", n=held)


def cmd_add(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers add ADDRESS`."""
    version = args.consent_version or c.settings.subscribers.consent_version
    with store.open_store(c.path) as conn:
        s = store.add(
            conn,
            args.address,
            consent_version=version,
            name=args.name,
            language=args.language,
            note=args.note,
            pending=args.pending,
            reactivate=args.reactivate,
        )
    c.say("added", address=s.address, status=_status(s.status, c.lang))
    if s.status == "active":
        c.say(
            "consent_add", version=version, note=f", „{s.consent_note}“" if s.consent_note else ""
        )
    else:
        c.say("consent_pending")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers remove ADDRESS`: erase a person."""
    with store.open_store(c.path) as conn:
        s, journal = store.remove(conn, args.address)
    c.say("removed", address=s.address, journal=journal)
    return EXIT_OK


def cmd_unsubscribe(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers unsubscribe ADDRESS` or `--token TOKEN`; idempotent."""
    with store.open_store(c.path) as conn:
        s, changed = store.unsubscribe(conn, address=args.address, token=args.token, via="cli")
    if changed:
        c.say("unsubscribed", address=s.address)
    else:
        c.say("already", address=s.address, date=c.date(s.unsubscribed_at))
    return EXIT_OK


def subscriber_json(s: store.Subscriber) -> dict[str, object]:
    """A subscriber for --json: everything but the internal id, key and the secret token."""
    data = asdict(s)
    for key in ("id", "address_key", "unsubscribe_token"):
        data.pop(key)
    return data


def _status_since(s: store.Subscriber) -> str | None:
    """When the subscriber got their present status."""
    if s.status == "active":
        return s.confirmed_at
    if s.status == "unsubscribed":
        return s.unsubscribed_at
    if s.status == "bounced":
        return s.last_bounce_at or s.updated_at
    return s.subscribed_at


def cmd_list(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers list`."""
    with store.open_store(c.path) as conn:
        rows = store.list_subscribers(conn, args.status, args.language)
    if args.json:
        c.out.out(json.dumps([subscriber_json(s) for s in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        c.say("none")
        return EXIT_OK
    # An address is never broken across lines (it would be copied wrongly): the table keeps
    # each on one line; in a window too narrow for that, one block per person instead.
    longest = max(len(s.address) for s in rows)
    if c.out.width < longest + 2 + 12 + 9 + 14 + 12:
        for s in rows:
            c.out.print(escape(s.address), no_wrap=True, crop=False, soft_wrap=True)
            since = c.date(_status_since(s))
            c.out.print(
                f"  {escape(s.name) + ' · ' if s.name else ''}{s.language} · "
                f"[{_STYLE[s.status]}]{_status(s.status, c.lang)}[/]"
                + (f" {_t('since', c.lang)} {since}" if since else "")
            )
    else:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column(_t("address", c.lang), no_wrap=True, min_width=longest)
        table.add_column(_t("name", c.lang), overflow="fold")
        table.add_column(_t("language", c.lang), no_wrap=True, min_width=7)
        table.add_column(_t("status", c.lang), no_wrap=True, min_width=12)
        table.add_column(_t("status_since", c.lang), no_wrap=True, min_width=10)
        for s in rows:
            table.add_row(
                escape(s.address),
                escape(s.name),
                s.language,
                f"[{_STYLE[s.status]}]{_status(s.status, c.lang)}[/]",
                c.date(_status_since(s)),
            )
        c.out.print(table)
    c.say("count", n=len(rows))
    return EXIT_OK


def cmd_export(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers export FILE.csv` (or `-` for standard output)."""
    with store.open_store(c.path) as conn:
        if str(args.file) == "-":
            subscriber_csv.write_csv(conn, sys.stdout, args.status, c.lang)
            return EXIT_OK
        try:
            n = subscriber_csv.export_csv(conn, args.file, args.status, c.lang)
        except OSError as exc:
            params = {"path": args.file, "detail": exc.strerror or exc}
            raise NewsletterError("SUBSCRIBERS_EXPORT_FAILED", args.file, params) from None
    c.say("exported", n=n, path=args.file)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, c: _Context) -> int:
    """`subscribers stats`: counts per status and language."""
    with store.open_store(c.path) as conn:
        counts = store.stats(conn)
    if args.json:
        c.out.out(json.dumps(counts.as_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column(_t("language", c.lang))
    for status in store.STATUSES:
        table.add_column(_status(status, c.lang), justify="right")
    table.add_column(_t("total", c.lang), justify="right")
    for language, by_status in counts.by_language.items():
        table.add_row(language, *map(str, by_status.values()), str(sum(by_status.values())))
    table.add_row(
        f"[bold]{_t('all', c.lang)}[/]",
        *(f"[bold]{n}[/]" for n in counts.by_status.values()),
        f"[bold]{counts.total}[/]",
    )
    c.out.print(table)
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace, _Context], int]] = {
    "import": cmd_import,
    "add": cmd_add,
    "remove": cmd_remove,
    "unsubscribe": cmd_unsubscribe,
    "list": cmd_list,
    "export": cmd_export,
    "stats": cmd_stats,
}
