"""The records' dates as RFC 5545 events (``deadlines.ics``)."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One dated entry: a review date, due date or statutory deadline (all-day)."""

    uid: str
    date: dt.date
    summary: str
    description: str

    def as_json(self) -> dict[str, str]:
        """Return the event as ``records.json`` lists it."""
        return {
            "uid": self.uid,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "description": self.description,
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; a day past the month's end becomes its last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out, current = [], b""
    limit = 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            out.append(current.decode("utf-8"))
            current, limit = b"", 74  # continuation lines start with a space
        current += b
    out.append(current.decode("utf-8"))
    return [out[0], *(" " + part for part in out[1:])]


def ics_bytes(events: list[Event], company: str) -> bytes:
    """Write an iCalendar file with one all-day VEVENT per event; deterministic (DTSTAMP is the event's date)."""
    tag = hashlib.sha256(company.encode("utf-8")).hexdigest()[:12]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//policygen//compliance records//EN", "CALSCALE:GREGORIAN"]
    for e in events:
        day = e.date.strftime("%Y%m%d")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}-{tag}@policygen",
            f"DTSTAMP:{day}T000000Z",
            f"DTSTART;VALUE=DATE:{day}",
            f"DTEND;VALUE=DATE:{(e.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(company + ': ' + e.summary)}",
        ]
        if e.description:
            lines.append(f"DESCRIPTION:{_escape(e.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")
