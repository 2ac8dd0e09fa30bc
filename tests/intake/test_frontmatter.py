"""submission.md's front matter and text: YAML problems with line numbers, the narrow loader,
encodings, BOM and CRLF, and the Markdown helpers the rules use."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import yaml

from newsletter.core.config import Settings
from newsletter.intake import frontmatter, markup, textfiles
from newsletter.intake.reader import read_issue
from tests.support import IssueDir, codes, run_rules, submission_md, the, valid_front


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """`a: &a [x,x,...]`, `b: &b [*a,*a,...]`, ... nested `levels` deep (width**levels nodes)."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = [f"a: &a [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        prev, cur = names[i - 1], names[i]
        lines.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * width)}]")
    return "\n".join(lines)


# --------------------------------------------------------------------------- split
def test_split_finds_front_matter_body_and_body_line() -> None:
    front, body, line = frontmatter.split("---\na: b\nc: d\n---\nText\n")
    assert front == "a: b\nc: d"
    assert body == "Text\n"
    assert line == 5


def test_split_without_fence_or_closing_fence_gives_no_front_matter() -> None:
    assert frontmatter.split("Nur Text\n")[0] is None
    assert frontmatter.split("---\na: b\nkein Ende\n")[0] is None


def test_split_accepts_bom_and_yaml_document_end() -> None:
    front, body, _ = frontmatter.split("\ufeff---\na: b\n...\nText")
    assert front == "a: b"
    assert body == "Text"


# --------------------------------------------------------------------------- parse
def test_only_true_and_false_are_booleans_everything_else_stays_text() -> None:
    data = frontmatter.parse(
        "language: no\na: yes\nb: ja\nc: on\nd: 04103\ne: 12:30\nf: 1.5\ng: ~\nh: true\ni: False"
    )
    assert data == {
        "language": "no",
        "a": "yes",
        "b": "ja",
        "c": "on",
        "d": "04103",
        "e": "12:30",
        "f": "1.5",
        "g": None,
        "h": True,
        "i": False,
    }


def test_phone_number_and_postcode_keep_their_leading_zero() -> None:
    data = frontmatter.parse("contact:\n  phone: 02302 000000\nlocation: 04103 Leipzig")
    assert data["contact"]["phone"] == "02302 000000"
    assert data["location"] == "04103 Leipzig"


def test_empty_front_matter_is_an_empty_mapping() -> None:
    assert frontmatter.parse("") == {}
    assert frontmatter.parse("# nur ein Kommentar") == {}


@pytest.mark.parametrize(
    ("front", "code", "line"),
    [
        ("organisation: Verein\ngoal: Ziel: mit Doppelpunkt", "YAML_SYNTAX", 3),
        ("organisation: Verein\ngoal: Lernhilfe\nlocation: [Nordstadt", "YAML_SYNTAX", 4),
        ('organisation: "Verein', "YAML_SYNTAX", 2),
        ("organisation: Verein\ncontact:\n\tname: Ayşe", "YAML_TAB", 4),
        ("organisation:\tVerein", "YAML_TAB", 2),
        ("organisation: &o Verein\ngoal: *o", "YAML_ALIAS", 3),
        ("- organisation\n- goal", "YAML_NOT_MAPPING", 2),
        ("organisation: Verein\ngoal: Hilfe\nlocation: Nord\x07stadt", "YAML_SYNTAX", 4),
    ],
)
def test_parse_problems_carry_the_line_in_the_file(front: str, code: str, line: int) -> None:
    with pytest.raises(frontmatter.FrontMatterError) as exc:
        frontmatter.parse(front)
    assert exc.value.code == code
    assert exc.value.line == line


def test_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = _alias_bomb()
    start = time.perf_counter()
    with pytest.raises(frontmatter.FrontMatterError) as exc:
        frontmatter.parse(bomb)
    assert time.perf_counter() - start < 0.2
    assert exc.value.code == "YAML_ALIAS"
    assert exc.value.line == 3  # the first `*a`, on the line of `b:`


# --------------------------------------------------------------------------- libyaml, same answers
needs_libyaml = pytest.mark.skipif(frontmatter._CLoader is None, reason="PyYAML without libyaml")

USUAL_FRONT = """organisation: "Kunst & Kultur e.V." # mit Kommentar
goal: 'Wer wir sind? 50 % Spaß, Begegnung: jeden Freitag!'
location: Nordstadt, Schulstraße 17 🌻
contact:
  name: Ayşe Beispiel
  email: info@example.org
  phone: 02302 000000
  website: https://verein.example.org/#start
language: no
photos:
  - file: foto.jpg
    caption: "Sommerfest \\u00e4 „im Park“"
    credit: ~
    consent: true
  -
    file: zwei.jpg
    consent: False
empty:
12:30: 04103"""

# Documents on which libyaml and PyYAML's own loader disagree (found by comparing both on
# mutated front matters): libyaml accepts what PyYAML refuses, reads an empty tag as "" (PyYAML:
# None) or follows an alias. parse() must answer as PyYAML's own loader does.
DISAGREEING = [
    "a: >+# c\nb: x",
    "a: |\n ' x\nb: >#-\n  p\n",
    "a: [x, y? ]",
    "a: {c: d?, e: f}",
    "- !",
    "a: !\nb: c",
    "? a\n! : b",
    "organisation: &o Verein\ngoal: *o",
    "organisation:\tVerein",
    "a: x\n  \ty",
]


def _outcome(front: str) -> tuple[str, Any]:
    try:
        return "ok", frontmatter.parse(front)
    except frontmatter.FrontMatterError as exc:
        return "error", exc


def test_usual_front_matter_gives_what_the_pure_python_loader_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = _outcome(USUAL_FRONT)
    monkeypatch.setattr(frontmatter, "_CLoader", None)
    assert fast == _outcome(USUAL_FRONT)
    assert fast[1]["language"] == "no" and fast[1]["12:30"] == "04103"


@needs_libyaml
def test_usual_front_matter_is_read_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refused(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            raise AssertionError("the pure-Python loader was used")

    monkeypatch.setattr(frontmatter, "_StrictLoader", Refused)
    assert frontmatter.parse(USUAL_FRONT)["organisation"] == "Kunst & Kultur e.V."
    with pytest.raises(AssertionError, match="pure-Python"):  # a block scalar: not trusted
        frontmatter.parse(USUAL_FRONT + "\nalt: >-\n  nicht hier")


@needs_libyaml
@pytest.mark.parametrize("front", DISAGREEING)
def test_where_libyaml_disagrees_the_pure_python_loader_answers(
    front: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _outcome(front)
    monkeypatch.setattr(frontmatter, "_CLoader", None)
    assert seen == _outcome(front)


# --------------------------------------------------------------------------- as `check` sees it
def test_malformed_yaml_is_reported_with_its_line(issue: IssueDir, settings: Settings) -> None:
    md = "---\norganisation: Verein\ngoal: Ziel: Lernhilfe\n---\nText\n"
    issue.add("kaputt", md=md)
    issue.add("gut")
    findings = run_rules(issue.folder, settings)
    f = the(findings, "YAML_SYNTAX", "kaputt", "submission.md")
    assert f.severity == "error"
    assert f.params["line"] == 3
    assert "Zeile 3" in f.message("de")
    assert "Line 3" in f.message("en")
    assert codes(findings, "gut") == []  # one broken submission does not stop the others


def test_tab_in_yaml_is_reported_with_its_line(issue: IssueDir, settings: Settings) -> None:
    md = "---\norganisation: Verein\ncontact:\n\temail: info@example.org\n---\nText\n"
    issue.add("tab", md=md)
    f = the(run_rules(issue.folder, settings), "YAML_TAB", "tab", "submission.md")
    assert f.params["line"] == 4
    assert "Zeile 4" in f.message("de")
    assert "Leerzeichen" in f.message("de")


def test_alias_bomb_in_a_submission_is_reported_quickly(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("bombe", md=f"---\n{_alias_bomb()}\n---\nText\n")
    start = time.perf_counter()
    findings = run_rules(issue.folder, settings)
    assert time.perf_counter() - start < 0.5
    f = the(findings, "YAML_ALIAS", "bombe", "submission.md")
    assert f.params["line"] == 3


def test_control_character_in_yaml_is_reported_with_its_line(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("steuer", md="---\norganisation: Ver\x0bein\n---\nText\n")
    f = the(run_rules(issue.folder, settings), "YAML_SYNTAX", "steuer", "submission.md")
    assert f.params["line"] == 2
    assert "U+000B" in f.message("de")


def test_list_instead_of_fields_is_reported(issue: IssueDir, settings: Settings) -> None:
    issue.add("liste", md="---\n- organisation: Verein\n---\nText\n")
    the(run_rules(issue.folder, settings), "YAML_NOT_MAPPING", "liste", "submission.md")


@pytest.mark.parametrize(
    "md",
    ["Nur ein Text ohne Angabenblock.\n", "---\norganisation: Verein\nText ohne Ende\n"],
)
def test_missing_front_matter_is_reported(issue: IssueDir, settings: Settings, md: str) -> None:
    issue.add("ohne", md=md)
    the(run_rules(issue.folder, settings), "FRONT_MATTER_MISSING", "ohne", "submission.md")


# --------------------------------------------------------------------------- encodings
def test_decode_utf8_bom_and_crlf() -> None:
    text, guessed = textfiles.decode("\ufeffZeile 1\r\nÜber uns\rEnde".encode())
    assert text == "Zeile 1\nÜber uns\nEnde"
    assert guessed is False


def test_decode_falls_back_to_windows_1252() -> None:
    text, guessed = textfiles.decode("Über uns – „Grüße“ für 5 €".encode("cp1252"))
    assert text == "Über uns – „Grüße“ für 5 €"
    assert guessed is True


def test_decode_never_fails_on_bytes_undefined_in_windows_1252() -> None:
    text, guessed = textfiles.decode(b"Caf\xe9 \x81\x8d\x8f\x90\x9d")
    assert text.startswith("Café ")
    assert guessed is True


def test_windows_1252_submission_gets_a_warning_and_right_umlauts(
    issue: IssueDir, settings: Settings
) -> None:
    md = (
        "---\norganisation: Bürgerverein Süd\ncontact:\n  email: info@example.org\n---\n"
        "Über uns: Wir helfen Familien beim Ankommen.\n"
    )
    issue.add("cp", md=md.encode("cp1252"), default_files=False)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "TEXT_ENCODING", "cp", "submission.md")
    assert f.severity == "warning"
    assert "Windows-1252" in f.message("de")
    sub = read_issue(issue.folder, settings).issue.submission("cp")
    assert sub.organisation == "Bürgerverein Süd"
    assert sub.text.startswith("Über uns")
    assert [x.severity for x in findings if x.submission == "cp"] == ["warning"]


def test_bom_and_crlf_submission_has_no_finding(issue: IssueDir, settings: Settings) -> None:
    md = "\ufeff" + submission_md(valid_front()).replace("\n", "\r\n")
    issue.add("crlf", md=md.encode("utf-8"))
    assert run_rules(issue.folder, settings) == []


# --------------------------------------------------------------------------- Markdown
def test_visible_text_counts_what_a_reader_sees() -> None:
    md = "## Wir\n\nSind **fett** und *schräg*, mit [Link](https://example.org).\n\n- eins\n"
    assert markup.visible_text(md) == "Wir\nSind fett und schräg, mit Link.\neins"


def test_links_and_raw_html_are_found() -> None:
    md = "[a](https://example.org) <b>fett</b> [b](ftp://example.org/x)"
    assert markup.links(md) == ["https://example.org", "ftp://example.org/x"]
    assert markup.raw_html(md) == ["<b>", "</b>"]


def test_each_text_is_parsed_once_however_many_rules_ask(
    issue: IssueDir, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue.add("eins", body="Wir sind **eins**, mit [Link](https://example.org).\n")
    issue.add("zwei", body="Wir sind <b>zwei</b>, mit ![Bild](x.png).\n")
    parsed: Counter[str] = Counter()
    real = markup._PARSER.parse

    def counting(md: str, env: Any = None) -> Any:
        parsed[md] += 1
        return real(md, env)

    markup._parsed.cache_clear()
    monkeypatch.setattr(markup._PARSER, "parse", counting)
    findings = run_rules(issue.folder, settings)
    assert {f.code for f in findings} >= {"TEXT_HTML", "TEXT_IMAGE"}  # the rules did ask
    assert sorted(parsed.values()) == [1, 1]
