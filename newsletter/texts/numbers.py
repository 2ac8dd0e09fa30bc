"""Numbers as readers write them: the one byte-size formatter.

German decimal comma and "." between thousands; at most one decimal, and none where it is
",0": "2 KB", "80,4 KB", "1,2 MB" (as German sites label a download, never "2,0 KB"), while a
file of 102,4 KB still reads differently from a limit of 102 KB. Units of 1000 (KB, MB, GB), as
file managers and mail providers show them.
"""

from __future__ import annotations

from newsletter.texts.i18n import Nn_, ngettext_in

_UNITS = ("KB", "MB", "GB")
# below a kilobyte: "200 Byte" in German, "200 bytes" in English (the `messages` domain)
_BYTES = Nn_("{n} Byte", "{n} Byte")


def human_bytes(n: int, lang: str = "de") -> str:
    """2048 -> "2 KB"; 1234567 -> "1,2 MB" (German) or "1.2 MB" (English); 200 -> "200 Byte"."""
    if abs(n) < 1000:
        return ngettext_in(*_BYTES, abs(n), lang, "messages").format(n=n)
    value = n / 1000
    for unit in _UNITS:
        rounded = round(value, 1)
        if abs(rounded) < 1000 or unit == _UNITS[-1]:
            text = f"{rounded:,.1f}".removesuffix(".0")
            if lang != "en":
                text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
            return f"{text} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
