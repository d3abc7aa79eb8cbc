# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`volsnap_catalog_overrides`: user rules that add or replace a family's version ranges, validated.

    volsnap_catalog_overrides:
      vista_2008:                     # a family: 2003 | vista_2008 | 7_2008r2
        branches:                     # checked in this order, before the built-in rules of the family
          - line: "6.0.6002"          # the first three numbers of the volsnap.sys version
            from: 20000               # revisions from..to, both included (defaults 0 and 99999)
            to: 99999
            branch: LDR               # the label shown in reports
            fixed: "6.0.6002.22913"   # the first fixed version on that range, or
            # included: true          # every version of the range is fixed, or
            # prerequisite: Service Pack 2   # the range is older than a service pack the update needs

A user rule wins over a built-in rule for the versions it covers; versions it does not cover keep the built-in
rules. Every problem is reported with the path of the entry (volsnap_catalog_overrides.vista_2008.branches[0].fixed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import (
    FAMILIES,
    MAX_REVISION,
    CatalogOverrides,
    Family,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    FileVersion,
    KernelLine,
    Meaning,
    VersionRule,
    line_text,
    parse_file_version,
    parse_kernel_line,
)

CATALOG_OVERRIDES_VAR = "volsnap_catalog_overrides"
_ENTRY_KEYS = ("line", "from", "to", "branch", "fixed", "included", "prerequisite")
_MEANING = {"fixed": Meaning.THRESHOLD, "included": Meaning.INCLUDED, "prerequisite": Meaning.PREREQUISITE}
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/+-]{0,31}$")
_FOUR_PART = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}\.\d{1,5}$")


class CatalogOverrideError(ValueError):
    """An override that cannot be used; the message names every bad entry by its path and says what is wrong."""


def parse_catalog_overrides(raw: object) -> CatalogOverrides:
    """The user's rules per family, or CatalogOverrideError listing every problem. None or {} → no rules."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CatalogOverrideError(f"{CATALOG_OVERRIDES_VAR}: must be a mapping of family to rules, not {_kind(raw)}")
    problems: list[str] = []
    rules: dict[str, tuple[VersionRule, ...]] = {}
    for key, value in raw.items():
        path = f"{CATALOG_OVERRIDES_VAR}.{key}"
        family = FAMILIES.get(str(key))
        if family is None:
            problems.append(f"{path}: unknown family (use {', '.join(FAMILIES)})")
            continue
        rules[family.key] = _family_rules(family, value, path, problems)
    if problems:
        raise CatalogOverrideError("; ".join(problems))
    return rules


def _family_rules(family: Family, value: object, path: str, problems: list[str]) -> tuple[VersionRule, ...]:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: must be a mapping with the key branches, not {_kind(value)}")
        return ()
    for unknown in sorted(str(k) for k in value if k != "branches"):
        problems.append(f"{path}.{unknown}: unknown key (allowed: branches)")
    entries = value.get("branches")
    if not isinstance(entries, list):
        problems.append(f"{path}.branches: must be a list of rules, not {_kind(entries)}")
        return ()
    found: list[VersionRule] = []
    for index, entry in enumerate(entries):
        entry_path = f"{path}.branches[{index}]"
        rule = _rule(family, entry, entry_path, problems)
        if rule is None:
            continue
        clash = next((other for other in found if _overlap(rule, other)), None)
        if clash is not None:
            problems.append(f"{entry_path}: {rule.describe()} overlaps {clash.origin} ({clash.describe()})")
            continue
        found.append(rule)
    return tuple(found)


def _rule(family: Family, entry: object, path: str, problems: list[str]) -> VersionRule | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{path}: must be a mapping (line, from, to, branch, and fixed, included or prerequisite)")
        return None
    before = len(problems)
    for unknown in sorted(str(k) for k in entry if k not in _ENTRY_KEYS):
        problems.append(f"{path}.{unknown}: unknown key (allowed: {', '.join(_ENTRY_KEYS)})")
    line = _line(family, entry.get("line"), f"{path}.line", problems)
    low = _revision(entry.get("from", 0), f"{path}.from", problems)
    high = _revision(entry.get("to", MAX_REVISION), f"{path}.to", problems)
    if low is not None and high is not None and low > high:
        problems.append(f"{path}: from ({low}) is above to ({high})")
    branch = entry.get("branch")
    if not isinstance(branch, str) or not _LABEL.match(branch):
        problems.append(
            f"{path}.branch: {_show(branch)} must be a short label (letters, digits, space . _ / + -), e.g. LDR"
        )
    given = [key for key in _MEANING if key in entry]
    if len(given) != 1:
        problems.append(f"{path}: needs exactly one of fixed, included or prerequisite (found {len(given)})")
    fixed = _version(entry["fixed"], f"{path}.fixed", problems) if "fixed" in entry else None
    if "included" in entry and entry["included"] is not True:
        problems.append(f"{path}.included: must be true (leave it out otherwise), not {_show(entry['included'])}")
    needed = entry.get("prerequisite", "")
    if "prerequisite" in entry and (not isinstance(needed, str) or not _LABEL.match(needed)):
        problems.append(f"{path}.prerequisite: {_show(needed)} must be a short text, e.g. Service Pack 2")
    if len(problems) > before or line is None or low is None or high is None:
        return None
    rule = VersionRule(line, low, high, str(branch), _MEANING[given[0]], prerequisite=str(needed), origin=path)
    if fixed is not None and (fixed.kernel_line != line or not low <= fixed.revision <= high):
        problems.append(f"{path}.fixed: {fixed} is not inside the entry's own range {rule.describe()}")
        return None
    return replace(rule, fixed=fixed)


def _line(family: Family, value: object, path: str, problems: list[str]) -> KernelLine | None:
    parsed = parse_kernel_line(value) if isinstance(value, str) else None
    if parsed is None:
        problems.append(f'{path}: {_show(value)} is not a kernel line such as "6.0.6002" (a quoted string)')
        return None
    if not family.holds(parsed):
        kernel = ".".join(str(part) for part in family.kernel)
        problems.append(f"{path}: {line_text(parsed)} is not a line of family {family.key} ({kernel}.x)")
        return None
    return parsed


def _revision(value: object, path: str, problems: list[str]) -> int | None:
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or not 0 <= number <= MAX_REVISION:
        problems.append(f"{path}: {_show(value)} is not a revision number from 0 to {MAX_REVISION}")
        return None
    return number


def _version(value: object, path: str, problems: list[str]) -> FileVersion | None:
    version = parse_file_version(value) if isinstance(value, str) and _FOUR_PART.match(value.strip()) else None
    if version is None:
        problems.append(f'{path}: {_show(value)} is not a four-part version such as "6.0.6002.22913"')
    return version


def _overlap(one: VersionRule, other: VersionRule) -> bool:
    return one.line == other.line and one.low <= other.high and other.low <= one.high


def _kind(value: object) -> str:
    return "nothing" if value is None else f"a {type(value).__name__}"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
