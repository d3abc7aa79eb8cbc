"""The fidelity ledger (tests/lab/FIDELITY.md) as data, and the checks that keep it honest:

- every command the collection sends (program and verb, per OS family) has a row;
- the README's "Known limits" list exactly the rows whose status says unconfirmed.

Command lines are split the way cmd.exe splits them, with the lab's parser of cmd syntax (winlab.host.cmdparse).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from winlab.host import cmdparse
from winlab.host.cmdparse import Binary, Block, If, Node, ParseError, Simple
from winlab.host.tools_servicing import family_of_build

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "tests" / "lab" / "FIDELITY.md"
README = ROOT / "README.md"
FAMILIES = ("2003", "vista_2008", "7_2008r2")
LATER = "later"  # Windows 8 / Server 2012 and newer: only the probe goes there, which decides them not_applicable
_KNOWN_BY_PATH = {"spuninst"}  # programs the collection runs by a full path that are not the update package
_FIRST_SWITCH = {"dism", "pkgmgr", "schtasks", "shutdown", "start", "expand"}
_CERTUTIL_OPTIONS = {"-f", "-split", "-v"}
_SWITCH_OPTIONS = {"/online", "/quiet", "/norestart"}

Command = tuple[str, str | None]  # (program, verb)


@dataclass(frozen=True)
class Row:
    table: str  # the section heading the row is under
    element: str  # the first cell, as written
    families: frozenset[str]
    status: str

    @property
    def unconfirmed(self) -> bool:
        return "unconfirmed" in self.status

    @property
    def command(self) -> Command | None:
        """`reg query` → ("reg", "query"); `echo` → ("echo", None); rows of the WinRM table → None."""
        match = re.fullmatch(r"`([^`]+)`", self.element.strip())
        if not self.table.startswith("Commands") or match is None:
            return None
        words = match.group(1).strip().split(" ", 1)
        verb = words[1].strip().lower() if len(words) > 1 else ""
        return words[0].lower(), (verb or None)


def _cells(line: str) -> list[str]:
    """A markdown table row's cells; `\\|` inside a cell is a literal bar."""
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _families(cell: str) -> frozenset[str]:
    names = {name.strip() for name in cell.split(",")}
    if "all" in names:
        return frozenset((*FAMILIES, LATER))
    unknown = names - {*FAMILIES, LATER}
    if unknown:
        raise ValueError(f"FIDELITY.md: unknown OS family {sorted(unknown)} in {cell!r}")
    return frozenset(names)


def rows(text: str | None = None) -> list[Row]:
    found: list[Row] = []
    table = ""
    header: list[str] = []
    for line in (text if text is not None else LEDGER.read_text()).splitlines():
        if line.startswith("## "):
            table, header = line[3:].strip(), []
            continue
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if not header:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        by = dict(zip(header, cells, strict=True))
        found.append(Row(table, cells[0], _families(by["os family"]), by["status"]))
    return found


def family_of(build: int) -> str:
    return family_of_build(build) or LATER


def commands_of(line: str) -> list[Command]:
    """The commands a cmd.exe line runs (as cmd.exe /c runs it), in order."""
    try:
        node = cmdparse.parse(line)
    except ParseError:
        return [("(a line cmd.exe cannot parse)", line)]
    return list(_walk(node))


def _walk(node: Node) -> Iterable[Command]:
    if isinstance(node, Binary):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, Block | If):
        yield from _walk(node.body)
        if isinstance(node, If) and node.otherwise is not None:  # an ELSE branch runs commands too
            yield from _walk(node.otherwise)
    elif isinstance(node, Simple):
        yield from _simple([cmdparse.unquote(word) for word in node.words])


def _simple(words: list[str]) -> Iterable[Command]:
    first, args = words[0], words[1:]
    base = first.replace("/", "\\").rsplit("\\", 1)[-1].lower().removesuffix(".exe")
    if base.startswith("echo"):
        base = "echo"
    elif "\\" in first and base not in _KNOWN_BY_PATH:
        base = "update.exe"  # the 2003 package, run by its path
    yield base, _verb(base, args)
    if base == "start":
        rest = args
        while rest and rest[0].startswith("/"):
            rest = rest[1:]
        if rest:
            yield from _simple(rest)


def _verb(program: str, args: list[str]) -> str | None:
    if program in ("reg", "wmic"):
        return args[0].lower() if args else None
    if program == "vssadmin":
        return " ".join(args[:2]).lower() or None
    if program == "certutil":
        return next((a.lower() for a in args if a.startswith("-") and a.lower() not in _CERTUTIL_OPTIONS), None)
    if program in _FIRST_SWITCH:
        switches = (a.split(":", 1)[0].lower() for a in args if a[:1] in "/-")
        return next((s for s in switches if s not in _SWITCH_OPTIONS), None)
    return None


def missing(sent: dict[str, Iterable[str]], ledger: list[Row] | None = None) -> list[str]:
    """Commands in `sent` (family → command lines) that no row covers for that family, described."""
    covered = {(row.command, family) for row in (ledger or rows()) if row.command for family in row.families}
    gaps: dict[tuple[Command, str], str] = {}
    for family, lines in sent.items():
        for line in lines:
            for command in commands_of(line):
                if (command, family) not in covered:
                    gaps.setdefault((command, family), line)
    return [
        f"{program}{' ' + verb if verb else ''} ({family}), sent as: {line[:160]}"
        for ((program, verb), family), line in sorted(gaps.items(), key=lambda item: str(item[0]))
    ]


_LIMIT = re.compile(r"^\s+- (?P<element>.+?) \((?P<families>[a-z0-9_, ]+)\): ")


def readme_unconfirmed(text: str | None = None) -> set[tuple[str, str]]:
    """(element, families) of each bullet under the README's list of what is not confirmed on real hosts."""
    readme = text if text is not None else README.read_text()
    limits = readme.split("\n## Known limits\n", 1)[1].split("\n## ", 1)[0]
    block = limits.split("<!-- unconfirmed ledger rows -->", 2)[1]
    return {(m.group("element"), m.group("families")) for m in map(_LIMIT.match, block.splitlines()) if m}


def ledger_unconfirmed(ledger: list[Row] | None = None) -> set[tuple[str, str]]:
    return {(row.element, _family_text(row.families)) for row in (ledger or rows()) if row.unconfirmed}


def _family_text(families: frozenset[str]) -> str:
    if {*FAMILIES, LATER} <= families:
        return "all"
    return ", ".join(f for f in (*FAMILIES, LATER) if f in families)
