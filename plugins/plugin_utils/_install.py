# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The installer command lines per OS family, in the forms Microsoft documents (tests/lab/FIDELITY.md).

- Server 2003: the update .exe itself, `<package>.exe /quiet /norestart /log:<file>` (KB262841, KB832475). The line
  starts with a quoted path and has more quotes later: the winrs connection sends it so that `cmd /c` keeps them.
- Vista / Server 2008: `expand -F:*` of the .msu into its own folder (KB934307), the inner .cab named by the .msu's
  .xml (_msu.py), then `start /w pkgmgr /ip /m:<that .cab> /s:<new empty sandbox> /quiet /norestart` (TechNet
  cc749465; the MSDN blog "Tips for using Vista Package Manager (pkgmgr)": one empty sandbox per package; KB932224).
  Removal: `start /w pkgmgr /up:<package name> /quiet /norestart`, never with /m: (KB940410). `start /w` makes cmd
  wait for pkgmgr; its first argument is not quoted, or start would take it for a window title.
- Windows 7 / Server 2008 R2: the same expand, then `dism.exe /online /add-package /packagepath:<that .cab> /quiet
  /norestart` (DISM's documented options; /quiet alone does not imply /norestart).
Never wusa: it refuses to run from a remote session.

The paths after `/m:`, `/s:` and `/packagepath:` are written bare, as Microsoft's examples write them: the work
folder lies under the host's %SystemRoot%\\Temp, and a path with a space there is refused before anything is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._msu import MsuPackage

INSTALLERS = ("update_exe", "pkgmgr", "dism")
XML_PATTERN = "\\*.xml"  # the .msu's unattend file, whatever the .msu was renamed to
_BARE_PATH = re.compile(r"^[A-Za-z]:\\[A-Za-z0-9._~$\\-]+$")


@dataclass(frozen=True)
class Workspace:
    """Where one run puts things on the host: all under `workdir`, which is removed afterwards."""

    workdir: str
    package_path: str  # where the package is put
    expanded: str  # what expand makes of an .msu
    sandbox: str  # pkgmgr's sandbox: created empty, for this package only
    log_path: str  # update.exe's log

    def expand_command(self, installer: str) -> str:
        """Expand the .msu and print its .xml, in one round trip: the .xml names the cabinet to install. pkgmgr also
        gets its sandbox here, new and empty, so that its own line is the installer alone (its exit code)."""
        out = quote_path(self.expanded)
        xml = out[:-1] + XML_PATTERN + '"'  # the folder checked by quote_path; the wildcard is ours
        sandbox = f" && mkdir {quote_path(self.sandbox)}" if installer == "pkgmgr" else ""
        return f"mkdir {out}{sandbox} && expand -F:* {quote_path(self.package_path)} {out} && type {xml}"


def workspace(package: str, workdir: str) -> Workspace:
    quote_path(workdir)  # refuse before anything is sent
    return Workspace(
        workdir,
        f"{workdir}\\{package}",
        f"{workdir}\\expanded",
        f"{workdir}\\sandbox",
        f"{workdir}\\install.log",
    )


def needs_expand(installer: str) -> bool:
    return installer in ("pkgmgr", "dism")


def install_command(installer: str, space: Workspace, msu: MsuPackage | None = None) -> str:
    if installer == "update_exe":
        return f"{quote_path(space.package_path)} /quiet /norestart /log:{quote_path(space.log_path)}"
    cab = _bare(f"{space.expanded}\\{_inner(installer, msu).inner_cab}")
    if installer == "pkgmgr":
        return f"start /w pkgmgr /ip /m:{cab} /s:{_bare(space.sandbox)} /quiet /norestart"
    if installer == "dism":
        return f"dism.exe /online /add-package /packagepath:{cab} /quiet /norestart"
    raise ValueError(f"unknown installer kind {installer!r}")


def removal_command(installer: str, space: Workspace, windows_root: str, msu: MsuPackage | None = None) -> str:
    if installer == "update_exe":
        uninstaller = quote_path(f"{windows_root}\\$NtUninstallKB2748349$\\spuninst\\spuninst.exe")
        return f"{uninstaller} /quiet /norestart"
    package = _inner(installer, msu)
    if installer == "pkgmgr":
        if package.identity is None:
            raise UnsafeArgumentError("the .msu's .xml gives no package identity, which pkgmgr /up: needs")
        return f"start /w pkgmgr /up:{package.identity} /quiet /norestart"
    if installer == "dism":
        cab = _bare(f"{space.expanded}\\{package.inner_cab}")
        return f"dism.exe /online /remove-package /packagepath:{cab} /quiet /norestart"
    raise ValueError(f"unknown installer kind {installer!r}")


def _inner(installer: str, msu: MsuPackage | None) -> MsuPackage:
    if installer not in INSTALLERS:
        raise ValueError(f"unknown installer kind {installer!r}")
    if msu is None:
        raise ValueError(f"{installer} needs the package named by the .msu's .xml")
    return msu


def _bare(path: str) -> str:
    """A path written without quotes after a switch (`/m:C:\\x\\a.cab`): plain characters only."""
    if not _BARE_PATH.match(path):
        raise UnsafeArgumentError(
            f"path {path!r} cannot follow an installer switch unquoted (it has spaces or other characters); "
            "the host's Temp folder must be a plain path"
        )
    return path


def installer_log(installer: str, space: Workspace, windows_root: str) -> str:
    """Where to look on the host when an install fails: update.exe's own log, or the servicing logs pkgmgr (CBS)
    and DISM write (TechNet cc749465: %WINDIR%\\Logs\\CBS\\CBS.log; DISM: %WINDIR%\\Logs\\DISM\\dism.log)."""
    if installer == "update_exe":
        return space.log_path
    if installer == "pkgmgr":
        return f"{windows_root}\\Logs\\CBS\\CBS.log"
    return f"{windows_root}\\Logs\\DISM\\dism.log"
