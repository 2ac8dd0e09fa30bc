"""The rules of PRODUCT.md, one bad input at a time: each gives its code, on the right
submission and file, with a German and an English text that says what to do."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsletter.core.config import Settings
from newsletter.intake.probe import probe
from newsletter.intake.reader import read_issue
from tests.support import (
    CLEAN_SVG,
    REPO,
    IssueDir,
    codes,
    image_bytes,
    jpeg,
    png,
    png_bomb,
    run_rules,
    the,
    valid_front,
)

UTC = dt.UTC


def _photo(name: str = "foto.jpg", **kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "file": name,
        "caption": "Sommerfest",
        "alt": "Kinder spielen Fußball auf einer Wiese",
        "consent": True,
    }
    for key, value in kw.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def _contact(**kw: Any) -> dict[str, Any]:
    contact = dict(valid_front()["contact"])
    for key, value in kw.items():
        if value is None:
            contact.pop(key, None)
        else:
            contact[key] = value
    return contact


def _with(settings: Settings, section: str, **values: Any) -> Settings:
    """A copy of the settings with some values of one section changed."""
    part = getattr(settings, section).model_copy(update=values)
    return settings.model_copy(update={section: part})


def _only(findings: list[Any], slug: str) -> list[str]:
    return sorted(codes(findings, slug))


# --------------------------------------------------------------------------- fields
def test_unknown_key_suggests_the_right_one(issue: IssueDir, settings: Settings) -> None:
    front = valid_front()
    front["organisaton"] = front.pop("organisation")
    issue.add("tippfehler", front)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "UNKNOWN_KEY", "tippfehler", "submission.md")
    assert f.params["key"] == "organisaton"
    assert "Meinten Sie „organisation“?" in f.message("de")
    assert "Did you mean 'organisation'?" in f.message("en")
    the(findings, "MISSING_FIELD", "tippfehler", "submission.md")
    assert _only(findings, "tippfehler") == ["MISSING_FIELD", "UNKNOWN_KEY"]


def test_unknown_keys_in_contact_and_photos_get_suggestions(
    issue: IssueDir, settings: Settings
) -> None:
    contact = _contact(email=None, emial="info@example.org")
    issue.add("verein", update={"contact": contact, "photos": [_photo(credits="Ayşe")]})
    findings = run_rules(issue.folder, settings)
    keys = {f.params["key"]: f for f in findings if f.code == "UNKNOWN_KEY"}
    assert set(keys) == {"contact.emial", "photos[1].credits"}
    assert "„email“" in keys["contact.emial"].message("de")
    assert "„credit“" in keys["photos[1].credits"].message("de")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_organisation(issue: IssueDir, settings: Settings, value: str | None) -> None:
    front = valid_front()
    if value is None:
        del front["organisation"]
    else:
        front["organisation"] = value
    issue.add("ohne-name", front)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "MISSING_FIELD", "ohne-name", "submission.md")
    assert f.severity == "error"
    assert "organisation" in f.message("de")
    assert _only(findings, "ohne-name") == ["MISSING_FIELD"]


def test_no_way_to_get_in_touch(issue: IssueDir, settings: Settings) -> None:
    issue.add("stumm", update={"contact": {"name": "Ayşe Beispiel"}})
    findings = run_rules(issue.folder, settings)
    the(findings, "CONTACT_MISSING", "stumm", "submission.md")
    assert _only(findings, "stumm") == ["CONTACT_MISSING"]


def test_one_way_of_contact_is_enough(issue: IssueDir, settings: Settings) -> None:
    issue.add("nur-telefon", update={"contact": {"phone": "0231 000000"}})
    assert run_rules(issue.folder, settings) == []


@pytest.mark.parametrize("email", ["info(at)example.org", "info@example", "info@@example.org"])
def test_invalid_email(issue: IssueDir, settings: Settings, email: str) -> None:
    issue.add("verein", update={"contact": _contact(email=email)})
    f = the(run_rules(issue.folder, settings), "EMAIL_INVALID", "verein", "submission.md")
    assert email in f.message("de")


@pytest.mark.parametrize(
    ("website", "code"),
    [
        ("javascript:alert(1)", "URL_SCHEME"),
        ("ftp://example.org/verein", "URL_SCHEME"),
        ("mailto:info@example.org", "URL_SCHEME"),  # a website must be a web page
        ("www.example.org", "URL_INVALID"),
        ("https://localhost", "URL_INVALID"),
    ],
)
def test_website_must_be_http_or_https(
    issue: IssueDir, settings: Settings, website: str, code: str
) -> None:
    issue.add("verein", update={"contact": _contact(website=website)})
    findings = run_rules(issue.folder, settings)
    f = the(findings, code, "verein", "submission.md")
    assert website in f.message("de") and website in f.message("en")
    assert _only(findings, "verein") == [code]


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://example.org/flyer.pdf", "JavaScript:void(0)"]
)
def test_links_in_the_text_must_be_http_https_or_mailto(
    issue: IssueDir, settings: Settings, link: str
) -> None:
    body = f"Wir freuen uns auf Sie. [Mehr hier]({link}) und [Webseite](https://example.org).\n"
    issue.add("verein", body=body)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "URL_SCHEME", "verein", "submission.md")
    assert link.split("(")[0] in f.message("de")
    assert _only(findings, "verein") == ["URL_SCHEME"]


def test_bad_mailto_link_in_the_text(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="Schreiben Sie uns: [E-Mail](mailto:info-at-example.org)\n")
    the(run_rules(issue.folder, settings), "EMAIL_INVALID", "verein", "submission.md")


@pytest.mark.parametrize(
    ("yaml_value", "key"),
    [
        ('organisation: "Lernimpuls\\r\\nWitten e.V."', "organisation"),
        ('goal: "Lernhilfe\\nund Begegnung"', "goal"),
        ('location: "Nordstadt\\x07"', "location"),
        ('location: "Nordstadt\\u2028Schulstraße"', "location"),
    ],
)
def test_line_breaks_and_control_characters_in_fields(
    issue: IssueDir, settings: Settings, yaml_value: str, key: str
) -> None:
    front = (
        "organisation: Verein\ngoal: Hilfe\nlocation: Nordstadt\n"
        "contact:\n  email: info@example.org\n"
    )
    field = f"{key}:"
    lines = [yaml_value if line.startswith(field) else line for line in front.splitlines()]
    issue.add("verein", "\n".join(lines), default_files=False)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FIELD_CONTROL_CHAR", "verein", "submission.md")
    assert f.params["key"] == key
    assert key in f.message("de")
    assert _only(findings, "verein") == ["FIELD_CONTROL_CHAR"]


def test_control_character_in_a_photo_caption(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": [_photo(caption="Sommer\r\nfest")]})
    f = the(run_rules(issue.folder, settings), "FIELD_CONTROL_CHAR", "verein")
    assert f.params["key"] == "photos[1].caption"


@pytest.mark.parametrize(
    "value", ["<b>Lernimpuls</b> e.V.", "Lernimpuls <script>alert(1)</script>", "A &amp; B"]
)
def test_markup_in_a_field(issue: IssueDir, settings: Settings, value: str) -> None:
    issue.add("verein", update={"organisation": value})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FIELD_MARKUP", "verein", "submission.md")
    assert f.params["key"] == "organisation"
    assert _only(findings, "verein") == ["FIELD_MARKUP"]


def test_ampersand_and_quotes_are_plain_text(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"organisation": "Eltern & Kinder „Brücke“ e.V. <3"})
    assert run_rules(issue.folder, settings) == []


def test_wrong_field_types(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"goal": ["eins", "zwei"], "contact": "info@example.org"})
    findings = run_rules(issue.folder, settings)
    keys = sorted(f.params["key"] for f in findings if f.code == "FIELD_TYPE")
    assert keys == ["contact", "goal"]
    for f in findings:
        if f.code == "FIELD_TYPE":
            assert f.params["key"] in f.message("de")


def test_too_long_field(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"organisation": "V" * 121})
    f = the(run_rules(issue.folder, settings), "FIELD_TOO_LONG", "verein", "submission.md")
    assert "121" in f.message("de") and "120" in f.message("de")


def test_language_must_be_a_code(issue: IssueDir, settings: Settings) -> None:
    issue.add("deutsch", update={"language": "Deutsch"})
    issue.add("tuerkisch", update={"language": "tr"})
    findings = run_rules(issue.folder, settings)
    the(findings, "LANGUAGE_INVALID", "deutsch", "submission.md")
    assert codes(findings, "tuerkisch") == []


# --------------------------------------------------------------------------- text
@pytest.mark.parametrize("body", ["", "\n\n   \n"])
def test_empty_text(issue: IssueDir, settings: Settings, body: str) -> None:
    issue.add("verein", body=body)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "TEXT_EMPTY", "verein", "submission.md")
    assert f.severity == "error"
    assert "text.docx" in f.message("de")


def test_text_over_the_limit_shows_the_count(issue: IssueDir, settings: Settings) -> None:
    body = "x" * 1000 + " **fett** " + "y" * 495  # 1000 + 1 + 4 + 1 + 495 visible
    issue.add("lang", body=body)
    issue.add("genau", body="x" * 1000 + " **fett** " + "y" * 494)  # exactly 1,500
    findings = run_rules(issue.folder, settings)
    f = the(findings, "TEXT_TOO_LONG", "lang", "submission.md")
    assert f.params["count"] == 1501
    assert "1.501" in f.message("de") and "1.500" in f.message("de")
    assert "um 1 Zeichen" in f.message("de")
    assert "1,501" in f.message("en")
    assert codes(findings, "genau") == []


def test_text_limit_comes_from_the_settings(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="x" * 101)
    f = the(
        run_rules(issue.folder, _with(settings, "rules", max_text_chars=100)),
        "TEXT_TOO_LONG",
        "verein",
    )
    assert f.params == {"count": 101, "limit": 100, "over": 1}


def test_raw_html_in_the_text_is_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="Wir sind <b>viele</b>.\n")
    f = the(run_rules(issue.folder, settings), "TEXT_HTML", "verein", "submission.md")
    assert f.severity == "warning"


# --------------------------------------------------------------------------- photos
def test_more_than_three_photos(issue: IssueDir, settings: Settings) -> None:
    names = [f"foto{i}.jpg" for i in range(1, 5)]
    issue.add(
        "verein",
        update={"photos": [_photo(n) for n in names]},
        files={n: jpeg() for n in names},
        default_files=False,
    )
    (issue.folder / "verein" / "logo.png").write_bytes(png())
    findings = run_rules(issue.folder, settings)
    f = the(findings, "PHOTOS_TOO_MANY", "verein", "submission.md")
    assert f.params == {"count": 4, "limit": 3}
    assert "4 Fotos" in f.message("de") and "höchstens 3" in f.message("de")
    assert _only(findings, "verein") == ["PHOTOS_TOO_MANY"]


def test_photo_listed_twice(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": [_photo(), _photo(caption="Nochmal")]})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "PHOTO_DUPLICATE", "verein", "foto.jpg")
    assert "Foto 2" in f.message("de") and "Foto 1" in f.message("de")
    assert _only(findings, "verein") == ["PHOTO_DUPLICATE"]


@pytest.mark.parametrize(
    ("consent", "code"),
    [
        (None, "CONSENT_MISSING"),
        ("false", "CONSENT_FALSE"),
        ('"ja"', "CONSENT_NOT_BOOL"),
        ("yes", "CONSENT_NOT_BOOL"),
        ("ja", "CONSENT_NOT_BOOL"),
        ('"true"', "CONSENT_NOT_BOOL"),
        ("1", "CONSENT_NOT_BOOL"),
        ("", "CONSENT_MISSING"),
    ],
)
def test_consent_must_be_exactly_true(
    issue: IssueDir, settings: Settings, consent: str | None, code: str
) -> None:
    lines = [
        "organisation: Verein",
        "contact:",
        "  email: info@example.org",
        "logo: logo.png",
        "photos:",
        "  - file: foto.jpg",
        "    alt: Kinder spielen",
    ]
    if consent is not None:
        lines.append(f"    consent: {consent}")
    issue.add("verein", "\n".join(lines))
    findings = run_rules(issue.folder, settings)
    f = the(findings, code, "verein", "submission.md")
    assert f.severity == "warning"  # the photo is left out, the organisation is not
    assert "foto.jpg" in f.message("de") and "weggelassen" in f.message("de")
    assert _only(findings, "verein") == [code]
    photo = read_issue(issue.folder, settings).issue.submission("verein").photos[0]
    assert photo.publishable is False


def test_consent_true_is_publishable(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    photo = read_issue(issue.folder, settings).issue.submission("verein").photos[0]
    assert photo.publishable is True


def test_alt_text_falls_back_to_the_caption_with_a_warning(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("verein", update={"photos": [_photo(alt=None)]})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "ALT_FROM_CAPTION", "verein", "submission.md")
    assert f.severity == "warning"
    assert _only(findings, "verein") == ["ALT_FROM_CAPTION"]
    photo = read_issue(issue.folder, settings).issue.submission("verein").photos[0]
    assert photo.alt_text == "Sommerfest"


def test_no_alt_and_no_caption_is_an_error(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": [_photo(alt=None, caption=None)]})
    f = the(run_rules(issue.folder, settings), "ALT_MISSING", "verein")
    assert f.severity == "error"


def test_photo_entry_without_file(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": [_photo(file=None)]})
    the(run_rules(issue.folder, settings), "PHOTO_FILE_MISSING", "verein", "submission.md")


def test_photos_must_be_a_list(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": "foto.jpg"})
    the(run_rules(issue.folder, settings), "PHOTOS_NOT_LIST", "verein", "submission.md")


# --------------------------------------------------------------------------- images
def _photo_file(issue: IssueDir, settings: Settings, content: bytes, slug: str = "v") -> list[Any]:
    issue.add(slug, files={"foto.jpg": content})
    return run_rules(issue.folder, settings)


@pytest.mark.parametrize(
    ("content", "actual"),
    [
        (b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "PDF"),
        (b"Hallo, das hier ist eigentlich ein Text.\n", "keine Bilddatei"),
        (b"PK\x03\x04\x14\x00\x00\x00word/document.xml", "ZIP/Office"),
        (image_bytes(1200, 900, "GIF"), "GIF"),
        (image_bytes(1200, 900, "BMP"), "BMP"),
    ],
)
def test_photo_format_is_judged_by_content(
    issue: IssueDir, settings: Settings, content: bytes, actual: str
) -> None:
    findings = _photo_file(issue, settings, content)
    f = the(findings, "IMAGE_FORMAT", "v", "foto.jpg")
    assert f.severity == "error"
    de = f.message("de")
    assert f"Das ist {actual}" in de
    assert "JPEG, PNG" in de
    assert _only(findings, "v") == ["IMAGE_FORMAT"]


def test_svg_is_not_accepted_as_a_photo(issue: IssueDir, settings: Settings) -> None:
    f = the(_photo_file(issue, settings, CLEAN_SVG.encode()), "IMAGE_FORMAT", "v", "foto.jpg")
    assert "SVG" in f.message("de")


def test_png_in_a_jpg_file_is_fine(issue: IssueDir, settings: Settings) -> None:
    assert _photo_file(issue, settings, image_bytes(1200, 900, "PNG")) == []


def test_truncated_jpeg(issue: IssueDir, settings: Settings) -> None:
    whole = jpeg(1600, 1200, noise=True)
    assert len(whole) > 100_000
    findings = _photo_file(issue, settings, whole[: len(whole) * 55 // 100])
    f = the(findings, "IMAGE_TRUNCATED", "v", "foto.jpg")
    assert "abgeschnitten" in f.message("de")
    assert _only(findings, "v") == ["IMAGE_TRUNCATED"]


def test_truncated_png(issue: IssueDir, settings: Settings) -> None:
    whole = image_bytes(1200, 900, "PNG", noise=True)
    the(_photo_file(issue, settings, whole[: len(whole) // 2]), "IMAGE_TRUNCATED", "v")


def test_zero_byte_photo_and_logo(issue: IssueDir, settings: Settings) -> None:
    issue.add("v", files={"foto.jpg": b"", "logo.png": b""})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "IMAGE_EMPTY", "v", "foto.jpg")
    assert f.message("de").startswith("Foto foto.jpg")
    g = the(findings, "IMAGE_EMPTY", "v", "logo.png")
    assert g.message("de").startswith("Logo logo.png")


def test_damaged_jpeg_header_is_unreadable_not_a_wrong_format(
    issue: IssueDir, settings: Settings
) -> None:
    findings = _photo_file(issue, settings, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20)
    f = the(findings, "IMAGE_UNREADABLE", "v", "foto.jpg")
    assert "erneut" in f.message("de")
    assert _only(findings, "v") == ["IMAGE_UNREADABLE"]


def test_small_photo_gets_a_warning_with_its_size(issue: IssueDir, settings: Settings) -> None:
    findings = _photo_file(issue, settings, jpeg(640, 480))
    f = the(findings, "PHOTO_EMAIL_SMALL", "v", "foto.jpg")
    assert f.severity == "warning"
    de = f.message("de")
    assert "640×480" in de and "1.200" in de
    assert "640×480" in f.message("en") and "1,200" in f.message("en")


def test_tiny_photo_is_an_error(issue: IssueDir, settings: Settings) -> None:
    findings = _photo_file(issue, settings, jpeg(400, 300))
    f = the(findings, "PHOTO_EMAIL_TOO_SMALL", "v", "foto.jpg")
    assert f.severity == "error"
    assert "400×300" in f.message("de") and "600" in f.message("de")


def test_photo_too_blurry_for_print_with_a_wide_print_slot(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("v")  # 1200 px over 180 mm = 169 ppi: below 200, above 150
    wide = _with(settings, "layout", print_photo_width_mm=180.0)
    f = the(run_rules(issue.folder, wide), "PHOTO_PRINT_LOW", "v", "foto.jpg")
    assert f.params["ppi"] == 169
    narrow = _with(settings, "layout", print_photo_width_mm=250.0)  # 122 ppi
    the(run_rules(issue.folder, narrow), "PHOTO_PRINT_TOO_LOW", "v", "foto.jpg")


def test_small_logo_gets_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("v", files={"logo.png": png(120, 60)})
    f = the(run_rules(issue.folder, settings), "LOGO_SMALL", "v", "logo.png")
    assert "120×60" in f.message("de")


def test_too_many_bytes(issue: IssueDir, settings: Settings) -> None:
    issue.add("v")
    size = (issue.folder / "v" / "foto.jpg").stat().st_size
    at_limit = _with(settings, "rules", max_image_bytes=max(size, len(png())))
    assert run_rules(issue.folder, at_limit) == []
    below = _with(settings, "rules", max_image_bytes=size - 1)
    f = the(run_rules(issue.folder, below), "IMAGE_TOO_MANY_BYTES", "v", "foto.jpg")
    assert f.params["size_bytes"] == size


def test_decompression_bomb_is_refused_by_its_header(issue: IssueDir, settings: Settings) -> None:
    bomb = png_bomb()
    assert len(bomb) < 100_000
    start = time.perf_counter()
    findings = _photo_file(issue, settings, bomb)
    assert time.perf_counter() - start < 1.0  # the header is read, not 400 MP of pixels
    f = the(findings, "IMAGE_TOO_MANY_PIXELS", "v", "foto.jpg")
    assert "20.000×20.000" in f.message("de") and "250" in f.message("de")
    assert _only(findings, "v") == ["IMAGE_TOO_MANY_PIXELS"]


def test_pixel_limit_from_the_settings(issue: IssueDir, settings: Settings) -> None:
    issue.add("v")  # a 1200 x 900 photo: 1,080,000 pixels
    at_limit = _with(settings, "rules", max_image_pixels=1_080_000)
    assert run_rules(issue.folder, at_limit) == []
    below = _with(settings, "rules", max_image_pixels=1_079_999)
    f = the(run_rules(issue.folder, below), "IMAGE_TOO_MANY_PIXELS", "v", "foto.jpg")
    assert (f.params["width"], f.params["height"]) == (1200, 900)


def test_exif_orientation_swaps_width_and_height(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "hoch.jpg"
    path.write_bytes(jpeg(1600, 1200, orientation=6))
    info = probe(path)
    assert (info.format, info.width, info.height) == ("JPEG", 1200, 1600)
    # with a 700 px email column (1400 px needed) only the upright width counts
    column = _with(settings, "layout", email_photo_width=700)
    issue.add("hoch", files={"foto.jpg": jpeg(1600, 1200, orientation=6)})
    issue.add("quer", files={"foto.jpg": jpeg(1600, 1200, orientation=1)})
    findings = run_rules(issue.folder, column)
    f = the(findings, "PHOTO_EMAIL_SMALL", "hoch", "foto.jpg")
    assert (f.params["width"], f.params["height"]) == (1200, 1600)
    assert "1.200×1.600" in f.message("de")
    assert codes(findings, "quer") == []


def test_heic_is_read_though_pillow_heif_is_loaded_only_for_it(tmp_path: Path) -> None:
    """probe.py imports pillow_heif at the first ISO media file; in a fresh interpreter, after
    every Pillow plugin is registered (AVIF too), a HEIC photo is still HEIF with its size;
    with the major brand mif1, which Pillow's AVIF plugin claims first, too."""
    import pillow_heif
    from PIL import Image

    pillow_heif.from_pillow(Image.new("RGB", (640, 480), "green")).save(tmp_path / "f.heic")
    mif1 = bytearray((tmp_path / "f.heic").read_bytes())
    mif1[8:12] = b"mif1"
    (tmp_path / "m.heic").write_bytes(mif1)
    (tmp_path / "f.webp").write_bytes(image_bytes(320, 240, "WEBP"))
    code = (
        "import sys\nfrom pathlib import Path\nfrom PIL import Image\n"
        "from newsletter.intake.probe import probe\n"
        "print(probe(Path('f.webp')).format, 'pillow_heif' in sys.modules)\n"
        "Image.init()\n"
        "for name in ('f.heic', 'm.heic'):\n"
        "    info = probe(Path(name))\n"
        "    print(info.format, info.width, info.height)\n"
    )
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.stdout.split("\n")[:3] == ["WEBP False", *["HEIF 640 480"] * 2], run.stderr[-2000:]


# --------------------------------------------------------------------------- SVG logos
SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize(
    ("svg", "code"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            f'{SVG_HEAD} width="100" height="40"><text>&xxe;</text></svg>',
            "SVG_UNSAFE",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]>\n'
            f'{SVG_HEAD} width="100" height="40"><text>&b;</text></svg>',
            "SVG_UNSAFE",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            f'{SVG_HEAD} width="100" height="40"><rect width="100" height="40"/></svg>',
            "SVG_UNSAFE",
        ),
        (f'{SVG_HEAD} width="100" height="40"><script>alert(1)</script></svg>', "SVG_UNSAFE"),
        (f'{SVG_HEAD} width="100" height="40" onload="alert(1)"><rect/></svg>', "SVG_UNSAFE"),
        (
            f'{SVG_HEAD} width="100" height="40"><a href="javascript:alert(1)"><rect/></a></svg>',
            "SVG_UNSAFE",
        ),
        (
            f'{SVG_HEAD} width="100" height="40"><foreignObject><p>x</p></foreignObject></svg>',
            "SVG_UNSAFE",
        ),
        (
            f'{SVG_HEAD} width="100" height="40">'
            '<image href="https://tracker.example.org/pixel.png" width="10" height="10"/></svg>',
            "SVG_EXTERNAL",
        ),
        (
            f'{SVG_HEAD} width="100" height="40">'
            '<image xlink:href="logo-gross.png" width="10" height="10"/></svg>',
            "SVG_EXTERNAL",
        ),
        (
            f'{SVG_HEAD} width="100" height="40">'
            "<style>@import url(https://fonts.example.org/a.css);</style></svg>",
            "SVG_EXTERNAL",
        ),
        (f'{SVG_HEAD} width="100" height="40"><rect></svg>', "SVG_INVALID"),
    ],
)
def test_unsafe_or_external_svg_logo(
    issue: IssueDir, settings: Settings, svg: str, code: str
) -> None:
    issue.add("v", update={"logo": "logo.svg"}, files={"logo.svg": svg}, default_files=False)
    (issue.folder / "v" / "foto.jpg").write_bytes(jpeg())
    findings = run_rules(issue.folder, settings)
    f = the(findings, code, "v", "logo.svg")
    assert f.severity == ("warning" if code == "SVG_EXTERNAL" else "error")
    assert "logo.svg" in f.message("de")
    assert _only(findings, "v") == [code]


def test_clean_svg_logo_passes(issue: IssueDir, settings: Settings) -> None:
    svg = CLEAN_SVG.replace('fill="#2266aa"', 'fill="url(#g)"').replace(
        "</svg>", '<linearGradient id="g"/><use href="#g"/></svg>'
    )
    issue.add("v", update={"logo": "logo.svg"}, files={"logo.svg": svg}, default_files=False)
    (issue.folder / "v" / "foto.jpg").write_bytes(jpeg())
    assert run_rules(issue.folder, settings) == []


# --------------------------------------------------------------------------- the deadline
def _late_issue(issue: IssueDir, deadline: str) -> None:
    issue.deadline = deadline
    issue.write_toml()


@pytest.mark.parametrize(
    ("deadline", "received", "late"),
    [
        ("2024-06-05T23:59:00", "2024-06-05T23:59:01", True),
        ("2024-06-05T23:59:00", "2024-06-05T23:59:00", False),
        ("2024-06-05T23:59:00", "2024-06-05T21:59:01Z", True),  # 23:59:01 in Berlin (CEST)
        ("2024-06-05T23:59:00", "2024-06-05T21:59:00Z", False),
        ("2024-12-05T23:59:00", "2024-12-05T22:59:01Z", True),  # 23:59:01 in Berlin (CET)
        ("2024-12-05T23:59:00", "2024-12-05T22:59:00Z", False),
    ],
)
def test_late_by_the_received_table(
    issue: IssueDir, settings: Settings, deadline: str, received: str, late: bool
) -> None:
    issue.add("v", received=received)
    _late_issue(issue, deadline)
    findings = run_rules(issue.folder, settings)
    if late:
        f = the(findings, "LATE", "v", None)
        assert f.severity == "error"
        day = deadline[8:10] + "." + deadline[5:7] + ".2024"
        assert f"{day} 23:59:01" in f.message("de")
        assert f"{day} 23:59:00" in f.message("de")
    else:
        assert findings == []


def _set_mtime(folder: Path, when: dt.datetime) -> None:
    for p in folder.iterdir():
        os.utime(p, (when.timestamp(), when.timestamp()))


@pytest.mark.parametrize(
    ("deadline", "mtime_utc", "late"),
    [
        ("2024-06-05T23:59:00", dt.datetime(2024, 6, 5, 21, 59, 1, tzinfo=UTC), True),
        ("2024-06-05T23:59:00", dt.datetime(2024, 6, 5, 21, 59, 0, tzinfo=UTC), False),
        ("2024-12-05T23:59:00", dt.datetime(2024, 12, 5, 22, 59, 1, tzinfo=UTC), True),
        ("2024-12-05T23:59:00", dt.datetime(2024, 12, 5, 22, 59, 0, tzinfo=UTC), False),
        # 22:59:01 UTC is late in winter but an hour early in summer
        ("2024-06-05T23:59:00", dt.datetime(2024, 6, 5, 20, 59, 1, tzinfo=UTC), False),
    ],
)
def test_late_by_file_times_when_not_in_the_received_table(
    issue: IssueDir, settings: Settings, deadline: str, mtime_utc: dt.datetime, late: bool
) -> None:
    folder = issue.add("v", received=None)
    _late_issue(issue, deadline)
    _set_mtime(folder, mtime_utc)
    findings = run_rules(issue.folder, settings)
    assert codes(findings) == (["LATE"] if late else [])
    if late:
        f = the(findings, "LATE", "v", None)
        assert "23:59:01" in f.message("de")


def test_newest_file_decides(issue: IssueDir, settings: Settings) -> None:
    folder = issue.add("v", received=None)
    _late_issue(issue, "2024-06-05T23:59:00")
    _set_mtime(folder, dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    late = dt.datetime(2024, 6, 6, 8, 0, tzinfo=UTC).timestamp()
    os.utime(folder / "foto.jpg", (late, late))
    the(run_rules(issue.folder, settings), "LATE", "v", None)


def test_accepted_late_submission_is_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("v", received="2026-11-28T09:00:00")
    issue.add("w", received="2026-11-28T09:00:00")
    issue.accepted_late = ["v"]
    issue.write_toml()
    findings = run_rules(issue.folder, settings)
    f = the(findings, "LATE_ACCEPTED", "v", None)
    assert f.severity == "warning"
    assert "28.11.2026 09:00:00" in f.message("de")
    assert the(findings, "LATE", "w", None).severity == "error"


def test_no_deadline_means_nothing_is_late(issue: IssueDir, settings: Settings) -> None:
    issue.add("v", received="2099-01-01T00:00:00")
    issue.deadline = None
    issue.write_toml()
    assert run_rules(issue.folder, settings) == []


def test_logo_is_judged_for_its_shape_in_the_box(issue: IssueDir, settings: Settings) -> None:
    issue.add("banner", files={"logo.png": png(2400, 300)})  # 640 x 80 needed: plenty
    issue.add("schmal", files={"logo.png": png(480, 60)})  # 640 px wide needed at 2x
    issue.add("quadrat", files={"logo.png": png(200, 200)})  # 160 x 160 needed: enough
    findings = run_rules(issue.folder, settings)
    assert codes(findings, "banner") == [] and codes(findings, "quadrat") == []
    f = the(findings, "LOGO_SMALL", "schmal", "logo.png")
    assert f.params["needed"] == 827  # 70 mm at 300 ppi for the print box
