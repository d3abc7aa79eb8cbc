# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The .xml inside an .msu: which inner .cab is the update, and the CBS identity of its package.

An .msu holds the update's inner .cab, WSUSSCAN.cab, a properties file and an unattend .xml (Microsoft KB934307). The
.xml names the package and its cabinet (Microsoft KB940410; the layout as in Windows6.0-KB929761-x86.msu, quoted in
FuzzySecurity/PowerShell-Suite, Bypass-UAC/Bypass-UAC.ps1):

    <unattend xmlns="urn:schemas-microsoft-com:unattend"><servicing><package action="install">
      <assemblyIdentity name="Package_for_KB929761" version="6.0.1.1" language="neutral"
                        processorArchitecture="x86" publicKeyToken="31bf3856ad364e35"/>
      <source location="%configsetroot%\\Windows6.0-KB929761-x86.CAB" />

So the inner .cab is never guessed from the .msu's file name (which users may change) and never WSUSSCAN.cab. CBS
names an installed package `name~publicKeyToken~processorArchitecture~language~version`, language empty when neutral
(`Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0`, as dism /get-packages lists it): that key's CurrentState
tells whether the install took (_servicing.py), and `pkgmgr /up:` takes the same name (KB940410).

The action reads the .xml with `type "<folder>\\*.xml"` in the same command line as expand (no extra round trip,
whatever the source: controller, URL or share). Whether `type` prints the file name to stdout is not documented, so
the document is taken out of whatever surrounds it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import normalise_output

NAMESPACE = "urn:schemas-microsoft-com:unattend"
_DOCUMENT = re.compile(r"<unattend\b.*?</unattend\s*>", re.DOTALL)
_CONFIGSETROOT = re.compile(r"^%configsetroot%\\", re.IGNORECASE)
_CAB_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}\.cab$", re.IGNORECASE)
_IDENTITY_PART = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class MsuError(ValueError):
    """The .msu's .xml could not be read or names no usable package; the message says why."""


@dataclass(frozen=True)
class MsuPackage:
    inner_cab: str  # the file name of the update's cabinet, as expand wrote it
    identity: str | None  # the CBS package name; None when the .xml gives no complete assemblyIdentity


def parse_msu_xml(text: str) -> MsuPackage:
    """The package named by the .msu's unattend .xml (the text `type` printed); raises MsuError."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise MsuError("the .msu's .xml declares a DOCTYPE or entities, which no .msu does")
    documents = _DOCUMENT.findall(normalise_output(text))
    if not documents:
        raise MsuError("no unattend document was found in the .msu's .xml")
    found = {_package(document) for document in documents}
    if len(found) != 1:
        raise MsuError(f"the .msu names {len(found)} different packages; expected one")
    return found.pop()


def _package(document: str) -> MsuPackage:
    try:
        root = ET.fromstring(document)
    except ET.ParseError as error:
        raise MsuError(f"the .msu's .xml is not well-formed ({error})") from None
    ns = {"u": NAMESPACE}
    if root.tag != f"{{{NAMESPACE}}}unattend":
        raise MsuError(f"the .msu's .xml is not an unattend file in the {NAMESPACE} namespace")
    packages = root.findall("u:servicing/u:package", ns)
    if len(packages) != 1:
        raise MsuError(f"the .msu's .xml lists {len(packages)} packages; expected one")
    source = packages[0].find("u:source", ns)
    location = source.get("location", "") if source is not None else ""
    if not _CONFIGSETROOT.match(location):
        raise MsuError(f"the package's source location {location!r} is not %configsetroot%\\<cabinet>")
    cab = _CONFIGSETROOT.sub("", location)
    if not _CAB_NAME.match(cab) or cab.lower() == "wsusscan.cab":
        raise MsuError(f"the package's source {cab!r} is not the name of an update cabinet")
    return MsuPackage(cab, _identity(packages[0].find("u:assemblyIdentity", ns)))


def _identity(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    language = element.get("language", "neutral")
    parts = [element.get(name, "") for name in ("name", "publicKeyToken", "processorArchitecture", "version")]
    if not all(_IDENTITY_PART.match(part) for part in parts):
        return None
    name, token, arch, version = parts
    if language != "neutral" and not _IDENTITY_PART.match(language):
        return None
    return "~".join((name, token, arch, "" if language == "neutral" else language, version))
