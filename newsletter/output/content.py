"""Issue -> IssueView: everything the templates show, prepared once for every output.

The email, the plain-text part, the web version and the PDF all render from the same view, so
they cannot disagree about what is in the issue. Pictures arrive already placed in the outbox
(`Placed`: an href relative to the outbox and the rendition's pixel size); this module only
decides how large each is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from newsletter.core.config import Settings
from newsletter.core.filenames import ascii_slug, unique
from newsletter.core.models import Issue, Submission
from newsletter.intake import markup
from newsletter.texts.numbers import human_bytes

Kind = Literal["email", "print"]
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})
MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
# CSS px: a portrait photo at full width would fill a phone's screen twice over, and with
# images blocked the reader would scroll past an empty box that tall
PHOTO_MAX_HEIGHT = 400


@dataclass(frozen=True)
class Placed:
    """A rendition copied into the outbox: where it is (relative href) and its pixel size."""

    href: str
    width: int
    height: int
    bytes: int = 0
    plate: bool = False  # a transparent logo with dark lettering: a light plate in dark mode


@dataclass(frozen=True)
class Picture:
    """A photo or logo as a template shows it."""

    email: Placed | None  # None: no email rendition (e.g. left out by the pipeline)
    print: Placed | None
    width: int  # CSS pixels in the email
    height: int
    alt: str
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Link:
    """A tappable contact link."""

    label: str
    href: str


@dataclass(frozen=True)
class SubmissionView:
    """One organisation's self-presentation, ready to render."""

    slug: str
    anchor: str
    organisation: str
    goal: str | None
    location: str | None
    location_href: str | None
    contacts: tuple[Link, ...]
    contact_name: str | None
    language: str
    dir: Literal["ltr", "rtl"]
    html: str
    text_md: str
    excerpt_html: str | None  # set when the email shows a shortened text
    logo: Picture | None
    photos: tuple[Picture, ...]


@dataclass(frozen=True)
class EventView:
    """A date ("Termin")."""

    date: dt.date
    date_label: str  # "Samstag, 5. Dezember 2026"
    time: str | None
    title: str
    location: str | None
    description: str | None
    url: str | None
    ics: str  # href of its .ics file, relative to the outbox
    end_time: str | None = None  # only when the editor gave one; never invented


@dataclass(frozen=True)
class AttachmentView:
    """An attachment ("Anlage") with its size."""

    title: str
    href: str
    name: str
    size_label: str
    bytes: int


@dataclass(frozen=True)
class ArticleView:
    """An editorial article."""

    anchor: str
    title: str
    html: str
    text_md: str


@dataclass(frozen=True)
class IssueView:
    """The whole issue as the templates see it."""

    slug: str
    title: str
    number: int | None
    date: dt.date | None
    date_label: str
    intro_md: str
    intro_html: str
    sections: tuple[str, ...]
    articles: tuple[ArticleView, ...]
    submissions: tuple[SubmissionView, ...]
    events: tuple[EventView, ...]
    attachments: tuple[AttachmentView, ...]
    base_url: str  # absolute: the issue's published folder (ends with /)
    web_url: str  # absolute: where the web version is published
    pdf_url: str  # absolute
    pdf_href: str  # relative to the outbox
    ics_all_href: str
    publisher: Mapping[str, str]
    shortened: bool = False
    left_out: tuple[str, ...] = field(default=())

    @property
    def heading(self) -> str:
        """ "Newsletter des Integrationsnetzwerks – Ausgabe 38"."""
        return f"{self.title} – Ausgabe {self.number}" if self.number else self.title

    @property
    def preheader(self) -> str:
        """The line inbox lists show after the subject."""
        names = [s.organisation for s in self.submissions][:3]
        more = len(self.submissions) - len(names)
        text = "In dieser Ausgabe: " + ", ".join(names)
        return text + (f" und {more} weitere" if more > 0 else "")


def date_label(d: dt.date, weekday: bool = False) -> str:
    """5. Dezember 2026 (German, as readers expect it), optionally with the weekday."""
    label = f"{d.day}. {MONTHS_DE[d.month - 1]} {d.year}"
    return f"{WEEKDAYS_DE[d.weekday()]}, {label}" if weekday else label


def anchor(prefix: str, name: str) -> str:
    """A stable id for in-page links."""
    return prefix + "-" + re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def phone_href(phone: str) -> str:
    """A tel: link for a number as people type it (German numbers get the country code)."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("0") and not digits.startswith("00"):
        digits = "+49" + digits[1:]  # tap-to-call from abroad or a foreign SIM needs it
    return "tel:" + digits


def display_url(url: str) -> str:
    """An address as a reader reads it: no scheme, no www., no trailing slash."""
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


def _contacts(sub: Submission) -> tuple[Link, ...]:
    c = sub.contact
    out = []
    if c.email:
        out.append(Link(c.email, "mailto:" + c.email))
    if c.phone:
        out.append(Link(c.phone, phone_href(c.phone)))
    if c.website:
        out.append(Link(display_url(c.website), c.website))
    return tuple(out)


def fit(placed: Placed, max_width: int, max_height: int | None = None) -> tuple[int, int]:
    """CSS size of a rendition shown at most `max_width` wide (and `max_height` high)."""
    width = min(max_width, placed.width)
    height = round(width * placed.height / placed.width)
    if max_height and height > max_height:
        height = max_height
        width = round(height * placed.width / placed.height)
    return width, height


PlacedLookup = Mapping[tuple[str, str, Kind], Placed]


def build_view(
    issue: Issue,
    settings: Settings,
    placed: PlacedLookup,
    *,
    include: frozenset[str] | None = None,
    left_out: tuple[str, ...] = (),
) -> IssueView:
    """The view of `issue`: submissions in `include` (default all), pictures from `placed`."""
    lay = settings.layout
    pub = settings.publisher
    base = pub.base_url.rstrip("/") + "/" + issue.slug + "/"
    subs = []
    # readers look for an organisation by name: alphabetical, whatever the folder names
    for sub in sorted(issue.submissions, key=lambda s: (s.organisation or s.slug).casefold()):
        if include is not None and sub.slug not in include:
            continue
        logo_box = (lay.email_logo_width, lay.email_logo_height)
        subs.append(_submission_view(sub, placed, lay.email_photo_width, logo_box))
    articles = []
    for ed in issue.editorials:
        title, body = markup.first_heading(ed.text)
        articles.append(
            ArticleView(
                anchor=anchor("artikel", ed.name),
                title=title or ed.name,
                html=markup.to_html(body, 3),
                text_md=body,
            )
        )
    events = tuple(
        EventView(
            date=e.date,
            date_label=date_label(e.date, weekday=True),
            time=e.time,
            title=e.title,
            location=e.location,
            description=e.description,
            url=e.url,
            ics=f"termine/{i:02d}-{ascii_slug(e.title, 'termin', 40)}.ics",
            end_time=e.end_time,
        )
        for i, e in enumerate(sorted(issue.events, key=lambda e: (e.date, e.time or "")), 1)
    )
    attachments = []
    names: list[str] = []
    for a in issue.attachments:
        if a.file.path is None:
            continue
        size = a.file.path.stat().st_size
        suffix = ascii_slug(a.file.path.suffix, "", 10)
        name = ascii_slug(a.file.path.stem, "anlage") + (f".{suffix}" if suffix else "")
        name = unique(name, names)
        names.append(name)
        attachments.append(
            AttachmentView(
                title=a.title,
                href=f"anlagen/{name}",
                name=name,
                size_label=human_bytes(size),
                bytes=size,
            )
        )
    return IssueView(
        slug=issue.slug,
        title=issue.title,
        number=issue.number,
        date=issue.date,
        date_label=date_label(issue.date) if issue.date else "",
        intro_md=issue.intro.strip(),
        intro_html=markup.to_html(issue.intro, 2),
        sections=issue.sections,
        articles=tuple(articles),
        submissions=tuple(subs),
        events=events,
        attachments=tuple(attachments),
        base_url=base,
        web_url=base + "web/",
        pdf_url=base + "newsletter.pdf",
        pdf_href="newsletter.pdf",
        ics_all_href="termine/alle-termine.ics",
        publisher=pub.model_dump(),
        left_out=left_out,
    )


def _submission_view(
    sub: Submission, placed: PlacedLookup, photo_width: int, logo_box: tuple[int, int]
) -> SubmissionView:
    def picture(
        source: str,
        max_w: int,
        max_h: int | None,
        alt: str,
        caption: str | None = None,
        credit: str | None = None,
    ) -> Picture | None:
        email = placed.get((sub.slug, source, "email"))
        prn = placed.get((sub.slug, source, "print"))
        if email is None and prn is None:
            return None
        w, h = fit(email, max_w, max_h) if email else (0, 0)
        return Picture(
            email=email, print=prn, width=w, height=h, alt=alt, caption=caption, credit=credit
        )

    organisation = sub.organisation or sub.slug
    logo = None
    if sub.logo is not None and sub.logo.path is not None:
        # the box bounds width and height: a square logo is as high as a wide one is long
        logo = picture(sub.logo.name, *logo_box, f"Logo: {organisation}")
    photos = []
    for p in sub.photos:
        if not p.publishable or p.file is None or p.file.path is None:
            continue  # a photo without a release is never published
        pic = picture(p.file.name, photo_width, PHOTO_MAX_HEIGHT, p.alt_text, p.caption, p.credit)
        if pic is not None:
            photos.append(pic)
    location_href = None
    if sub.location:
        from urllib.parse import quote

        location_href = "https://www.openstreetmap.org/search?query=" + quote(sub.location)
    lang = sub.language.split("-")[0].lower()
    return SubmissionView(
        slug=sub.slug,
        anchor=anchor("org", sub.slug),
        organisation=organisation,
        goal=sub.goal,
        location=sub.location,
        location_href=location_href,
        contacts=_contacts(sub),
        contact_name=sub.contact.name,
        language=sub.language,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        html=markup.to_html(sub.text, 4),
        text_md=sub.text,
        excerpt_html=None,
        logo=logo,
        photos=tuple(photos),
    )


def shorten(view: IssueView, chars: int) -> IssueView:
    """The same view with every submission's text cut to about `chars` visible characters."""
    import dataclasses
    import html

    subs = []
    for s in view.submissions:
        text = markup.visible_text(s.text_md)
        if len(text) <= chars:
            subs.append(s)
            continue
        cut = text[:chars].rsplit(" ", 1)[0].rstrip(",.;:–-") + " …"
        paragraph = "<p>" + html.escape(cut.replace("\n", " ")) + "</p>\n"
        subs.append(dataclasses.replace(s, excerpt_html=paragraph))
    return dataclasses.replace(view, submissions=tuple(subs), shortened=True)
