"""The site's feeds: an Atom feed of the published issues, and `termine.ics`, one subscribable
calendar with every upcoming date of every published issue (icalendar, Europe/Berlin with its
VTIMEZONE).

A date's UID is the one its single-event file in the issue has (date, time and title), so a
date announced in two issues is one event, and a republished issue updates the calendar apps'
copy instead of adding a second one. DTSTAMP is the issue's date: the same sources give the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from newsletter.core.config import Settings

ATOM = "http://www.w3.org/2005/Atom"
PRODID = "-//Integrationsnetzwerk//newsletter//DE"
DEFAULT_DURATION = dt.timedelta(hours=2)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _base(settings: Settings) -> str:
    return settings.publisher.base_url.rstrip("/") + "/"


def _moment(date: str | None, tz: ZoneInfo) -> dt.datetime:
    day = dt.date.fromisoformat(date) if date else dt.date(1970, 1, 1)
    return dt.datetime.combine(day, dt.time(8, 0), tz)


def atom(metas: list[dict[str, Any]], settings: Settings) -> bytes:
    """The Atom feed (RFC 4287): one entry per published issue, newest first."""
    ET.register_namespace("", ATOM)
    tz = ZoneInfo(settings.timezone)
    base = _base(settings)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "de"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", base + "feed.xml")
    sub(feed, "title", settings.sender.from_name)
    sub(feed, "subtitle", "Alle Ausgaben des Newsletters")
    sub(feed, "link", rel="self", href=base + "feed.xml", type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=base, type="text/html")
    updated = max((_moment(m.get("date"), tz) for m in metas), default=_moment(None, tz))
    sub(feed, "updated", updated.isoformat())
    author = sub(feed, "author")
    sub(author, "name", settings.publisher.name)
    sub(author, "email", settings.publisher.email)
    for m in metas:
        entry = sub(feed, "entry")
        web = f"{base}{m['issue']}/web/index.html"
        sub(entry, "id", f"{base}{m['issue']}/")
        sub(entry, "title", m.get("heading") or m["issue"])
        sub(entry, "updated", _moment(m.get("date"), tz).isoformat())
        sub(entry, "published", _moment(m.get("date"), tz).isoformat())
        sub(entry, "link", rel="alternate", href=web, type="text/html")
        sub(
            entry,
            "link",
            rel="enclosure",
            href=f"{base}{m['issue']}/newsletter.pdf",
            type="application/pdf",
        )
        names = ", ".join(o["name"] for o in m.get("organisations") or [])
        summary = (m.get("date_label") or "") + (
            f" – Es stellen sich vor: {names}" if names else ""
        )
        sub(entry, "summary", summary.strip(" –"))
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def uid(event: dict[str, Any]) -> str:
    """The same UID as the event's own .ics file in the issue (ics.py)."""
    key = f"{event['date']}|{event.get('time')}|{event['title']}"
    return hashlib.sha256(key.encode()).hexdigest()[:24] + "@newsletter"


def _time(value: str | None) -> dt.time | None:
    m = _TIME.match(value or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def calendar(metas: list[dict[str, Any]], settings: Settings, today: dt.date) -> bytes:
    """termine.ics: every event on or after `today` of every published issue, once each."""
    tz = ZoneInfo(settings.timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Termine – {settings.sender.from_name}")
    cal.add("x-wr-timezone", settings.timezone)
    seen: set[str] = set()
    host = urlsplit(settings.publisher.base_url).hostname or ""
    events = []
    for m in metas:  # newest first: a date in two issues comes from the newer one
        stamp = _moment(m.get("date"), tz).astimezone(dt.UTC)
        for e in m.get("events") or []:
            day = dt.date.fromisoformat(e["date"])
            key = uid(e)
            if day < today or key in seen:
                continue
            seen.add(key)
            ev = icalendar.Event()
            ev.add("uid", key)
            ev.add("dtstamp", stamp)
            start = _time(e.get("time"))
            if start is None:
                ev.add("dtstart", day)
                ev.add("dtend", day + dt.timedelta(days=1))
            else:
                begin = dt.datetime.combine(day, start, tz)
                end_t = _time(e.get("end_time"))
                end = dt.datetime.combine(day, end_t, tz) if end_t else begin + DEFAULT_DURATION
                ev.add("dtstart", begin)
                ev.add("dtend", end if end > begin else begin + DEFAULT_DURATION)
            ev.add("summary", e["title"])
            if e.get("location"):
                ev.add("location", e["location"])
            if e.get("description"):
                ev.add("description", e["description"])
            url = e.get("url") or f"{_base(settings)}{m['issue']}/web/index.html#termine"
            ev.add("url", url)
            if host:
                ev.add("organizer", f"mailto:{settings.publisher.email}")
            events.append((day, e.get("time") or "", ev))
    for _d, _t, ev in sorted(events, key=lambda x: (x[0], x[1])):
        cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
