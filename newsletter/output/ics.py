"""Calendar files (RFC 5545) for the dates ("Termine"): one per date and one for all.

Written with the `icalendar` package. Times are local times of the configured zone
(Europe/Berlin) with that zone's VTIMEZONE in the file, so a calendar shows the time the editor
wrote, whatever zone its reader is in, and a move of the daylight-saving date cannot shift it.
An event ends only where the editor said so (`end_time`); without one the file has no end,
rather than an invented one. A date without a time is an all-day event (a date, no time).
UIDs and DTSTAMP derive from the content, so the same issue gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

import icalendar

from newsletter.output.content import EventView

PRODID = "-//Integrationsnetzwerk//newsletter//DE"
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _parse_time(value: str | None) -> dt.time | None:
    m = _TIME.match(value or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def vevent(event: EventView, tz: ZoneInfo, stamp: dt.date) -> icalendar.Event:
    """One VEVENT: local start (and end, if given) in `tz`, or a date for an all-day event."""
    uid = hashlib.sha256(f"{event.date}|{event.time}|{event.title}".encode()).hexdigest()[:24]
    ev = icalendar.Event()
    ev.add("uid", f"{uid}@newsletter")
    ev.add("dtstamp", dt.datetime(stamp.year, stamp.month, stamp.day, tzinfo=dt.UTC))
    start = _parse_time(event.time)
    if start is None:
        ev.add("dtstart", event.date)  # VALUE=DATE: the whole day, no end needed
    else:
        begin = dt.datetime.combine(event.date, start, tz)
        ev.add("dtstart", begin)
        end = _parse_time(event.end_time)
        if end is not None and dt.datetime.combine(event.date, end, tz) > begin:
            ev.add("dtend", dt.datetime.combine(event.date, end, tz))
    ev.add("summary", event.title)
    if event.location:
        ev.add("location", event.location)
    if event.description:
        ev.add("description", event.description)
    if event.url:
        ev.add("url", event.url)
    return ev


def calendar(events: Iterable[EventView], tz: ZoneInfo, stamp: dt.date, name: str) -> bytes:
    """A VCALENDAR with the given events and the VTIMEZONE of `tz` (CRLF, folded lines)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    items: Sequence[EventView] = list(events)
    if any(_parse_time(e.time) is not None for e in items):
        years = [e.date.year for e in items]
        cal.add_component(
            icalendar.Timezone.from_tzinfo(
                tz,
                tzid=tz.key,
                first_date=dt.date(min(years), 1, 1),
                last_date=dt.date(max(years) + 1, 1, 1),
            )
        )
    for e in items:
        cal.add_component(vevent(e, tz, stamp))
    return bytes(cal.to_ical())
