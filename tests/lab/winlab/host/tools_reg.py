"""reg.exe: query, add, delete.

Formats (tests/lab/FIDELITY.md, reg rows; Microsoft's "reg query" reference for the options and exit codes): Vista+
prints a blank line, the key, values indented 4 spaces and separated by 4 spaces, a blank line, then subkeys;
XP/2003 reg.exe 3.0 prints "! REG.EXE VERSION 3.0" and a blank line first and separates with tabs. Errors are
localised and go to stderr with exit code 1.
"""

from __future__ import annotations

from winlab.host.registry import RegKey
from winlab.host.tools import ToolContext, register_tool

_MISSING = (
    "ERROR: The system was unable to find the specified registry key or value.",
    "FEHLER: Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.",
)
_SYNTAX = (
    'ERROR: Invalid syntax.\r\nType "REG QUERY /?" for usage.',
    'FEHLER: Ungültige Syntax.\r\nGeben Sie "REG QUERY /?" ein, um die Syntax anzuzeigen.',
)


def _options(argv: list[str]) -> tuple[list[str], dict[str, str | None]]:
    positional: list[str] = []
    options: dict[str, str | None] = {}
    it = iter(argv)
    for arg in it:
        if arg.startswith("/") and len(arg) > 1:
            name = arg[1:].lower()
            options[name] = next(it, None) if name in ("v", "f", "t", "d", "se") else None
        else:
            positional.append(arg)
    return positional, options


def _value_line(ctx: ToolContext, name: str, kind: str, data: str) -> str:
    sep = "\t" if ctx.machine.is_2003 else "    "
    shown = name or ("<NO NAME>" if ctx.machine.is_2003 else "(Default)")
    return f"    {shown}{sep}{kind}{sep}{data}".rstrip(" ") if not data else f"    {shown}{sep}{kind}{sep}{data}"


def _header(ctx: ToolContext) -> None:
    ctx.print()
    if ctx.machine.is_2003:
        ctx.print("! REG.EXE VERSION 3.0")
        ctx.print()


def _print_key(ctx: ToolContext, key: RegKey, only: str | None) -> bool:
    values = [v for v in key.values.values() if only is None or v.name.lower() == only.lower()]
    if only is not None and not values:
        return False
    ctx.print(key.path)
    for value in values:
        ctx.print(_value_line(ctx, value.name, value.type, value.data))
    ctx.print()
    return True


@register_tool("reg")
def reg(ctx: ToolContext) -> int:
    if not ctx.argv:
        ctx.error(ctx.text(*_SYNTAX))
        return 1
    verb = ctx.argv[0].lower()
    positional, options = _options(ctx.argv[1:])
    if not positional:
        ctx.error(ctx.text(*_SYNTAX))
        return 1
    handler = {"query": _query, "add": _add, "delete": _delete}.get(verb)
    if handler is None:
        ctx.error(ctx.text(*_SYNTAX))
        return 1
    return handler(ctx, positional[0], options)


def _query(ctx: ToolContext, path: str, options: dict[str, str | None]) -> int:
    registry = ctx.machine.registry
    key = registry.key(path)
    if key is None:
        ctx.error(ctx.text(*_MISSING))
        return 1
    if "f" in options:
        if ctx.machine.is_2003:  # reg.exe 3.0 has no /f
            ctx.error(ctx.text(*_SYNTAX))
            return 1
        needle = (options["f"] or "").lower()
        matches = [k for k in registry.descendants(path) if needle in k.path.rsplit("\\", 1)[-1].lower()]
        ctx.print()
        for match in matches:
            ctx.print(match.path)
        ctx.print()
        # The trailer is localised; its German wording here is reconstructed (the collection never reads it).
        ctx.print(
            ctx.text(
                f"End of search: {len(matches)} match(es) found.",
                f"Suche beendet: {len(matches)} Übereinstimmung(en) gefunden.",
            )
        )
        return 0 if matches else 1
    only = options.get("v") if "v" in options else ("" if "ve" in options else None)
    _header(ctx)
    keys = [key, *registry.descendants(path)] if "s" in options else [key]
    found = False
    for each in keys:
        found = _print_key(ctx, each, only) or found
    if only is None and "s" not in options:
        for sub in registry.subkeys(path):
            ctx.print(sub.path)
    if only is not None and not found:
        ctx.out.clear()
        ctx.error(ctx.text(*_MISSING))
        return 1
    return 0


def _add(ctx: ToolContext, path: str, options: dict[str, str | None]) -> int:
    if "v" in options:
        ctx.machine.registry.set_value(path, options["v"] or "", options.get("t") or "REG_SZ", options.get("d") or "")
    else:
        ctx.machine.registry.ensure_key(path)
    ctx.print(ctx.text("The operation completed successfully.", "Der Vorgang wurde erfolgreich beendet."))
    return 0


def _delete(ctx: ToolContext, path: str, options: dict[str, str | None]) -> int:
    registry = ctx.machine.registry
    done = registry.delete_value(path, options["v"] or "") if "v" in options else registry.delete_key(path)
    if not done:
        ctx.error(ctx.text(*_MISSING))
        return 1
    ctx.print(ctx.text("The operation completed successfully.", "Der Vorgang wurde erfolgreich beendet."))
    return 0
