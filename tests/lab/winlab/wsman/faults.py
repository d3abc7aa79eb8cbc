"""WS-Management faults with the codes and texts of Windows' WinRM service (winerror.h ERROR_WSMAN_*, [MS-WSMV])."""

from __future__ import annotations

from dataclasses import dataclass

TIMED_OUT = 2150858793  # ERROR_WSMAN_OPERATION_TIMEDOUT: a Receive with nothing to say yet (clients retry)
SHELL_NOT_FOUND = 2150858843  # ERROR_WINRS_SHELL_NOT_FOUND
QUOTA_SHELLS = 2150859174  # ERROR_WSMAN_QUOTA_MAX_SHELLS_PPQ
ACTION_NOT_SUPPORTED = 2150858776  # ERROR_WSMAN_ACTION_NOT_SUPPORTED (0x80338018)
BAD_XML = 2150858817  # ERROR_WSMAN_INVALID_XML (0x80338041)
INVALID_RESOURCE_URI = 2150858811  # ERROR_WSMAN_INVALID_RESOURCE_URI (0x8033803B)
INTERNAL = 2150858770  # ERROR_WSMAN_INTERNAL_ERROR (0x80338012)

MAX_SHELLS_PER_USER = 30  # WinRM's default MaxShellsPerUser (winrm get winrm/config/winrs) on 2008 R2


@dataclass(frozen=True)
class WsmanFault(Exception):
    """A SOAP fault as Windows sends it: HTTP 500, s:Code/s:Subcode, the text, and WSManFault Code in s:Detail."""

    code: int
    reason: str
    subcode: str = "w:InvalidMessageInformationHeader"
    value: str = "s:Sender"

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def shell_not_found(shell_id: str | None) -> WsmanFault:
    return WsmanFault(
        SHELL_NOT_FOUND,
        f"The request for the Windows Remote Shell with ShellId {shell_id or ''} failed because the shell was not "
        "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists "
        "on the server. Provide the correct ShellId or create a new shell and retry the operation.",
        "w:InvalidSelectors",
    )


def command_not_found(command_id: str) -> WsmanFault:
    return WsmanFault(
        SHELL_NOT_FOUND,
        f"The request for the Windows Remote Shell failed because the command with CommandId {command_id} was not "
        "found on the server.",
        "w:InvalidSelectors",
    )


def shell_quota() -> WsmanFault:
    return WsmanFault(
        QUOTA_SHELLS,
        "The WS-Management service cannot process the request. This user is allowed a maximum number of "
        f"{MAX_SHELLS_PER_USER} concurrent shells, which has been exceeded. Close existing shells or raise the quota "
        "for this user.",
        "w:QuotaLimit",
        "s:Receiver",
    )


def timed_out() -> WsmanFault:
    return WsmanFault(
        TIMED_OUT,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
        "w:TimedOut",
        "s:Receiver",
    )


def action_not_supported(action: str) -> WsmanFault:
    return WsmanFault(
        ACTION_NOT_SUPPORTED,
        f"The WS-Management service does not support the specified action: {action or '(none)'}.",
        "a:ActionNotSupported",
    )


def invalid_resource_uri(resource_uri: str) -> WsmanFault:
    return WsmanFault(
        INVALID_RESOURCE_URI,
        f"The WS-Management service cannot process the request. The resource URI {resource_uri or '(none)'} is not "
        "valid or was not found.",
        "w:InvalidResourceURI",
    )


def bad_xml(detail: str) -> WsmanFault:
    return WsmanFault(
        BAD_XML,
        f"The WS-Management service cannot process the request because the XML is invalid. {detail}".strip(),
        "w:SchemaValidationError",
    )


def internal_error(detail: str) -> WsmanFault:
    return WsmanFault(INTERNAL, f"The WS-Management service encountered an internal error: {detail}", "w:InternalError")
