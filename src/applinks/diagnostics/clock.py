"""Clocks: the injectable time source of diagnostics and the skew measured from a remote's ``Date`` header."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

Clock = Callable[[], datetime]

# The OAuth 1.0a timestamp window (protocol.md §5.3) and the point from which we warn about drift.
OAUTH_WINDOW_SECONDS = 300.0
WARN_SKEW_SECONDS = 60.0


def system_clock() -> datetime:
    return datetime.now(UTC)


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 9110 ``Date`` header as an aware datetime; None when absent or malformed."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Skew:
    """How far the remote's clock is ahead of ours (negative: behind), in seconds."""

    seconds: float

    @property
    def magnitude(self) -> float:
        return abs(self.seconds)

    @property
    def outside_window(self) -> bool:
        return self.magnitude > OAUTH_WINDOW_SECONDS

    @property
    def worth_warning(self) -> bool:
        return self.magnitude >= WARN_SKEW_SECONDS

    def describe(self) -> str:
        direction = "ahead of" if self.seconds > 0 else "behind"
        minutes, secs = divmod(round(self.magnitude), 60)
        amount = f"{minutes} min {secs} s" if minutes else f"{secs} s"
        return f"the remote's clock is {amount} {direction} ours (the OAuth window is ±{OAUTH_WINDOW_SECONDS:g} s)"


def measure_skew(date_header: str | None, sent: datetime, received: datetime) -> Skew | None:
    """Skew from a response's ``Date`` header against the middle of our request's round trip.

    ``Date`` has one-second resolution, so anything under a second is noise and reads as zero."""
    remote = parse_http_date(date_header)
    if remote is None:
        return None
    midpoint = sent + (received - sent) / 2
    seconds = (remote - midpoint).total_seconds()
    return Skew(0.0 if abs(seconds) < 1.0 else seconds)
