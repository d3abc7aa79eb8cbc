"""The installer tools of the lab; importing this module registers them with the host's tool registry.

expand (installers_expand), dism (installers_dism), pkgmgr (installers_pkgmgr), the 2003 update .exe and spuninst
(installers_update_exe), wusa (installers_wusa). What an install does to the host is in servicing.py.
"""

from __future__ import annotations

from winlab.host import (  # noqa: F401  (imported for their @register_tool side effect)
    installers_dism,
    installers_expand,
    installers_pkgmgr,
    installers_update_exe,
    installers_wusa,
)

TOOL_NAMES = ("expand", "dism", "pkgmgr", "@package-exe", "spuninst", "wusa")
