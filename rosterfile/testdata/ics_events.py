"""Print the events of an iCalendar file as JSON, read by the python3-icalendar
package: a parser written independently of the program that made the file.

Usage: python3 ics_events.py FILE.ics
"""

import json
import sys
from datetime import datetime, timezone

import icalendar


def utc(value):
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise SystemExit("not a date-time with a zone: %r" % (value,))
    return value.astimezone(timezone.utc).isoformat()


def attendees(event):
    found = event.get("ATTENDEE")
    if found is None:
        return []
    if not isinstance(found, list):
        found = [found]
    return [{"cn": str(a.params.get("CN", "")), "address": str(a)} for a in found]


def main():
    with open(sys.argv[1], "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    errors = list(cal.errors)
    events = []
    for event in cal.walk("VEVENT"):
        errors.extend(event.errors)
        events.append({
            "uid": str(event.get("UID")),
            "dtstart": utc(event.decoded("DTSTART")),
            "dtend": utc(event.decoded("DTEND")),
            "summary": str(event.get("SUMMARY")),
            "description": str(event.get("DESCRIPTION")),
            "attendees": attendees(event),
        })
    json.dump({
        "calname": str(cal.get("X-WR-CALNAME", "")),
        "errors": [str(e) for e in errors],
        "events": events,
    }, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
