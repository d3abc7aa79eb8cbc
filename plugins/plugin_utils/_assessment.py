# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostFacts → Assessment: is the host exposed to the KB2748349 corruption, and what does it need?

Decided from version ordering and branch ranges (the catalog), never from an exact list of versions. Data that fits
no rule gives `unknown` with the reason: a wrong "compliant" would leave backups silently bad.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import (
    FAMILIES,
    KB,
    PRODUCTS,
    CatalogOverrides,
    Family,
    package_name,
    rules_for,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._editions import Identification, Scope, identify
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts, Volume
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import StrEnum
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    FileVersion,
    Meaning,
    VersionRule,
    find_rule,
    line_text,
    parse_file_version,
)

EIGHT_GIB = 8 * 1024**3
RISK_NOTE = (
    "The corruption surfaces only at restore: backups taken from shadow copies before the fix may be silently "
    "bad; test-restore them."
)


class Status(StrEnum):
    COMPLIANT = "compliant"
    VULNERABLE = "vulnerable"
    REBOOT_PENDING = "reboot_pending"
    PREREQUISITE_MISSING = "prerequisite_missing"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Exposure:
    large_volumes_multiple_of_8gib: tuple[str, ...]  # drives (or "volume N") whose size is a multiple of 8 GiB
    shadow_copies: int | None
    note: str


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason: str
    product: str | None = None
    family: str | None = None
    edition: str | None = None  # the host's own naming: ProductName (EditionID, InstallationType)
    service_pack: int | None = None
    arch: str | None = None
    installed_version: str | None = None
    branch: str | None = None
    required_version: str | None = None
    package: str | None = None
    installer: str | None = None
    restart_required_after_install: bool = False
    reboot_pending: bool = False
    exposure: Exposure = Exposure((), None, "")

    def to_dict(self) -> dict[str, Any]:
        result = dataclasses.asdict(self)
        result["status"] = self.status.value
        return result


def assess(
    facts: HostFacts,
    package_overrides: Mapping[str, str] | None = None,
    catalog_overrides: CatalogOverrides | None = None,
) -> Assessment:
    """The decision for one host. Never raises on odd facts: they end as `unknown` with the reason."""
    identified = identify(facts)
    draft = Assessment(
        Status.UNKNOWN,
        "",
        product=facts.product_name,
        edition=identified.edition,
        service_pack=facts.service_pack,
        arch=facts.arch,
        installed_version=facts.volsnap_version,
        reboot_pending=facts.pending_reboot,
        exposure=_exposure(facts),
    )
    if identified.scope is Scope.UNDECIDED:
        return replace(draft, reason=f"unknown product: {identified.reason}")
    if identified.scope is Scope.OUTSIDE or identified.product is None:
        reason = (
            _shared_line_reason(facts, identified, catalog_overrides) if identified.shares_family else identified.reason
        )
        return replace(draft, status=Status.NOT_APPLICABLE, reason=reason, product=identified.label)

    product = PRODUCTS[identified.product]
    family = FAMILIES[product.family]
    draft = replace(
        draft,
        product=product.name,
        family=family.key,
        installer=family.installer,
        restart_required_after_install=family.restart_required,
    )
    if facts.arch is None:
        return replace(draft, reason="processor architecture could not be read")
    if facts.arch not in product.arches:
        return replace(draft, reason=f"{product.name} has no {facts.arch} build: the facts disagree")
    draft = replace(draft, package=package_name(family.key, facts.arch, package_overrides))
    return _assess_version(facts, family, rules_for(family, catalog_overrides), draft)


def _assess_version(facts: HostFacts, family: Family, rules: tuple[VersionRule, ...], draft: Assessment) -> Assessment:
    """Decided by the volsnap.sys file alone: its line and revision pick the rule (the OS build only informs)."""
    product = draft.product
    version = parse_file_version(facts.volsnap_version)
    if version is None:
        why = "missing" if not facts.volsnap_version else f"unreadable ({facts.volsnap_version!r})"
        if not facts.wmic_available:
            why += "; wmic is not available on the host"
        return replace(draft, reason=f"volsnap.sys version {why}")
    builds = _builds_note(version, facts.build)
    if not family.holds(version.kernel_line):
        reason = (
            f"volsnap.sys {version} is from line {line_text(version.kernel_line)}, which is not a line of "
            f"{product} ({'.'.join(str(p) for p in family.kernel)}.x){builds}"
        )
        return replace(draft, reason=reason)
    rule = find_rule(version, rules)
    if rule is None:
        reason = f"volsnap.sys {version} fits no rule of {product}: {_missed(version, rules)}{builds}"
        return replace(draft, reason=reason)
    draft = replace(draft, branch=rule.branch)
    if rule.meaning is Meaning.PREREQUISITE:
        csd = facts.csd_version or "no service pack"
        reason = (
            f"volsnap.sys {version} is a file from before {rule.prerequisite}{_origin(rule)}: {product} needs "
            f"{rule.prerequisite} before {KB} (CSDVersion says {csd!r}{builds or _os_build(facts.build)})"
        )
        return replace(draft, status=Status.PREREQUISITE_MISSING, reason=reason)
    note = _origin(rule) + (f"{builds} (judged by the file)" if builds else "")
    if rule.meaning is Meaning.INCLUDED or rule.fixed is None:
        reason = f"volsnap.sys {version} ({rule.branch}) already includes the fix{note}"
        return replace(draft, status=Status.COMPLIANT, reason=reason)
    draft = replace(draft, required_version=str(rule.fixed))
    if version < rule.fixed and facts.service_pack is not None and facts.service_pack < family.required_service_pack:
        # The file needs the fix, and the article's prerequisite is the service pack the OS reports (CSDVersion):
        # the service pack comes first, whatever the file's line suggests.
        reason = (
            f"volsnap.sys {version} is below {rule.fixed}, and {product} needs Service Pack "
            f"{family.required_service_pack} before {KB}: CSDVersion says {facts.csd_version or 'no service pack'!r}"
            f"{note}"
        )
        return replace(draft, status=Status.PREREQUISITE_MISSING, reason=reason)
    return _against_threshold(facts, version, rule, draft, note)


def _origin(rule: VersionRule) -> str:
    return "" if rule.origin == "built-in" else f" (rule {rule.origin})"


def _against_threshold(
    facts: HostFacts, version: FileVersion, rule: VersionRule, draft: Assessment, note: str
) -> Assessment:
    threshold = rule.fixed
    label = f"volsnap.sys {version}" + ("" if rule.branch == Branch.SINGLE else f" ({rule.branch})")
    if threshold is None or version >= threshold:
        return replace(draft, status=Status.COMPLIANT, reason=f"{label} is at or above {threshold}{note}")
    if facts.pending_reboot and facts.kb_installed:
        return replace(
            draft,
            status=Status.REBOOT_PENDING,
            reason=f"{KB} installed; {label} is replaced at the next restart{note}",
        )
    pending = "; a restart is pending for another change" if facts.pending_reboot else ""
    return replace(draft, status=Status.VULNERABLE, reason=f"{label} is below {threshold}{note}{pending}")


def _builds_note(version: FileVersion, os_build: int | None) -> str:
    """Said whenever the file's build differs from the OS build (a rollup replaces only the files it carries)."""
    if os_build is None or os_build == version.build:
        return ""
    return f"; the file is from build {version.build}, the OS reports build {os_build}"


def _os_build(build: int | None) -> str:
    return "" if build is None else f", OS build {build}"


def _missed(version: FileVersion, rules: tuple[VersionRule, ...]) -> str:
    """Name the rules the version missed: those of its own line, or the lines there are rules for."""
    same_line = [rule.describe() for rule in rules if rule.line == version.kernel_line]
    if same_line:
        return f"the rules of line {line_text(version.kernel_line)} cover {', '.join(same_line)}"
    lines = sorted({line_text(rule.line) for rule in rules})
    return f"no rule covers line {line_text(version.kernel_line)} (rules exist for {', '.join(lines)})"


def _shared_line_reason(
    facts: HostFacts, identified: Identification, catalog_overrides: CatalogOverrides | None
) -> str:
    """Windows XP x64: not listed by the article, but it runs the Server 2003 x64 binaries (docs/versions.md)."""
    family = FAMILIES[identified.shares_family or "2003"]
    rules = rules_for(family, catalog_overrides)
    fix = next(rule for rule in family.rules if rule.fixed is not None)
    head = (
        f"{identified.label} is not listed in {KB} and installing an update Microsoft did not offer for it is "
        f"unsupported; it shares the Windows Server 2003 x64 volsnap.sys line ({line_text(fix.line)}) and package "
        f"({package_name(family.key, 'AMD64')})"
    )
    version = parse_file_version(facts.volsnap_version)
    rule = find_rule(version, rules) if version is not None else None
    if version is None or rule is None:
        return f"{head}; its volsnap.sys ({facts.volsnap_version or 'unreadable'}) is not on that line (unconfirmed)"
    fixed = rule.fixed or fix.fixed
    if rule.meaning is Meaning.INCLUDED or (fixed is not None and version >= fixed):
        return f"{head}; its volsnap.sys {version} is at or above the 2003 fix level ({fixed})"
    return f"{head}; its volsnap.sys {version} is below {fixed} and may carry the same defect (unconfirmed)"


def _exposure(facts: HostFacts) -> Exposure:
    flagged = tuple(_volume_label(index, volume) for index, volume in enumerate(facts.volumes) if _risky(volume))
    return Exposure(flagged, facts.shadow_copies, RISK_NOTE)


def _risky(volume: Volume) -> bool:
    # The article: the pattern appears when a volume is extended to a multiple of 8 GB; an initial size that is
    # already a multiple makes it more likely.
    return volume.capacity_bytes is not None and volume.capacity_bytes > 0 and volume.capacity_bytes % EIGHT_GIB == 0


def _volume_label(index: int, volume: Volume) -> str:
    return volume.drive or f"volume {index + 1}"
