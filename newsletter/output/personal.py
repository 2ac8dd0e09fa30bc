"""The reader's personal places in a built email: the link a published copy shows instead.

A build renders each frame once, with a random marker where a reader's own unsubscribe link
belongs; `place_personal` puts the general link (`general_unsubscribe_link`) there and records
where, so that send.compose can put each reader's personal link at exactly those places.
"""

from __future__ import annotations

from newsletter.core.config import Settings


def general_unsubscribe_link(settings: Settings) -> str:
    """Where the published email.html and web copy send a reader who wants to leave.

    A published copy has no reader, so no personal link: `sender.unsubscribe_page`, or else a
    mail to `sender.unsubscribe_mailto` (the editor's mailbox; see mailbox.py).
    """
    sender = settings.sender
    if sender.unsubscribe_page:
        return sender.unsubscribe_page
    return f"mailto:{sender.unsubscribe_mailto}?subject=Abbestellen"


def place_personal(rendered: str, marker: str, general: str) -> tuple[str, list[int]]:
    """`rendered` with every `marker` replaced by `general`, and where each one now starts.

    The marker is random per build (build.py), so only the template's own places carry it:
    whatever a contributor writes ("%%UNSUBSCRIBE_URL%%" included) stays text. Compose puts a
    reader's personal link at exactly these places and nowhere else.
    """
    pieces = rendered.split(marker)
    spots, out, pos = [], [pieces[0]], len(pieces[0])
    for piece in pieces[1:]:
        spots.append(pos)
        out += [general, piece]
        pos += len(general) + len(piece)
    return "".join(out), spots
