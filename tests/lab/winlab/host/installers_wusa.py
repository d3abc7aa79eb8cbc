"""wusa.exe: refuses to run in a remote session (WinRM/WinRS) with exit 5, whatever it is asked.

Microsoft KB2773898: "Windows Update Standalone Installer (WUSA) returns 0x5 ERROR_ACCESS_DENIED when deploying
.msu files through WinRM and Windows Remote Shell" (legacy-windows.md §4). With /quiet it prints nothing.
"""

from __future__ import annotations

from winlab.host.installers_common import ACCESS_DENIED
from winlab.host.tools import ToolContext, register_tool


@register_tool("wusa")
def wusa(ctx: ToolContext) -> int:
    ctx.machine.log_event("wusa refused: Windows Update API is not available in a remote session")
    return ACCESS_DENIED
