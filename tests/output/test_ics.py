"""The calendar files: local Berlin times with a VTIMEZONE, no invented end, read back with
the `icalendar` package as a calendar program would."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from newsletter.output import ics
from newsletter.output.content import EventView

BERLIN = ZoneInfo("Europe/Berlin")


def _event(day: dt.date, time: str | None, end: str | None = None, title: str = "T") -> EventView:
    return EventView(
        date=day,
        date_label="",
        time=time,
        title=title,
        location="Rathaus, Foyer; 2. Stock",
        description="Kaffee, Tee\nund Gebäck",
        url=None,
        ics="termine/x.ics",
        end_time=end,
    )


def _read(data: bytes) -> icalendar.Calendar:
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    return icalendar.Calendar.from_ical(data)


def test_a_time_without_an_end_gets_no_invented_end() -> None:
    cal = _read(
        ics.calendar([_event(dt.date(2026, 12, 5), "14:00")], BERLIN, dt.date(2026, 12, 4), "N")
    )
    (ev,) = cal.walk("VEVENT")
    assert "DTEND" not in ev and "DURATION" not in ev
    start = ev.decoded("DTSTART")
    assert start == dt.datetime(2026, 12, 5, 14, 0, tzinfo=BERLIN)
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"  # local time, not UTC
    assert start.utcoffset() == dt.timedelta(hours=1)


def test_the_file_carries_the_berlin_vtimezone_with_summer_time() -> None:
    events = [_event(dt.date(2027, 7, 1), "10:00", "12:30"), _event(dt.date(2026, 12, 5), "14:00")]
    cal = _read(ics.calendar(events, BERLIN, dt.date(2026, 12, 4), "N"))
    (tz,) = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Europe/Berlin"
    summer = cal.walk("VEVENT")[0]
    assert summer.decoded("DTEND") == dt.datetime(2027, 7, 1, 12, 30, tzinfo=BERLIN)
    assert summer.decoded("DTSTART").utcoffset() == dt.timedelta(hours=2)


def test_a_date_without_a_time_is_a_whole_day_and_texts_are_escaped() -> None:
    cal = _read(
        ics.calendar([_event(dt.date(2027, 1, 29), None)], BERLIN, dt.date(2026, 12, 4), "N")
    )
    assert cal.walk("VTIMEZONE") == []
    (ev,) = cal.walk("VEVENT")
    assert ev.decoded("DTSTART") == dt.date(2027, 1, 29)
    assert "DTEND" not in ev
    assert str(ev["LOCATION"]) == "Rathaus, Foyer; 2. Stock"
    assert str(ev["DESCRIPTION"]) == "Kaffee, Tee\nund Gebäck"


def test_an_end_before_the_start_is_left_out() -> None:
    cal = _read(
        ics.calendar(
            [_event(dt.date(2026, 12, 5), "18:00", "17:00")], BERLIN, dt.date(2026, 12, 4), "N"
        )
    )
    assert "DTEND" not in cal.walk("VEVENT")[0]
