"""Calendar files (RFC 5545) for the dates ("Termine"): one per date and one for all.

Times are written in UTC (converted from the configured time zone), so no VTIMEZONE block is
needed and every calendar shows the right local time. A date without a time is an all-day
event. UIDs and DTSTAMP derive from the content, so the same issue gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from newsletter.content import EventView

PRODID = "-//Integrationsnetzwerk//newsletter//DE"
DEFAULT_DURATION = dt.timedelta(hours=2)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for ch in line:
        b = ch.encode()
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += b
    out.append(current.decode())
    return "\r\n ".join(out)


def _parse_time(value: str | None) -> dt.time | None:
    m = _TIME.match(value or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def _utc(day: dt.date, time: dt.time, tz: ZoneInfo) -> str:
    return dt.datetime.combine(day, time, tz).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(event: EventView, tz: ZoneInfo, stamp: dt.date) -> list[str]:
    """The lines of one VEVENT."""
    uid = hashlib.sha256(f"{event.date}|{event.time}|{event.title}".encode()).hexdigest()[:24]
    lines = ["BEGIN:VEVENT", f"UID:{uid}@newsletter", f"DTSTAMP:{stamp:%Y%m%d}T000000Z"]
    start = _parse_time(event.time)
    if start is None:
        lines += [
            f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.date + dt.timedelta(days=1):%Y%m%d}",
        ]
    else:
        begin = dt.datetime.combine(event.date, start)
        lines += [
            f"DTSTART:{_utc(event.date, start, tz)}",
            f"DTEND:{_utc(event.date, (begin + DEFAULT_DURATION).time(), tz)}"
            if (begin + DEFAULT_DURATION).date() == event.date
            else f"DTEND:{_utc(event.date, dt.time(23, 59), tz)}",
        ]
    lines.append(f"SUMMARY:{_escape(event.title)}")
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[EventView], tz: ZoneInfo, stamp: dt.date, name: str) -> bytes:
    """A VCALENDAR with the given events, CRLF line ends, folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for e in events:
        lines += vevent(e, tz, stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
