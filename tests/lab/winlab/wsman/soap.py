"""Parsing requests and building responses of the WS-Management remote shell protocol ([MS-WSMV]).

Names, actions and fault codes as Windows' WinRM service uses them (and as pywinrm's winrm/protocol.py sends and
expects them). XML is parsed with ElementTree after refusing any DTD, so no entity tricks reach the parser.
"""

from __future__ import annotations

import base64
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
}
SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
CMD_RESOURCE = SHELL_URI + "/cmd"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = SHELL_URI + "/Command"
ACTION_SEND = SHELL_URI + "/Send"
ACTION_RECEIVE = SHELL_URI + "/Receive"
ACTION_SIGNAL = SHELL_URI + "/Signal"

# Windows WinRM fault codes (winerror.h / [MS-WSMV]).
TIMED_OUT = 2150858793  # ERROR_WSMAN_OPERATION_TIMEDOUT: Receive with nothing to say yet
SHELL_NOT_FOUND = 2150858843  # ERROR_WSMAN_INVALID_SELECTORS / shell not found
QUOTA_SHELLS = 2150859174  # ERROR_WSMAN_QUOTA_MAX_SHELLS
ACTION_NOT_SUPPORTED = 2150858776  # ERROR_WSMAN_ACTION_NOT_SUPPORTED
BAD_XML = 2150858817  # ERROR_WSMAN_INVALID_XML (WSMAN_E_BAD_XML)
INVALID_TIMEOUT = 2150858767  # a w:OperationTimeout that is not an xs:duration


class SoapError(ValueError):
    def __init__(self, code: int, reason: str, subcode: str = "w:InvalidMessageInformationHeader") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.subcode = subcode


@dataclass
class Request:
    action: str
    message_id: str
    resource_uri: str
    shell_id: str | None
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element | None = None
    operation_timeout_s: float | None = None  # w:OperationTimeout of the header, None when absent


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> float:
    """An xs:duration as WS-Management sends timeouts ("PT20S", "PT60.000S", "PT1M30S") → seconds."""
    match = _DURATION.match(text.strip())
    if not match or not any(match.groups()):
        # Windows answers a malformed timeout with fault 2150858767, "The XML contains an invalid timeout field in the
        # SOAP header" (quoted in NetDocuments-Archive/rd-winrm-plugin#3).
        raise SoapError(
            INVALID_TIMEOUT,
            f"The WS-Management service cannot process the request. The XML contains an "
            f"invalid timeout field in the SOAP header: {text}.",
            "w:InvalidMessageInformationHeader",
        )
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_request(data: bytes) -> Request:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SoapError(BAD_XML, "The WS-Management service cannot process the request because the XML is invalid.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise SoapError(
            BAD_XML, f"The WS-Management service cannot process the request because the XML is invalid: {error}"
        ) from error
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None:
        raise SoapError(BAD_XML, "The SOAP envelope has no header.")

    def text(path: str) -> str:
        node = header.find(path, NS)  # type: ignore[union-attr]
        return (node.text or "").strip() if node is not None else ""

    shell = next((s.text for s in header.findall("w:SelectorSet/w:Selector", NS) if s.get("Name") == "ShellId"), None)
    options = {o.get("Name", ""): (o.text or "") for o in header.findall("w:OptionSet/w:Option", NS)}
    timeout = text("w:OperationTimeout")
    return Request(
        text("a:Action"),
        text("a:MessageID"),
        text("w:ResourceURI"),
        shell,
        options,
        body,
        parse_duration(timeout) if timeout else None,
    )


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xml:lang="en-US" xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{NS["x"]}" '
        f'xmlns:w="{NS["w"]}" xmlns:rsp="{NS["rsp"]}" xmlns:p="{NS["p"]}">'
        "<s:Header>"
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        "</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def created_response(req: Request, shell_id: str, address: str) -> bytes:
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{CMD_RESOURCE}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
        f"<rsp:ResourceUri>{CMD_RESOURCE}</rsp:ResourceUri><rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
    )
    return _envelope(ACTION_CREATE + "Response", req.message_id, body)


def command_response(req: Request, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return _envelope(ACTION_COMMAND + "Response", req.message_id, body)


def empty_response(req: Request, action: str, element: str | None = None) -> bytes:
    return _envelope(action + "Response", req.message_id, f"<{element}/>" if element else "")


def receive_response(req: Request, command_id: str, stdout: bytes, stderr: bytes, exit_code: int | None) -> bytes:
    cid = quoteattr(command_id)
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in (("stdout", stdout), ("stderr", stderr)):
        if data:
            parts.append(f'<rsp:Stream Name="{name}" CommandId={cid}>{base64.b64encode(data).decode()}</rsp:Stream>')
        if exit_code is not None:
            parts.append(f'<rsp:Stream Name="{name}" CommandId={cid} End="true"></rsp:Stream>')
    if exit_code is None:
        parts.append(f'<rsp:CommandState CommandId={cid} State="{SHELL_URI}/CommandState/Running"/>')
    else:
        parts.append(
            f'<rsp:CommandState CommandId={cid} State="{SHELL_URI}/CommandState/Done">'
            f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>"
        )
    parts.append("</rsp:ReceiveResponse>")
    return _envelope(ACTION_RECEIVE + "Response", req.message_id, "".join(parts))


def fault_response(relates_to: str, error: SoapError) -> bytes:
    body = (
        "<s:Fault><s:Code><s:Value>s:Receiver</s:Value>"
        f"<s:Subcode><s:Value>{escape(error.subcode)}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(error.reason)}</s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="{NS["f"]}" Code="{error.code}" Machine="localhost">'
        f"<f:Message>{escape(error.reason)}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to or "uuid:0", body)


def stdin_of(body: ET.Element) -> tuple[str, bytes, bool]:
    stream = body.find("rsp:Send/rsp:Stream", NS)
    if stream is None:
        raise SoapError(BAD_XML, "Send without a stdin stream.")
    data = base64.b64decode(stream.text or "")
    return stream.get("CommandId", ""), data, stream.get("End", "false").lower() == "true"


def command_id_of(body: ET.Element) -> str:
    """The CommandId a Send, Receive or Signal refers to ("" for other requests)."""
    for path in ("rsp:Send/rsp:Stream", "rsp:Receive/rsp:DesiredStream", "rsp:Signal"):
        element = body.find(path, NS)
        if element is not None:
            return element.get("CommandId", "")
    return ""


def command_line_of(body: ET.Element) -> str:
    command = body.find("rsp:CommandLine/rsp:Command", NS)
    arguments = body.findall("rsp:CommandLine/rsp:Arguments", NS)
    words = [(command.text or "") if command is not None else ""] + [a.text or "" for a in arguments]
    return " ".join(w for w in words if w)
