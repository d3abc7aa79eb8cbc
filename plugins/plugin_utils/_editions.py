# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which product a host runs, told by build number and ProductType, never by a list of ProductName strings.

Every edition of a listed product is the same build: Server 2003 R2, Web, Foundation, Small and Essential Business,
Storage and Hyper-V Server, Server Core, Windows Embedded Standard 7 and the like are told apart from the client
products only by ProductType (WinNT = client; ServerNT, LanmanNT = server). When ProductType is missing, EditionID
(Vista and later: "Server…" for every server edition) and then InstallationType (2008 R2 and later) stand in for it.
ProductName is shown as the edition detail and never decides anything, so a name never seen before cannot make a
host `unknown`. docs/versions.md gives the sources.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import FAMILIES, KB, PRODUCTS
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts

_CLIENT_TYPES = ("winnt",)
_SERVER_TYPES = ("servernt", "lanmannt")
# Client editions of a family's build that the article does not list: Windows XP Professional x64 is 5.2.3790 and
# runs the Server 2003 x64 binaries (docs/versions.md).
_UNLISTED_CLIENTS = {"2003": "Windows XP Professional x64 Edition"}


class Scope(enum.Enum):
    LISTED = "listed"  # a product the article lists: decided by the version rules
    OUTSIDE = "outside"  # a product the article does not list
    UNDECIDED = "undecided"  # the data cannot tell the product


@dataclass(frozen=True)
class Identification:
    scope: Scope
    label: str  # LISTED: the canonical product name (a _catalog.PRODUCTS key); otherwise a human name
    reason: str = ""  # OUTSIDE / UNDECIDED: why
    edition: str | None = None  # the host's own naming, e.g. "Hyper-V Server 2008 R2 (ServerHyperCore, Server Core)"
    shares_family: str | None = None  # OUTSIDE, but runs the binaries of this family (XP x64 → "2003")

    @property
    def product(self) -> str | None:
        return self.label if self.scope is Scope.LISTED else None


def identify(facts: HostFacts) -> Identification:
    """The product of a host from its build, ProductType (or EditionID / InstallationType) and version numbers."""
    edition = _edition(facts)
    server, evidence = _server(facts)
    build = facts.build
    if build is None:
        why = "; ".join(facts.problems) or "CurrentBuildNumber is unreadable"
        return Identification(Scope.UNDECIDED, "unidentified", f"cannot tell the product: {why}", edition)
    if (facts.current_major_version or 0) >= 10 or build >= 10240:
        return _outside(_pick(server, "Windows 10 or later", "Windows Server 2016 or later"), edition)
    if build >= 9200:
        later = {9200: ("Windows 8", "Windows Server 2012"), 9600: ("Windows 8.1", "Windows Server 2012 R2")}
        client, server_name = later.get(build, ("Windows 8 or later", "Windows Server 2012 or later"))
        return _outside(_pick(server, client, server_name), edition)
    if build < 2600 or facts.current_version == "5.0":
        return _outside("Windows 2000 or earlier", edition)
    if build < 3790:
        return _outside("Windows XP", edition)
    family = next((f for f in FAMILIES.values() if build in f.os_builds), None)
    if family is None:
        return Identification(
            Scope.UNDECIDED,
            "unidentified",
            f"build {build} is no released build of Windows Server 2003, Vista, 2008, 7 or 2008 R2",
            edition,
        )
    names = {product.server: product.name for product in PRODUCTS.values() if product.family == family.key}
    client, server_name = names.get(False) or _UNLISTED_CLIENTS[family.key], names[True]
    if server is None:
        return Identification(
            Scope.UNDECIDED,
            f"{client} or {server_name}",
            f"cannot tell {client} from {server_name} (build {build}): {evidence}",
            edition,
        )
    if not server and False not in names:
        return Identification(Scope.OUTSIDE, client, f"{client} is not listed in {KB}", edition, family.key)
    return Identification(Scope.LISTED, server_name if server else client, edition=edition)


def _outside(label: str, edition: str | None) -> Identification:
    return Identification(Scope.OUTSIDE, label, f"{label} is not affected (not listed in {KB})", edition)


def _pick(server: bool | None, client: str, server_name: str) -> str:
    if server is None:
        return f"{client} or {server_name}"
    return server_name if server else client


def _server(facts: HostFacts) -> tuple[bool | None, str]:
    """Server or client, and (when it cannot tell) what it looked at. ProductType first, then the fallbacks."""
    kind = (facts.product_type or "").strip().lower()
    if kind in _CLIENT_TYPES:
        return False, ""
    if kind in _SERVER_TYPES:
        return True, ""
    edition_id = (facts.edition_id or "").strip().lower()
    if edition_id:  # every server EditionID starts with "Server" (ServerStandard, ServerWeb, ServerSBSStandard, ...)
        return edition_id.startswith("server"), ""
    installation = (facts.installation_type or "").strip().lower()
    if installation == "client":
        return False, ""
    if installation in ("server", "server core"):
        return True, ""
    seen = f"ProductType {facts.product_type!r}" if facts.product_type else "ProductType missing"
    return None, f"{seen}, and neither EditionID nor InstallationType to fall back on"


def _edition(facts: HostFacts) -> str | None:
    name = (facts.product_name or "").strip()
    details = [value.strip() for value in (facts.edition_id, facts.installation_type) if value and value.strip()]
    if not name:
        return ", ".join(details) or None
    return f"{name} ({', '.join(details)})" if details else name
