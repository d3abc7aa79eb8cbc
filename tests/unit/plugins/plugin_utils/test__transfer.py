"""The package source arguments volsnap_update and volsnap_preflight refuse before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import check_source_arguments


def _args(**changes: Any) -> dict[str, Any]:
    return {"source": "controller", "package_path": None, "package_url": None, "package_names": {}, **changes}


@pytest.mark.parametrize(
    "args",
    [
        _args(),
        _args(source="host", package_path=r"D:\packages"),
        _args(source="url", package_url="http://packages.example.internal/kb2748349/"),
        _args(package_names={"7_2008r2/AMD64": "site-w7.msu"}),
    ],
)
def test_arguments_that_reach_cmd_safely_are_accepted(args: dict[str, Any]) -> None:
    check_source_arguments(args)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (_args(source="host"), "source=host needs package_path"),
        (_args(source="url"), "source=url needs package_url"),
        (_args(source="host", package_path=r"D:\pack%TEMP%"), "'%'"),
        (_args(source="host", package_path=r"packages\here"), "not an absolute Windows path"),
        (_args(package_names={"2003/x86": r"..\x.exe"}), "package_names[2003/x86]"),
        (_args(package_names={"2003/x86": "a&b|c.exe\x00"}), "package_names[2003/x86]"),
        (_args(source="url", package_url="http://host/with space"), "package_url cannot be passed"),
        (_args(source="url", package_url="ftp://host/x"), "package_url cannot be passed"),
        (_args(source="url", package_url='http://h/"&calc'), "package_url cannot be passed"),
    ],
)
def test_unsafe_or_missing_arguments_are_refused_saying_what(args: dict[str, Any], said: str) -> None:
    with pytest.raises(UnsafeArgumentError) as refused:
        check_source_arguments(args)
    assert said in str(refused.value)


def test_a_refused_url_is_not_repeated_in_the_message() -> None:
    with pytest.raises(UnsafeArgumentError) as refused:
        check_source_arguments(_args(source="url", package_url="http://user:s3cret@host/x y"))
    assert "s3cret" not in str(refused.value)
