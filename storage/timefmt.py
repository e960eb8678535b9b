"""Timestamps are stored as ISO-8601 UTC text with microseconds (sortable as strings)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; use an aware UTC time")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> datetime:
    # fromisoformat is ten times faster than strptime (the PnL tick and the statistics read
    # thousands of rows); the "Z" check keeps it as strict about the zone as the format is.
    if not text.endswith("Z") or "T" not in text:
        raise ValueError(f"not a stored UTC timestamp: {text!r}")
    return datetime.fromisoformat(text)
