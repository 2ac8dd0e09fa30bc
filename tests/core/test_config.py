"""Settings: newsletter.toml, NEWSLETTER_* variables and .env; every problem at once, with its
key, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core import config
from newsletter.core.config import load_settings
from newsletter.core.errors import ConfigError
from tests.support import IssueDir

BAD = 'lang = "fr"\ncolour = "blau"\n\n[rules]\nmax_text_chars = "viel"\n'


def _problems(root: Path) -> dict[str, str]:
    with pytest.raises(ConfigError) as exc:
        load_settings(root=root)
    assert exc.value.path == root / "newsletter.toml"
    return dict(exc.value.problems)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    s = load_settings(root=tmp_path)
    assert s.root == tmp_path.resolve()
    assert s.lang == "de"
    assert s.timezone == "Europe/Berlin"
    assert s.rules.max_text_chars == 1500
    assert s.rules.max_photos == 3
    assert s.path(s.submissions_dir) == tmp_path.resolve() / "submissions"


def test_file_values_are_read(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text(
        'lang = "en"\nsubmissions_dir = "ausgaben"\n[rules]\nmax_photos = 2\n'
        "[layout]\nemail_photo_width = 640\n",
        encoding="utf-8",
    )
    s = load_settings(root=tmp_path)
    assert (s.lang, s.rules.max_photos, s.layout.email_photo_width) == ("en", 2, 640)
    assert s.path(s.submissions_dir) == tmp_path.resolve() / "ausgaben"


def test_every_problem_is_reported_at_once_with_its_key(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text(BAD, encoding="utf-8")
    problems = _problems(tmp_path)
    assert set(problems) == {"lang", "colour", "rules.max_text_chars"}
    assert all(msg for msg in problems.values())


def test_unknown_key_inside_a_section(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text("[rules]\nmax_photo = 2\n", encoding="utf-8")
    assert set(_problems(tmp_path)) == {"rules.max_photo"}


def test_values_out_of_range_and_contradicting_values(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text(
        'timezone = "Europe/Bochum"\n[rules]\nmax_photos = -1\n'
        "[layout]\nprint_warn_ppi = 150\nprint_error_ppi = 200\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_settings(root=tmp_path)
    keys = {k for k, _ in exc.value.problems}
    assert "rules.max_photos" in keys
    # cross-field checks run once the types are right; fix the range and they show up
    (tmp_path / "newsletter.toml").write_text(
        'timezone = "Europe/Bochum"\n[layout]\nprint_warn_ppi = 150\nprint_error_ppi = 200\n',
        encoding="utf-8",
    )
    assert set(_problems(tmp_path)) == {"timezone", "layout.print_error_ppi"}


def test_bad_toml_syntax_is_reported(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text('lang = "de\n[rules\n', encoding="utf-8")
    problems = _problems(tmp_path)
    assert list(problems) == [""]
    assert problems[""] == "Zeile 1: ein Anführungszeichen wird nicht geschlossen"


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_bytes('# Grüße\nlang = "de"\n'.encode("cp1252"))
    assert "UTF-8" in _problems(tmp_path)[""]


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "newsletter.toml").write_text(
        "[rules]\nmax_text_chars = 1000\nmax_photos = 2\n", encoding="utf-8"
    )
    monkeypatch.setenv("NEWSLETTER_RULES__MAX_TEXT_CHARS", "2000")
    s = load_settings(root=tmp_path)
    assert s.rules.max_text_chars == 2000
    assert s.rules.max_photos == 2  # the rest of the file's section stays


def test_bad_environment_value_names_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_RULES__MAX_TEXT_CHARS", "viel")
    with pytest.raises(ConfigError) as exc:
        load_settings(root=tmp_path)
    assert [k for k, _ in exc.value.problems] == ["rules.max_text_chars"]


def test_dotenv_in_the_root_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "NEWSLETTER_LANG=en\nNEWSLETTER_RULES__MAX_PHOTOS=1\n", encoding="utf-8"
    )
    (tmp_path / "newsletter.toml").write_text("[rules]\nmax_photos = 2\n", encoding="utf-8")
    s = load_settings(root=tmp_path)
    assert (s.lang, s.rules.max_photos) == ("en", 1)
    monkeypatch.setenv("NEWSLETTER_LANG", "de")
    assert load_settings(root=tmp_path).lang == "de"


def test_lower_case_variable_is_read_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("newsletter_lang", "en")  # pydantic-settings ignores the case
    assert load_settings(root=tmp_path).lang == "en"


def _outcome(root: Path) -> object:
    try:
        return load_settings(root=root).model_dump()
    except ConfigError as exc:
        return exc.problems, exc.english


@pytest.mark.parametrize(
    "toml",
    [
        "",
        'lang = "en"\n[rules]\nmax_photos = 2\n[smtp]\npassword = "geheim"\n',
        BAD,
        '[layout]\nprint_error_ppi = 300\n[serve]\nport = "x"\n[[smtp.relays]]\nhost = 1\n',
        "root = 5\nsubmissions_dir = []\n[images]\nssimulacra2_floor = 90\n",
    ],
)
def test_without_environment_the_same_as_through_pydantic_settings(
    toml: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No .env, no NEWSLETTER_*: pydantic-settings is not even imported (config.py), and the
    settings and problems are those it would give."""
    (tmp_path / "newsletter.toml").write_text(toml, encoding="utf-8")
    alone = _outcome(tmp_path)
    monkeypatch.setattr(config, "_environment_applies", lambda env_file: True)
    assert _outcome(tmp_path) == alone


def test_explicit_config_file_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings(root=tmp_path, config_file=tmp_path / "fehlt.toml")


# --------------------------------------------------------------------------- through the CLI
def test_cli_lists_every_config_problem_and_exits_2(
    chdir_tmp: Path, issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v")
    (chdir_tmp / "newsletter.toml").write_text(BAD, encoding="utf-8")
    assert main(["check", str(issue.folder)]) == 2
    captured = capsys.readouterr()
    assert "enthalten 3 Fehler" in captured.err
    for key in ("lang:", "colour:", "rules.max_text_chars:"):
        assert key in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert captured.out == ""


def test_cli_reports_bad_toml_syntax(
    chdir_tmp: Path, issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v")
    (chdir_tmp / "newsletter.toml").write_text("[rules\n", encoding="utf-8")
    assert main(["check", str(issue.folder), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "The settings in" in err and "(file): line 1: the heading lacks its closing ']'" in err
    assert "Traceback" not in err


def test_cli_config_option(
    chdir_tmp: Path, issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v", body="x" * 200)
    other = chdir_tmp / "streng.toml"
    other.write_text("[rules]\nmax_text_chars = 100\n", encoding="utf-8")
    assert main(["check", str(issue.folder)]) == 0
    assert main(["--config", str(other), "check", str(issue.folder), "--json"]) == 1
    assert '"TEXT_TOO_LONG"' in capsys.readouterr().out
    assert main(["--config", str(chdir_tmp / "fehlt.toml"), "check", str(issue.folder)]) == 2
    assert "fehlt.toml" in capsys.readouterr().err


def test_environment_limit_changes_what_check_reports(
    chdir_tmp: Path,
    issue: IssueDir,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issue.add("v", body="x" * 200)
    (chdir_tmp / "newsletter.toml").write_text("[rules]\nmax_text_chars = 1000\n", encoding="utf-8")
    assert main(["check", str(issue.folder)]) == 0
    monkeypatch.setenv("NEWSLETTER_RULES__MAX_TEXT_CHARS", "150")
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "TEXT_TOO_LONG" in out and "höchstens 150" in out
