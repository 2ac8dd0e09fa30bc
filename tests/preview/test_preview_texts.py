"""No word of the preview page outside the gettext catalogue (domain `cli`).

The preview's Python (preview/*.py), its template (preview.html.j2) and its script (preview.js)
are read as a reviewer would: a German text that is shown must be inside a catalogue call
(`tr`, `ntr`, `ptr`, `N_` … in Python; `{% trans %}`, `_()`, `pgettext()` in the template),
and the script has no words of its own (the page hands them over). Each checker is also run on
the real file with one text put back as a bare literal, so that it is seen to fail.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from tests.support import REPO

PREVIEW = REPO / "newsletter" / "preview"
TEMPLATE = REPO / "newsletter" / "templates" / "preview.html.j2"
SCRIPT = REPO / "newsletter" / "templates" / "preview.js"
PYTHON = [*sorted(PREVIEW.glob("*.py")), REPO / "newsletter" / "texts" / "numbers.py"]

# the catalogue calls: their literal arguments are the German texts, as intended
MARKERS = frozenset({"tr", "ntr", "ptr", "N_", "Nn_", "Np_", "say", "_", "gettext", "ngettext"})
MARKERS |= {"pgettext"}
# what is written for programs, not people: logging, and the HTTP header names
LOGGING = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
HEADERS = frozenset(
    {
        "Cache-Control",
        "Content-Disposition",
        "Content-Length",
        "Content-Security-Policy",
        "Content-Type",
        "Host",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "X-Vorschau-Token",
    }
)
# words that make a literal German prose even without an umlaut or a capital
GERMAN_WORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "eines",
        "und",
        "oder",
        "nicht",
        "ist",
        "sind",
        "wird",
        "werden",
        "wurde",
        "von",
        "mit",
        "für",
        "auf",
        "bei",
        "zum",
        "zur",
        "nach",
        "aus",
        "über",
        "noch",
        "nur",
        "wie",
        "als",
        "kein",
        "keine",
        "keinen",
        "sich",
        "auch",
        "hat",
        "haben",
        "kann",
        "können",
        "soll",
        "muss",
        "bitte",
        "ohne",
        "gebaut",
        "fehlt",
        "fehlen",
    ]
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def looks_german(text: str) -> bool:
    """An umlaut or ß, a German function word, or a capitalised word (a noun, a sentence)."""
    if re.search(r"[äöüÄÖÜß]", text):
        return True
    tokens = [t.strip(".,:;!?()[]„“\"'…–·") for t in text.split()]
    if any(t.lower() in GERMAN_WORDS for t in tokens):
        return True
    # a capitalised word: "Foto", "Keine Verbindung"; not "PDF", "KB" (all capitals)
    return any(re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+", w) for w in _WORD.findall(text))


# --------------------------------------------------------------------------- Python
def german_in_python(source: str) -> list[str]:
    """Every string literal of `source` that looks German and is not inside a catalogue call
    (docstrings, logging and HTTP header names are for programmers and programs)."""
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            exempt.add(id(node.value))  # a docstring (or a bare string statement)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            is_log = isinstance(func, ast.Attribute) and name in LOGGING
            if name in MARKERS or is_log:
                exempt.update(id(n) for arg in node.args for n in ast.walk(arg))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if id(node) in exempt or text in HEADERS:
                continue
            if looks_german(text):
                found.append(f"line {node.lineno}: {text!r}")
    return found


# --------------------------------------------------------------------------- the template
class _Visible(HTMLParser):
    """The text a reader sees or hears: text outside <style>/<script>, and the attributes that
    are read out (title, alt, aria-label, placeholder)."""

    SPOKEN = frozenset({"title", "alt", "aria-label", "placeholder", "label"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1
        self.texts += [v for k, v in attrs if k in self.SPOKEN and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.texts.append(data)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


def german_in_template(source: str) -> list[str]:
    """Words of `source` outside {% trans %}, _() and pgettext(): in the HTML the template writes
    as it is (every word there is one too many: the page has no word that stays the same in
    every language), and German-looking string constants in its expressions."""
    tree = _environment().parse(source)
    inside: set[int] = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in MARKERS:
            inside.update(id(n) for n in call.find_all(nodes.Const))
    # the template's own HTML in source order, each expression a gap
    html = []
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            html.append(child.data if isinstance(child, nodes.TemplateData) else "\0")
    parser = _Visible()
    parser.feed("".join(html))
    found = []
    for text in parser.texts:
        words = [w for piece in text.split("\0") for w in _WORD.findall(piece)]
        if words and not re.fullmatch(r"\s*[\w.+-]+@[\w.-]+\s*", text):  # an example address
            found.append(f"text {text.strip()!r}")
    for const in tree.find_all(nodes.Const):
        if isinstance(const.value, str) and id(const) not in inside and looks_german(const.value):
            found.append(f"line {const.lineno}: {const.value!r}")
    return found


# --------------------------------------------------------------------------- the script
_JS_STRING = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`""", re.S
)


def german_in_script(source: str) -> list[str]:
    """Every string literal of the script that looks German (comments are skipped)."""
    found = []
    for m in _JS_STRING.finditer(source):
        token = m.group(0)
        if token.startswith("/"):
            continue
        if looks_german(token[1:-1]):
            found.append(f"line {source.count(chr(10), 0, m.start()) + 1}: {token}")
    return found


# --------------------------------------------------------------------------- the checks
def test_the_preview_python_has_no_german_text_outside_the_catalogue() -> None:
    found = {p.name: german_in_python(p.read_text(encoding="utf-8")) for p in PYTHON}
    assert {name: f for name, f in found.items() if f} == {}


def test_the_preview_template_has_no_word_outside_trans() -> None:
    assert german_in_template(TEMPLATE.read_text(encoding="utf-8")) == []


def test_the_preview_script_has_no_words_of_its_own() -> None:
    assert german_in_script(SCRIPT.read_text(encoding="utf-8")) == []


def _put_back(path: Path, marked: str, bare: str) -> str:
    source = path.read_text(encoding="utf-8")
    assert marked in source, f"{marked!r} is no longer in {path.name}: update this test"
    return source.replace(marked, bare, 1)


def test_the_python_check_finds_a_text_put_back() -> None:
    engine = PREVIEW / "engine.py"
    bare = _put_back(engine, 'tr("Wird gebaut …", self.lang)', '"Wird gebaut …"')
    assert german_in_python(bare) == [f"line {_line(bare, 'Wird gebaut')}: 'Wird gebaut …'"]
    sizes = PREVIEW / "sizes.py"  # no umlaut, one word: found by its capital
    assert german_in_python(_put_back(sizes, 'tr("Foto", lang)', '"Foto"')) != []
    server = PREVIEW / "server.py"  # a formatted text
    bare = _put_back(
        server,
        'tr("Die Anfrage ist zu groß.", self.lang)',
        'f"Die Anfrage ist zu groß ({length} Bytes)."',
    )
    assert german_in_python(bare) != []
    numbers = REPO / "newsletter" / "texts" / "numbers.py"
    bare = _put_back(
        numbers,
        'return ngettext_in(*_BYTES, abs(n), lang, "messages").format(n=n)',
        'return f"{n} Byte"',
    )
    assert german_in_python(bare) != []


def _line(source: str, text: str) -> int:
    return source[: source.index(text)].count("\n") + 1


def test_the_template_check_finds_a_text_put_back() -> None:
    for marked, bare in (
        ("{% trans %}Prüfbericht{% endtrans %}", "Prüfbericht"),
        ("{% trans %}Anwenden{% endtrans %}", "Anwenden"),  # no umlaut, no capital needed
        ("{{ _('Abschnitte') }}", "Abschnitte"),  # an attribute read out by screen readers
        (
            "{% trans slug=r.slug %}Ordner {{ slug }}{% endtrans %}",
            "Ordner {{ r.slug }}",
        ),
        ('{{ pgettext("Spalte", "Stand") }}', "{{ 'Stand' }}"),  # a constant in an expression
    ):
        assert german_in_template(_put_back(TEMPLATE, marked, bare)) != [], bare


def test_the_script_check_finds_a_text_put_back() -> None:
    for marked, bare in (
        ("texts.sending", '"Wird gesendet …"'),
        ("texts.compare : texts.close", '"Vergleichen" : "Schliessen"'),
        ("texts.offline", "`Keine Verbindung zu ${location.host}`"),
    ):
        assert german_in_script(_put_back(SCRIPT, marked, bare)) != [], bare


def test_the_script_takes_its_words_from_the_page() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    used = set(re.findall(r"\btexts\.(\w+)", script))
    template = TEMPLATE.read_text(encoding="utf-8")
    block = template.split('id="vorschau-texte">', 1)[1].split("</script>", 1)[0]
    given = set(re.findall(r'"(\w+)": _\(', block))
    assert used and used == given


def test_a_browser_leaving_mid_answer_prints_no_traceback(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A reload or a closed tab in the middle of an answer broke the pipe, and the standard
    library printed "Exception occurred during processing of request" with a traceback into
    the editor's terminal. A left browser is normal: nothing; anything else: one line."""
    from newsletter.preview.server import _Handler, _Server

    server = _Server(("127.0.0.1", 0), _Handler)
    try:
        for exc in (BrokenPipeError(32, "Broken pipe"), ValueError("kaputt")):
            try:
                raise exc
            except Exception:
                server.handle_error(None, ("127.0.0.1", 50000))
    finally:
        server.server_close()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err
    assert "kaputt" in caplog.text and "Broken pipe" not in caplog.text
