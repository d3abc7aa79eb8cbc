"""Parsing requests and building responses of the WS-Management remote shell protocol ([MS-WSMV]).

Names, actions and layout as Windows' WinRM service uses them (and as pywinrm's winrm/protocol.py sends and reads
them). XML goes through defusedxml with DTDs forbidden, so no entity expansion or external reference reaches it.
"""

from __future__ import annotations

import base64
import binascii
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from winlab.wsman.faults import WsmanFault, bad_xml

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
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
SIGNAL_TERMINATE = SHELL_URI + "/signal/terminate"
SIGNAL_CTRL_C = SHELL_URI + "/signal/ctrl_c"


@dataclass(frozen=True)
class Request:
    """The parts of a WS-Man request the shell service acts on."""

    action: str
    message_id: str
    resource_uri: str
    shell_id: str | None
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element | None = None
    operation_timeout_s: float | None = None


def parse_request(data: bytes) -> Request:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise bad_xml(f"DTDs and entities are not accepted ({type(error).__name__}).") from error
    except ET.ParseError as error:
        raise bad_xml(str(error)) from error
    if root.tag != f"{{{NS['s']}}}Envelope":
        raise bad_xml("The root element is not a SOAP 1.2 Envelope.")
    header = root.find("s:Header", NS)
    if header is None:
        raise bad_xml("The SOAP envelope has no Header.")
    selectors = {s.get("Name", ""): (s.text or "").strip() for s in header.findall("w:SelectorSet/w:Selector", NS)}
    options = {o.get("Name", ""): (o.text or "").strip() for o in header.findall("w:OptionSet/w:Option", NS)}
    return Request(
        action=_text(header, "a:Action"),
        message_id=_text(header, "a:MessageID"),
        resource_uri=_text(header, "w:ResourceURI"),
        shell_id=selectors.get("ShellId"),
        options=options,
        body=root.find("s:Body", NS),
        operation_timeout_s=_duration_s(_text(header, "w:OperationTimeout")),
    )


def _text(parent: ET.Element, path: str) -> str:
    node = parent.find(path, NS)
    return (node.text or "").strip() if node is not None else ""


def _duration_s(value: str) -> float | None:
    """xs:duration as WS-Man clients send it for OperationTimeout (PT20S, PT20.000S); None when absent or odd."""
    if not (value.startswith("PT") and value.endswith("S")):
        return None
    try:
        return float(value[2:-1])
    except ValueError:
        return None


# -- request bodies ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShellSpec:
    """rsp:Shell of a Create."""

    working_directory: str | None
    environment: dict[str, str]


def shell_spec_of(body: ET.Element | None) -> ShellSpec:
    shell = body.find("rsp:Shell", NS) if body is not None else None
    if shell is None:
        return ShellSpec(None, {})
    workdir = shell.findtext("rsp:WorkingDirectory", None, NS)
    environment = {v.get("Name", ""): v.text or "" for v in shell.findall("rsp:Environment/rsp:Variable", NS)}
    return ShellSpec(workdir.strip() if workdir else None, environment)


def command_line_of(body: ET.Element | None) -> str:
    """rsp:Command plus every rsp:Arguments, joined by spaces (WinRS hands cmd.exe one line)."""
    line = body.find("rsp:CommandLine", NS) if body is not None else None
    if line is None:
        raise bad_xml("The Command request has no rsp:CommandLine.")
    words = [line.findtext("rsp:Command", "", NS).strip()] + [a.text or "" for a in line.findall("rsp:Arguments", NS)]
    return " ".join(word for word in words if word)


@dataclass(frozen=True)
class StdinChunk:
    command_id: str
    data: bytes
    end: bool


def stdin_of(body: ET.Element | None) -> StdinChunk:
    stream = body.find("rsp:Send/rsp:Stream", NS) if body is not None else None
    if stream is None or stream.get("Name", "stdin") != "stdin":
        raise bad_xml("The Send request has no stdin rsp:Stream.")
    try:
        data = base64.b64decode(stream.text or "", validate=True)
    except (binascii.Error, ValueError) as error:
        raise bad_xml("The stdin stream is not base64.") from error
    return StdinChunk(stream.get("CommandId", ""), data, stream.get("End", "false").lower() == "true")


def receive_command_id(body: ET.Element | None) -> str:
    stream = body.find("rsp:Receive/rsp:DesiredStream", NS) if body is not None else None
    if stream is None:
        raise bad_xml("The Receive request has no rsp:DesiredStream.")
    return stream.get("CommandId", "")


@dataclass(frozen=True)
class SignalSpec:
    command_id: str
    code: str


def signal_of(body: ET.Element | None) -> SignalSpec:
    signal = body.find("rsp:Signal", NS) if body is not None else None
    if signal is None:
        raise bad_xml("The Signal request has no rsp:Signal.")
    return SignalSpec(signal.get("CommandId", ""), signal.findtext("rsp:Code", "", NS).strip())


# -- responses --------------------------------------------------------------------------------------------------
def _envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        '<s:Envelope xml:lang="en-US" '
        f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{NS["x"]}" xmlns:w="{NS["w"]}" '
        f'xmlns:rsp="{NS["rsp"]}" xmlns:p="{NS["p"]}">'
        "<s:Header>"
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        "</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def created_response(req: Request, shell_id: str, address: str) -> bytes:
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{CMD_RESOURCE}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{escape(shell_id)}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{escape(shell_id)}</rsp:ShellId>"
        f"<rsp:ResourceUri>{CMD_RESOURCE}</rsp:ResourceUri><rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
    )
    return _envelope(ACTION_CREATE + "Response", req.message_id, body)


def command_response(req: Request, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{escape(command_id)}</rsp:CommandId></rsp:CommandResponse>"
    return _envelope(ACTION_COMMAND + "Response", req.message_id, body)


def empty_response(req: Request, action: str, element: str | None = None) -> bytes:
    return _envelope(action + "Response", req.message_id, f"<{element}/>" if element else "")


def receive_response(req: Request, command_id: str, stdout: bytes, stderr: bytes, exit_code: int | None) -> bytes:
    """Output streams, then CommandState: Running, or Done with the exit code and End="true" on both streams."""
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


def fault_response(relates_to: str, fault: WsmanFault) -> bytes:
    body = (
        f"<s:Fault><s:Code><s:Value>{fault.value}</s:Value>"
        f"<s:Subcode><s:Value>{escape(fault.subcode)}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(fault.reason)}</s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="{NS["f"]}" Code="{fault.code}" Machine="127.0.0.1">'
        f"<f:Message>{escape(fault.reason)}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope(FAULT_ACTION, relates_to, body)
