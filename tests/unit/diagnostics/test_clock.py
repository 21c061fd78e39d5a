"""Clock skew from a remote's Date header: measured against the round trip's midpoint, warned early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from applinks.diagnostics.clock import OAUTH_WINDOW_SECONDS, WARN_SKEW_SECONDS, Skew, measure_skew, parse_http_date

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def header(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_parse_http_date() -> None:
    assert parse_http_date("Sun, 01 Mar 2026 12:00:00 GMT") == T0
    assert parse_http_date(None) is None
    assert parse_http_date("yesterday-ish") is None


@given(st.integers(min_value=-3600, max_value=3600))
def test_skew_is_measured_to_the_second(offset: int) -> None:
    sent, received = T0, T0 + timedelta(milliseconds=400)
    skew = measure_skew(header(T0 + timedelta(milliseconds=200) + timedelta(seconds=offset)), sent, received)
    assert skew is not None
    assert abs(skew.seconds - offset) <= 1.0


def test_no_date_header_means_no_measurement() -> None:
    assert measure_skew(None, T0, T0) is None


@pytest.mark.parametrize(
    ("seconds", "warn", "outside"),
    [(0, False, False), (WARN_SKEW_SECONDS - 1, False, False), (180, True, False), (-360, True, True)],
)
def test_thresholds(seconds: float, warn: bool, outside: bool) -> None:
    skew = Skew(seconds)
    assert skew.worth_warning is warn
    assert skew.outside_window is outside
    assert OAUTH_WINDOW_SECONDS == 300


def test_description_names_direction_and_amount() -> None:
    assert "3 min 0 s ahead of ours" in Skew(180).describe()
    assert "6 min 0 s behind ours" in Skew(-360).describe()
