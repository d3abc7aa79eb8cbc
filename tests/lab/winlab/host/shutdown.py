"""shutdown.exe: `/r /t <s> /d p:2:17 /c "<comment>"` restarts on the lab clock; `/a` aborts (legacy-windows.md §5).

Limits: Microsoft's shutdown documentation and ss64.com/nt/shutdown.html: /t defaults to 30 s; 0-600 s and a
comment of at most 127 characters on 2003/Vista/2008, 0-315360000 s and 512 characters from Windows 7. /d takes
`[p|u:]xx:yy`. A parameter outside them prints the usage and exits 87. A second restart while one is scheduled fails
with 1190; /a with nothing scheduled fails with 1116. Success prints nothing. 2003's shutdown also takes `-r -t`.
Only restarts are emulated (/r, and /g from Vista): the lab has no powered-off state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from winlab.host.tools import ToolContext, register_tool

INVALID_PARAMETER = 87
SHUTDOWN_IS_SCHEDULED = 1190
NO_SHUTDOWN_IN_PROGRESS = 1116
DEFAULT_DELAY_S = 30
_REASON = re.compile(r"^(?:[pu]{1,2}:)?\d{1,3}:\d{1,5}$", re.IGNORECASE)
_TAKES_VALUE = ("t", "c", "d", "m")

_ALREADY = (
    "A system shutdown has already been scheduled.(1190)",
    "Das Herunterfahren des Systems wurde bereits geplant.(1190)",
)
_NOTHING = (
    "Unable to abort the system shutdown because no shutdown was in progress.(1116)",
    "Das Herunterfahren des Systems konnte nicht abgebrochen werden, da kein Herunterfahren durchgeführt wurde.(1116)",
)
_USAGE_NEW = (
    "Usage: shutdown [/i | /l | /s | /r | /g | /a | /p | /h | /e] [/f]",
    '    [/m \\\\computer][/t xxx][/d [p|u:]xx:yy [/c "comment"]]',
)
_USAGE_2003 = (
    'Usage: shutdown [-i | -l | -s | -r | -a] [-f] [-m \\\\computername] [-t xx] [-c "comment"] [-d up:xx:yy]',
)


@dataclass(frozen=True)
class Limits:
    max_delay_s: int
    max_comment: int


def limits_for(build: int) -> Limits:
    """The /t and /c limits of the host's shutdown.exe."""
    return Limits(600, 127) if build < 7600 else Limits(315360000, 512)


@dataclass(frozen=True)
class ShutdownRequest:
    action: str  # "r" (restart), "a" (abort), or "" when none was given
    delay_s: int
    comment: str
    reason: str | None


class UsageError(ValueError):
    """A command line shutdown.exe answers with its usage text and exit 87."""


def parse(argv: list[str], build: int) -> ShutdownRequest:
    """The request on the command line, validated against the host's limits."""
    options: dict[str, str | None] = {}
    words = iter(argv)
    for word in words:
        if word[:1] not in ("/", "-") or len(word) < 2:
            raise UsageError(f"unexpected argument {word!r}")
        name = word[1:].lower()
        options[name] = next(words, None) if name in _TAKES_VALUE else None
        if name in _TAKES_VALUE and options[name] is None:
            raise UsageError(f"/{name} needs a value")
    restart_names = {"r"} if build < 6000 else {"r", "g"}
    action = "a" if "a" in options else ("r" if restart_names & set(options) else "")
    limits = limits_for(build)
    delay_text = options.get("t")
    try:
        delay = DEFAULT_DELAY_S if delay_text is None else int(delay_text)
    except ValueError as error:
        raise UsageError(f"/t {delay_text!r} is not a number") from error
    if not 0 <= delay <= limits.max_delay_s:
        raise UsageError(f"/t {delay} is outside 0-{limits.max_delay_s}")
    comment = options.get("c") or ""
    if len(comment) > limits.max_comment:
        raise UsageError(f"the comment has {len(comment)} characters, more than {limits.max_comment}")
    reason = options.get("d")
    if reason is not None and not _REASON.match(reason):
        raise UsageError(f"/d {reason!r} is not [p|u:]xx:yy")
    if not action:
        raise UsageError("no /r or /a")
    return ShutdownRequest(action, delay, comment, reason)


@register_tool("shutdown")
def shutdown(ctx: ToolContext) -> int:
    machine = ctx.machine
    try:
        request = parse(ctx.argv, machine.profile.build)
    except UsageError as error:
        for line in _USAGE_2003 if machine.is_2003 else _USAGE_NEW:
            ctx.print(line)
        machine.log_event(f"shutdown usage error: {error}")
        return INVALID_PARAMETER
    if request.action == "a":
        if machine.pending_restart is None:
            ctx.error(ctx.text(*_NOTHING))
            return NO_SHUTDOWN_IN_PROGRESS
        machine.pending_restart = None
        machine.log_event("shutdown aborted")
        return 0
    if machine.pending_restart is not None:
        ctx.error(ctx.text(*_ALREADY))
        return SHUTDOWN_IS_SCHEDULED
    machine.schedule_restart(request.delay_s, request.comment)
    machine.log_event(f"restart in {request.delay_s}s (reason {request.reason}): {request.comment}")
    return 0
