"""The Python 3.9 stand-ins print and compare like Python 3.11's: every enum of the core whose members are text gives
its value through str(), format() and f-strings (reasons, reports and results are built that way), on every Python
that `make compat` runs (3.9 for ansible-core 2.15)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Status
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC, StrEnum
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import Mode
from ansible_collections.winfix.volsnap.plugins.plugin_utils._servicing import Result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import Branch, Meaning

TEXT_ENUMS = [Status, Algorithm, Mode, Result, Branch, Meaning]


@pytest.mark.parametrize("enum_class", TEXT_ENUMS, ids=lambda e: e.__name__)
def test_members_read_as_their_value_everywhere(enum_class: type[StrEnum]) -> None:
    assert issubclass(enum_class, StrEnum)
    for member in enum_class:
        value = member.value
        assert str(member) == value
        assert f"{member}" == value and format(member) == value
        assert f"[{member:>24}]" == f"[{value:>24}]"
        assert "%s" % member == value  # noqa: UP031 (the %-form is what Display and some callers use)
        assert member == value and isinstance(member, str)
        assert json.dumps({"status": member}) == json.dumps({"status": value})
        assert enum_class(value) is member


def test_utc_is_the_utc_time_zone() -> None:
    moment = dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M %z") == "2026-03-07 18:30 +0000"
    assert UTC.utcoffset(None) == dt.timedelta(0)
