# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostFacts → Assessment: is the host exposed to the KB2748349 corruption, and what does it need?

Decided from version ordering and branch ranges (the catalog), never from an exact list of versions. Data that fits
no rule gives `unknown` with the reason: a wrong "compliant" would leave backups silently bad.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import (
    FAMILIES,
    PRODUCTS,
    Family,
    identify_product,
    package_name,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts, Volume
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    classify_branch,
    parse_file_version,
)

EIGHT_GIB = 8 * 1024**3
RISK_NOTE = (
    "The corruption surfaces only at restore: backups taken from shadow copies before the fix may be silently "
    "bad; test-restore them."
)


class Status(enum.StrEnum):
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


def assess(facts: HostFacts, package_overrides: Mapping[str, str] | None = None) -> Assessment:
    """The decision for one host. Never raises on odd facts: they end as `unknown` with the reason."""
    draft = Assessment(
        Status.UNKNOWN,
        "",
        product=facts.product_name,
        service_pack=facts.service_pack,
        arch=facts.arch,
        installed_version=facts.volsnap_version,
        reboot_pending=facts.pending_reboot,
        exposure=_exposure(facts),
    )
    identified = identify_product(facts.current_version, facts.build, facts.product_type, facts.product_name)
    if identified is None:
        why = "; ".join(facts.problems) or (
            f"cannot tell the product from CurrentVersion={facts.current_version!r}, build={facts.build!r}, "
            f"ProductType={facts.product_type!r}"
        )
        return replace(draft, reason=f"unknown product: {why}")
    if not identified.in_scope or identified.product is None:
        return replace(draft, status=Status.NOT_APPLICABLE, reason=identified.reason, product=identified.label)

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
    if facts.service_pack is None:
        return replace(draft, reason=f"service pack unreadable (CSDVersion {facts.csd_version!r})")
    if facts.service_pack < family.required_service_pack:
        return replace(
            draft,
            status=Status.PREREQUISITE_MISSING,
            reason=f"{product.name} needs Service Pack {family.required_service_pack} before KB2748349 "
            f"(found {_sp_label(facts.service_pack)})",
        )
    return _assess_version(facts, family, draft)


def _assess_version(facts: HostFacts, family: Family, draft: Assessment) -> Assessment:
    product = draft.product
    version = parse_file_version(facts.volsnap_version)
    if version is None:
        why = "missing" if not facts.volsnap_version else f"unreadable ({facts.volsnap_version!r})"
        if not facts.wmic_available:
            why += "; wmic is not available on the host"
        return replace(draft, reason=f"volsnap.sys version {why}")
    if facts.build is not None and version.build != facts.build:
        reason = f"volsnap.sys {version} is from build {version.build} but the OS reports build {facts.build}"
        return replace(draft, reason=reason)
    branch = classify_branch(version, family.ranges)
    draft = replace(draft, branch=branch.value)
    if branch is Branch.SP1 and facts.build == 7601:
        return replace(draft, status=Status.COMPLIANT, reason=f"{product} SP1 includes the fix (volsnap.sys {version})")
    if branch is Branch.UNKNOWN or branch is Branch.SP1:
        reason = f"volsnap.sys {version} fits no servicing branch of {product} (build {facts.build})"
        return replace(draft, reason=reason)
    threshold = family.thresholds[branch]
    draft = replace(draft, required_version=str(threshold))
    label = f"volsnap.sys {version}" + ("" if branch is Branch.SINGLE else f" ({branch.value})")
    if version >= threshold:
        return replace(draft, status=Status.COMPLIANT, reason=f"{label} is at or above {threshold}")
    if facts.pending_reboot and facts.kb_installed:
        return replace(
            draft,
            status=Status.REBOOT_PENDING,
            reason=f"KB2748349 installed; {label} is replaced at the next restart",
        )
    note = "; a restart is pending for another change" if facts.pending_reboot else ""
    return replace(draft, status=Status.VULNERABLE, reason=f"{label} is below {threshold}{note}")


def _sp_label(service_pack: int) -> str:
    return "RTM" if service_pack == 0 else f"Service Pack {service_pack}"


def _exposure(facts: HostFacts) -> Exposure:
    flagged = tuple(_volume_label(index, volume) for index, volume in enumerate(facts.volumes) if _risky(volume))
    return Exposure(flagged, facts.shadow_copies, RISK_NOTE)


def _risky(volume: Volume) -> bool:
    # The article: the pattern appears when a volume is extended to a multiple of 8 GB; an initial size that is
    # already a multiple makes it more likely.
    return volume.capacity_bytes is not None and volume.capacity_bytes > 0 and volume.capacity_bytes % EIGHT_GIB == 0


def _volume_label(index: int, volume: Volume) -> str:
    return volume.drive or f"volume {index + 1}"
