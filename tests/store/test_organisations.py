"""The register of organisations: a real SQLite store, the CLI as the editor runs it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core.errors import NewsletterError
from newsletter.store import organisations as orgs
from newsletter.store.subscribers import SCHEMA_VERSION, open_store, schema_version
from tests.support import EXAMPLE_ISSUE

DB = Path("subscribers.sqlite3")


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as on a wide terminal: cells are not folded across lines."""
    monkeypatch.setenv("COLUMNS", "250")


def nl(*argv: str) -> int:
    return main(list(argv))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_import_german_excel_file_reports_duplicates_with_line_numbers(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write(
        chdir_tmp / "Organisationen (Stand Nov).csv",
        "Kürzel;Name;E-Mail;Sprache;Ansprechperson;Notiz\r\n"
        "lernimpuls-nordstadt;Lernimpuls Nordstadt e.V.;Info@Lernimpuls.example.org;Deutsch;"
        "Nilüfer Beispiel;\r\n"
        'kulturverein-bruecke;Kulturverein Brücke;"a@bruecke.example.org; b@bruecke.example.org"'
        ";Türkisch;Ömer;Vorstand wechselt im März\r\n"
        "kulturverein-bruecke;Doppelt;c@example.org;tr;;\r\n"
        "elternnetz;Elternnetz;info@lernimpuls.example.org;uk;;\r\n"
        "Café Süd;Café;;de;;\r\n"
        "sprachcafe;Sprachcafé;kein-at-zeichen;ar;;\r\n"
        "\r\n"
        "frauentreff;Frauentreff;;ar-SY;Rania;\r\n",
        "cp1252",
    )
    assert nl("organisations", "import", str(csv)) == 1
    out = capsys.readouterr().out
    assert "cp1252" in out
    assert "Zeile 4: kulturverein-bruecke" in out and "Zeile 3" in out  # duplicate slug
    assert "Zeile 5: elternnetz" in out and "ORG_DUPLICATE_ADDRESS" in out
    assert "Zeile 6: Café Süd" in out and "ORG_SLUG_INVALID" in out
    assert "Zeile 7: sprachcafe" in out and "SUBSCRIBER_ADDRESS_INVALID" in out
    assert "3 neu" in out and "4 nicht übernommen" in out
    with open_store(DB) as conn:
        bruecke = orgs.get(conn, "kulturverein-bruecke")
        assert bruecke is not None
        assert bruecke.emails == ("a@bruecke.example.org", "b@bruecke.example.org")
        assert (bruecke.language, bruecke.contact) == ("tr", "Ömer")
        lern = orgs.get(conn, "lernimpuls-nordstadt")
        assert lern is not None and lern.emails == ("info@lernimpuls.example.org",)
        treff = orgs.get(conn, "frauentreff")
        assert treff is not None and treff.emails == () and treff.language == "ar-SY"
        assert schema_version(conn) == SCHEMA_VERSION


def test_english_headers_comma_and_reimport_updates(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write(
        chdir_tmp / "orgs.csv",
        "slug,name,email,language,contact,note\n"
        "a-verein,A,a@example.org,EN,Ann,\n"
        "b-verein,B,b@example.org,uk,Bohdan,\n",
    )
    assert nl("--lang", "en", "organisations", "import", str(csv)) == 0
    assert "2 added" in capsys.readouterr().out
    # the address moves from b to a, b gets a new one: no clash with itself
    write(
        csv,
        "slug,name,email,language,contact,note\n"
        "a-verein,A,a@example.org b@example.org,en,Ann,\n"
        "b-verein,B,b2@example.org,uk,Bohdan,\n",
    )
    assert nl("--lang", "en", "organisations", "import", str(csv)) == 0
    assert "2 updated" in capsys.readouterr().out
    with open_store(DB) as conn:
        assert orgs.owner_of(conn, "B@example.org") == "a-verein"


def test_add_edit_list_remove_erases_the_contact_data(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert nl("organisations", "add", "kulturverein-bruecke", "--name", "Kulturverein Brücke",
              "--email", "info@bruecke.example.org", "--language", "tr",
              "--contact", "Ömer Örnek") == 0  # fmt: skip
    assert nl("organisations", "add", "kulturverein-bruecke") == 2
    assert "schon eingetragen" in capsys.readouterr().err
    assert nl("organisations", "add", "zweiter", "--email", "INFO@bruecke.example.org") == 2
    assert "gehört schon zur Organisation „kulturverein-bruecke“" in capsys.readouterr().err
    assert nl("organisations", "add", "x", "--language", "tr_TR_!!") == 2
    assert "kein Sprachcode" in capsys.readouterr().err
    assert nl("organisations", "edit", "kulturverein-bruecke", "--add-email",
              "vorstand@bruecke.example.org", "--language", "ar_sy", "--inactive") == 0  # fmt: skip
    assert nl("organisations", "list") == 0
    out = capsys.readouterr().out
    assert "vorstand@bruecke.example.org" in out and "ar-SY" in out and "inaktiv" in out
    assert nl("organisations", "remove", "kulturverein-bruecke") == 0
    assert nl("organisations", "remove", "kulturverein-bruecke") == 2
    assert "nicht eingetragen" in capsys.readouterr().err
    with open_store(DB) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = DB.read_bytes() + (
        Path(str(DB) + "-wal").read_bytes() if Path(str(DB) + "-wal").exists() else b""
    )
    assert "Örnek".encode() not in data and b"vorstand@bruecke" not in data


def test_export_only_on_request_and_private(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nl("organisations", "add", "a-verein", "--email", "=cmd@example.org", "--name", "=SUMME(1)")
    assert nl("organisations", "export", "register.csv") == 0
    data = Path("register.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfK\xc3\xbcrzel;Name;E-Mail;Sprache")
    assert b"'=SUMME(1)" in data  # a spreadsheet does not run it
    assert stat.S_IMODE(os.stat("register.csv").st_mode) == 0o600
    assert "personenbezogene Daten" in capsys.readouterr().out
    # and it reads back unchanged
    assert nl("organisations", "import", "register.csv") == 0
    assert "1 unverändert" in capsys.readouterr().out


def test_learn_proposes_from_submissions_and_adds_only_when_accepted(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    nl("organisations", "add", "lernimpuls-nordstadt", "--email", "x@example.org")
    assert nl("organisations", "learn", "2026-12") == 0  # no terminal, no --yes
    out = capsys.readouterr().out
    assert "Vorschläge" in out and "kulturverein-bruecke" in out and "Nichts eingetragen" in out
    with open_store(DB) as conn:
        assert [o.slug for o in orgs.list_all(conn)] == ["lernimpuls-nordstadt"]
    assert nl("organisations", "learn", "2026-12", "--yes") == 0
    with open_store(DB) as conn:
        bruecke = orgs.get(conn, "kulturverein-bruecke")
        assert bruecke is not None and bruecke.language == "tr" and bruecke.emails
        assert len(orgs.list_all(conn)) == 7
    assert nl("organisations", "learn", "2026-12") == 0
    assert "Keine neuen Organisationen" in capsys.readouterr().out
    assert nl("organisations", "learn", "2099-01") == 2  # an issue that does not exist
    assert "gibt es nicht" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("de", "de"), ("DE-de", "de-DE"), ("sr_latn_rs", "sr-Latn-RS"), ("Arabisch", "ar"),
     ("", "de"), ("pt-BR", "pt-BR"), ("es-419", "es-419")],
)  # fmt: skip
def test_language_tags_are_bcp47_in_canonical_case(raw: str, tag: str) -> None:
    assert orgs.parse_tag(raw) == tag


@pytest.mark.parametrize("raw", ["deutsch!", "d", "de--DE", "x-klingon", "de\nBcc: x"])
def test_bad_language_tags_are_refused(raw: str) -> None:
    with pytest.raises(NewsletterError) as exc:
        orgs.parse_tag(raw)
    assert exc.value.code == "ORG_LANGUAGE_INVALID"


def test_store_of_an_older_version_gains_the_register(tmp_path: Path) -> None:
    from newsletter.store.subscribers import migrate

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, SCHEMA_VERSION - 1)
    conn.close()
    with open_store(path) as db:
        assert schema_version(db) == SCHEMA_VERSION
        orgs.add(db, orgs.make("a-verein", emails="a@example.org"))
        assert orgs.owner_of(db, "A@EXAMPLE.ORG") == "a-verein"


def test_a_damaged_store_is_a_clear_message(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    DB.write_bytes(b"kein SQLite " * 100)
    assert nl("organisations", "list") == 2
    assert "keine Abonnenten-Datenbank" in capsys.readouterr().err
    (chdir_tmp / "submissions" / "2026-12").mkdir(parents=True)
    assert nl("status", "2026-12") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "subscribers.sqlite3" in err


def test_remove_also_deletes_its_dry_run_messages(chdir_tmp: Path) -> None:
    nl("organisations", "add", "a-verein", "--email", "a@example.org")
    eml = chdir_tmp / ".cache" / "private" / "2026-12" / "remind" / "a-verein.eml"
    eml.parent.mkdir(parents=True)
    eml.write_bytes(b"To: a@example.org\r\n\r\nHallo")
    assert nl("organisations", "remove", "a-verein") == 0
    assert not eml.exists()
