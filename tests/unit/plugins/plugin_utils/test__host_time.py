"""The host's clock: CIM_DATETIME parsing, time zones and offsets, day rollover, malformed values, boot comparison."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import (
    HostTime,
    HostTimeError,
    after_delay,
    parse_cim_datetime,
    restarted,
    seconds_between,
    window_start,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC


def at(text: str) -> HostTime:
    parsed = parse_cim_datetime(text)
    assert parsed is not None, text
    return parsed


@pytest.mark.parametrize(
    ("text", "local", "offset"),
    [
        ("20121120093000.500000+060", dt.datetime(2012, 11, 20, 9, 30, 0, 500000), 60),
        ("20260307233000.000000-300", dt.datetime(2026, 3, 7, 23, 30), -300),
        ("20260307233000.000000+330", dt.datetime(2026, 3, 7, 23, 30), 330),  # India: half-hour offset
        ("20260307233000.000000+345", dt.datetime(2026, 3, 7, 23, 30), 345),  # Nepal
        ("20260101000000.000000+840", dt.datetime(2026, 1, 1), 840),  # Kiribati, the largest offset
        ("20260101000000.000000-720", dt.datetime(2026, 1, 1), -720),
        ("  20260101000000.000000+000  ", dt.datetime(2026, 1, 1), 0),  # wmic pads values
    ],
)
def test_cim_datetimes_as_wmic_prints_them(text: str, local: dt.datetime, offset: int) -> None:
    parsed = at(text)
    assert (parsed.local, parsed.offset_minutes) == (local, offset)
    assert parsed.to_cim() == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "20121120093000.500000",  # no offset
        "20121120093000+060",  # no microseconds
        "2012112009300.500000+060",  # 13 digits
        "20121120093000.500000+60",  # offset in two digits
        "20121120093000.500000 060",  # no sign
        "20121320093000.500000+060",  # month 13
        "20120230093000.500000+060",  # 30 February
        "20121120246000.500000+060",  # 24:60
        "20121120093000.500000+900",  # no time zone is 15 hours ahead
        "20121120093000.500000-780",
        "2012****093000.500000+060",  # CIM's wildcard fields: not a moment
        "Yesterday",
    ],
)
def test_malformed_local_date_times_are_unknown(text: str | None) -> None:
    assert parse_cim_datetime(text) is None


def test_the_same_moment_in_two_time_zones_is_the_same_utc() -> None:
    new_york = at("20260307183000.000000-300")
    kolkata = at("20260308050000.000000+330")  # the next day there
    assert new_york.utc == kolkata.utc == dt.datetime(2026, 3, 7, 23, 30, tzinfo=UTC)
    assert seconds_between(new_york, kolkata) == 0


def test_elapsed_time_is_right_across_a_change_of_offset() -> None:
    # Central Europe on the night summer time starts: 01:59:00 at +060, then 03:01:00 at +120 is two minutes later.
    before, after = at("20260329015900.000000+060"), at("20260329030100.000000+120")
    assert seconds_between(before, after) == 120


def test_a_delay_lands_on_the_host_wall_clock_and_rolls_over_the_day_and_year() -> None:
    now = at("20261231233000.250000+300")
    assert after_delay(now, 3600) == dt.datetime(2027, 1, 1, 0, 30)
    assert after_delay(now, 0) == dt.datetime(2026, 12, 31, 23, 30)


def test_a_window_at_hh_mm_is_the_next_occurrence_on_the_host() -> None:
    now = at("20260307230000.000000+300")
    assert window_start("23:30", now) == dt.datetime(2026, 3, 7, 23, 30)
    assert window_start("02:15", now) == dt.datetime(2026, 3, 8, 2, 15)  # passed today: tomorrow
    assert window_start("23:00", now) == dt.datetime(2026, 3, 8, 23, 0)  # now is not in the future
    assert window_start("0:05", at("20261231235900.000000+000")) == dt.datetime(2027, 1, 1, 0, 5)


def test_a_window_date_is_host_local_and_one_with_an_offset_is_converted_to_the_host_s() -> None:
    now = at("20260307120000.000000+300")  # UTC+05:00
    assert window_start("2026-03-08T01:30", now) == dt.datetime(2026, 3, 8, 1, 30)
    assert window_start("2026-03-08T01:30:45", now) == dt.datetime(2026, 3, 8, 1, 30, 45)
    assert window_start("2026-03-07T20:00Z", now) == dt.datetime(2026, 3, 8, 1, 0)
    assert window_start("2026-03-07T21:00+01:00", now) == dt.datetime(2026, 3, 8, 1, 0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("25:00", "not HH:MM or an ISO 8601"),
        ("tonight", "not HH:MM or an ISO 8601"),
        ("2026-03-08", "no time"),
        ("2026-03-07T11:59", "not in the future on the host, whose local time is 2026-03-07 12:00:00 (UTC+05:00)"),
        ("2026-03-07T07:00Z", "not in the future"),  # 12:00 on the host
    ],
)
def test_windows_that_cannot_be_sent_are_refused_with_the_host_s_time(text: str, says: str) -> None:
    with pytest.raises(HostTimeError) as raised:
        window_start(text, at("20260307120000.000000+300"))
    assert says in str(raised.value)


def test_a_restart_is_seen_only_from_two_known_boot_times() -> None:
    before = at("20260301080000.500000+060")
    assert restarted(before, at("20260307120512.500000+060")) is True
    assert restarted(before, before) is False
    assert restarted(before, at("20260301080001.375000+060")) is False  # the same boot, read a tick apart
    assert restarted(before, None) is None  # no boot time: cannot tell
    assert restarted(None, at("20260307120512.500000+060")) is None  # nothing to compare with: cannot tell
    # The same boot read after the host moved to summer time is not a restart.
    assert restarted(before, at("20260301090000.500000+120")) is False


@given(
    st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    st.integers(min_value=-720, max_value=840),
)
def test_every_cim_value_reads_back_as_written(local: dt.datetime, offset: int) -> None:
    value = HostTime(local, offset)
    assert parse_cim_datetime(value.to_cim()) == value


@given(st.text(max_size=40))
def test_any_text_parses_or_is_unknown(text: str) -> None:
    parsed = parse_cim_datetime(text)
    assert parsed is None or isinstance(parsed.local, dt.datetime)
