"""Text and addresses that show a reader something else than what is there: direction
controls, zero-width characters, links whose text names another host, user-info in a URL,
look-alike domains; and a title or name that would break an e-mail header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsletter.cli.main import main
from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.output.build import build_issue
from tests.support import VALID_BODY, IssueDir, codes, run_rules, the, valid_front

RLO, LRI, PDI, ZWSP, ZWNJ, ZWJ = "\u202e", "\u2066", "\u2069", "\u200b", "\u200c", "\u200d"


def _contact(**kw: Any) -> dict[str, Any]:
    return {**valid_front()["contact"], **kw}


@pytest.mark.parametrize("char", [RLO, LRI, PDI, "\u202a", "\u202b", "\u202c", "\u202d"])
def test_direction_controls_are_errors_in_fields_and_text(
    issue: IssueDir, settings: Settings, char: str
) -> None:
    issue.add("feld", update={"organisation": f"Verein{char} e.V."})
    issue.add("text", body=f"Überweisung an IBAN DE12{char}3456 bitte.\n")
    findings = run_rules(issue.folder, settings)
    field = the(findings, "BIDI_CONTROL", "feld", "submission.md")
    assert field.severity == "error" and "organisation" in field.message("de")
    assert f"U+{ord(char):04X}" in field.message("de")
    text = the(findings, "BIDI_CONTROL", "text", "submission.md")
    assert text.severity == "error" and "Der Text" in text.message("de")


def test_zero_width_characters_error_where_they_deceive_warning_where_innocent(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("name", update={"organisation": f"Pay{ZWSP}Pal Freundeskreis"})
    issue.add("kopiert", body=f"Wir treffen uns{ZWSP} jeden Montag.\n\n" + VALID_BODY)
    issue.add("word", body="Hausaufgaben\u00adbetreuung jeden Montag.\n\n" + VALID_BODY)
    # Persian: "می‌خواهیم" (we want) is spelled with a zero-width non-joiner
    persian = f"ما می{ZWNJ}خواهیم با هم یاد بگیریم. کلاس‌ها هر هفته برگزار می{ZWNJ}شوند.\n"
    issue.add("farsi", update={"language": "fa", "goal": f"می{ZWNJ}خواهیم کمک کنیم"}, body=persian)
    issue.add("emoji", body="Familienfest 👨\u200d👩\u200d👧 für alle!\n\n" + VALID_BODY)
    findings = run_rules(issue.folder, settings)
    assert the(findings, "HIDDEN_CHAR", "name").severity == "error"
    assert the(findings, "HIDDEN_CHAR_TEXT", "kopiert").severity == "warning"
    assert codes(findings, "kopiert") == ["HIDDEN_CHAR_TEXT"]
    assert {f.severity for f in findings if f.submission == "farsi"} == {"warning"}
    assert set(codes(findings, "farsi")) == {"HIDDEN_JOINER"}
    assert codes(findings, "emoji") == []
    assert codes(findings, "word") == []  # Word's optional hyphen in running text


def test_a_link_that_shows_one_host_and_leads_to_another(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add(
        "falsch",
        body="Spenden bitte über [www.sparkasse.de](https://sparkasse.de.login-check.example/).\n",
    )
    issue.add("mail", body="Schreiben Sie an [info@verein.de](mailto:kasse@anders.example).\n")
    issue.add(
        "richtig",
        body=(
            "Mehr unter [sparkasse.de](https://www.sparkasse.de/spenden), "
            "[unsere Webseite](https://verein.example.org), "
            "[www.verein.example.org](https://termine.verein.example.org/) und "
            "<https://verein.example.org/programm>.\n"
        ),
    )
    findings = run_rules(issue.folder, settings)
    wrong = the(findings, "LINK_TEXT_HOST", "falsch")
    assert wrong.severity == "error"
    assert "www.sparkasse.de" in wrong.message("de")
    assert "sparkasse.de.login-check.example" in wrong.message("de")
    assert the(findings, "LINK_TEXT_HOST", "mail").severity == "error"
    assert codes(findings, "richtig") == []


@pytest.mark.parametrize(
    ("where", "url"),
    [
        ("website", "https://www.sparkasse.de@evil.example/"),
        ("link", "https://www.sparkasse.de@evil.example/"),
        ("autolink", "https://www.sparkasse.de:pin@evil.example/login"),
        # as plain text: mail programs make it a link all the same
        ("bare", "https://www.sparkasse.de@evil.example/login"),
    ],
)
def test_user_info_in_an_address_is_an_error(
    issue: IssueDir, settings: Settings, where: str, url: str
) -> None:
    if where == "website":
        issue.add("v", update={"contact": _contact(website=url)})
    elif where == "link":
        issue.add("v", body=f"Zum [Online-Banking]({url}).\n")
    elif where == "autolink":
        issue.add("v", body=f"Zum Online-Banking: <{url}>\n")
    else:
        issue.add("v", body=f"Zum Online-Banking: {url} (bitte gleich anmelden)\n")
    finding = the(run_rules(issue.folder, settings), "URL_USERINFO", "v")
    assert finding.severity == "error"
    assert "evil.example" in finding.message("de") and "www.sparkasse.de" in finding.message("de")


@pytest.mark.parametrize(
    ("website", "bad"),
    [
        ("https://p\u0430ypal.com/", True),  # Cyrillic а among Latin letters
        ("https://xn--pypal-4ve.com/", True),  # the same, as punycode
        ("https://\u0440\u0430\u0443\u0440\u0430\u04cf.com/", True),  # all-Cyrillic "paypal"
        ("https://пример.рф/", False),  # a Russian domain, all Cyrillic: fine
        ("https://müller-bäckerei.de/", False),  # umlauts are Latin
        ("https://東京.jp/", False),
    ],
)
def test_look_alike_domains(issue: IssueDir, settings: Settings, website: str, bad: bool) -> None:
    issue.add("site", update={"contact": _contact(website=website)})
    issue.add("link", body=f"Mehr auf [unserer Seite]({website}).\n")
    issue.add("mail", update={"contact": _contact(email="info@" + website.split("/")[2])})
    issue.add("bare", body=f"Mehr auf {website} und bei info@{website.split('/')[2]}.\n")
    findings = run_rules(issue.folder, settings)
    for slug in ("site", "link", "mail", "bare"):
        if bad:
            finding = the(findings, "URL_MIXED_SCRIPT", slug)
            assert finding.severity == "error"
            assert "kyrillisch" in finding.message("de") and "Cyrillic" in finding.message("en")
        else:
            assert "URL_MIXED_SCRIPT" not in codes(findings, slug)


def test_invisible_character_inside_an_address(issue: IssueDir, settings: Settings) -> None:
    issue.add("site", update={"contact": _contact(website=f"https://verein{ZWSP}.example.org/")})
    issue.add("link", body=f"Mehr auf [unserer Seite](https://verein.example.org/a{ZWJ}b).\n")
    findings = run_rules(issue.folder, settings)
    assert the(findings, "URL_HIDDEN_CHAR", "site").severity == "error"
    assert "[U+200B]" in the(findings, "URL_HIDDEN_CHAR", "site").message("de")
    assert the(findings, "URL_HIDDEN_CHAR", "link").severity == "error"


def test_editorial_articles_are_checked_too(issue: IssueDir, settings: Settings) -> None:
    issue.add("ok")
    (issue.folder / "editorial").mkdir()
    (issue.folder / "editorial" / "10-spenden.md").write_text(
        "# Spenden\n\nBitte über [www.sparkasse.de](https://evil.example/) spenden.\n",
        encoding="utf-8",
    )
    finding = the(run_rules(issue.folder, settings), "LINK_TEXT_HOST", None)
    assert finding.file == "editorial/10-spenden.md" and finding.submission is None


def test_the_editors_texts_in_issue_toml_are_checked_too(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("ok")
    toml = issue.folder / "issue.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[received]",
            f'intro = "Liebe Leserinnen{RLO} und Leser"\n\n[received]',
        )
        + "\n[[events]]\ndate = 2026-12-05\n"
        + f'title = "Wintermarkt{ZWSP}"\nurl = "https://www.stadt.de@evil.example/"\n',
        encoding="utf-8",
    )
    findings = run_rules(issue.folder, settings)
    assert the(findings, "BIDI_CONTROL", None).params["where"] == "Das Feld „intro“"
    assert the(findings, "HIDDEN_CHAR", None).params["where"] == "Das Feld „events[1].title“"
    assert the(findings, "URL_USERINFO", None).file == "issue.toml"


@pytest.mark.parametrize("name", ["Verein Brücke\r\n", "Verein\nBcc: alle@example.org"])
def test_an_organisation_name_with_a_line_break_fails_check(
    issue: IssueDir, settings: Settings, name: str
) -> None:
    issue.add("v", update={"organisation": name})
    finding = the(run_rules(issue.folder, settings), "FIELD_CONTROL_CHAR", "v")
    assert finding.params["key"] == "organisation" and finding.severity == "error"


def test_a_title_with_a_line_break_fails_check_and_build(
    issue: IssueDir, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v")
    toml = issue.folder / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            'title = "Newsletter des Integrationsnetzwerks"',
            'title = "Newsletter\\r\\nBcc: alle@example.org"',
        ),
        encoding="utf-8",
    )
    finding = the(run_rules(issue.folder, settings), "ISSUE_TOML_FIELD", None)
    assert finding.params["key"] == "title" and finding.file == "issue.toml"
    assert "Zeilenumbruch" in finding.message("de") and "line break" in finding.message("en")
    assert main(["check", str(issue.folder)]) == 1
    assert "title" in capsys.readouterr().out
    with pytest.raises(NewsletterError) as refused:
        build_issue(str(issue.folder), settings, force=True)
    assert refused.value.code == "BUILD_FATAL"


def test_the_example_issue_has_nothing_deceptive(example_copy: Path, settings: Settings) -> None:
    assert run_rules(example_copy, settings) == []
