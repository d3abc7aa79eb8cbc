"""cmd.exe command-line syntax: %VAR% expansion, quoting, ^ escapes, & && || |, ( ), redirections.

Behaviour follows cmd.exe as documented by Microsoft (`cmd /?`, "Command shell overview", "Using command
redirection operators") and well-known cmd quirks: %VAR% is expanded once for the whole line before anything runs
(so %ERRORLEVEL% is the value from before the line); an undefined %VAR% stays as typed in command-line mode;
`&` binds loosest, then `&&` and `||`, then `|`; `echo x & y` echoes "x " including the space; `)` closes a block only
inside one; `if` takes the rest of the line as its body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_VAR_RE = re.compile(r"%([^%\s=:][^%=:]*?)(?::([^%=]*)=([^%]*))?%")


def expand_variables(line: str, env: Mapping[str, str]) -> str:
    lowered = {k.lower(): v for k, v in env.items()}

    def replace(match: re.Match[str]) -> str:
        value = lowered.get(match.group(1).lower())
        if value is None:
            return match.group(0)
        if match.group(2) is not None:
            old, new = match.group(2), match.group(3)
            if old:
                value = re.sub(re.escape(old), lambda _m: new, value, flags=re.IGNORECASE)
        return value

    return _VAR_RE.sub(replace, line)


@dataclass
class Redirect:
    fd: int  # 0 stdin, 1 stdout, 2 stderr
    mode: str  # "<", ">", ">>", ">&"
    target: str  # a path, "nul", or "1"/"2" for >&


@dataclass
class Simple:
    words: list[str]  # as typed, quotes kept
    raw_args: str  # the text after the command name, as typed (for echo and tools that parse their own line)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Block:
    body: Node
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    negate: bool
    kind: str  # "exist" | "errorlevel" | "compare"
    operands: list[str]
    ignore_case: bool
    body: Node
    otherwise: Node | None = None  # the ELSE branch


@dataclass
class Binary:
    op: str  # "&", "&&", "||", "|"
    left: Node
    right: Node


Node = Simple | Block | If | Binary


class ParseError(ValueError):
    """What cmd.exe reports as "The syntax of the command is incorrect." (or the unexpected token)."""


@dataclass
class _Tok:
    kind: str  # "word" | "op" | "redir"
    text: str
    start: int
    end: int
    fd: int = 1


_OPS = ("&&", "||", "&", "|")


def tokenize(line: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n, depth = 0, len(line), 0
    while i < n:
        c = line[i]
        if c in " \t,;=" and c in " \t":
            i += 1
            continue
        if c == "(" and _at_command_start(toks):
            toks.append(_Tok("op", "(", i, i + 1))
            depth += 1
            i += 1
            continue
        if c == ")" and depth > 0:
            toks.append(_Tok("op", ")", i, i + 1))
            depth -= 1
            i += 1
            continue
        op = next((o for o in _OPS if line.startswith(o, i)), None)
        if op:
            toks.append(_Tok("op", op, i, i + len(op)))
            i += len(op)
            continue
        if c in "<>" or (c in "12" and i + 1 < n and line[i + 1] == ">" and _word_boundary(line, i)):
            i = _redirection(line, i, toks)
            continue
        start = i
        text: list[str] = []
        quoted = False
        while i < n:
            c = line[i]
            if c == '"':
                quoted = not quoted
                text.append(c)
                i += 1
                continue
            if not quoted:
                if c == "^" and i + 1 < n:
                    text.append(line[i + 1])
                    i += 2
                    continue
                if c in " \t<>&|" or (c == ")" and depth > 0):
                    break
            text.append(c)
            i += 1
        toks.append(_Tok("word", "".join(text), start, i))
    return toks


def _at_command_start(toks: list[_Tok]) -> bool:
    return (
        not toks or (toks[-1].kind == "op" and toks[-1].text != ")") or _after_if_condition(toks) or _after_else(toks)
    )


def _after_else(toks: list[_Tok]) -> bool:
    """`) else (`: the ELSE of an IF whose command was a parenthesised block."""
    return len(toks) >= 2 and toks[-1].kind == "word" and toks[-1].text.lower() == "else" and toks[-2].text == ")"


def _after_if_condition(toks: list[_Tok]) -> bool:
    words: list[str] = []
    for tok in reversed(toks):
        if tok.kind != "word":
            break
        words.insert(0, tok.text.lower())
    if not words or words[0] != "if":
        return False
    rest = [w for w in words[1:] if w not in ("/i", "not")]
    if rest and rest[0] in ("exist", "errorlevel"):
        return len(rest) == 2
    return (len(rest) == 1 and "==" in rest[0]) or len(rest) == 3


def _word_boundary(line: str, i: int) -> bool:
    return i == 0 or line[i - 1] in " \t&|()"


def _redirection(line: str, i: int, toks: list[_Tok]) -> int:
    start = i
    fd = 1
    if line[i] in "12":
        fd = int(line[i])
        i += 1
    if line[i] == "<":
        mode, fd, i = "<", 0, i + 1
    elif line.startswith(">>", i):
        mode, i = ">>", i + 2
    else:
        mode, i = ">", i + 1
    if mode == ">" and line.startswith("&", i) and i + 1 < len(line) and line[i + 1] in "12":
        toks.append(_Tok("redir", ">&" + line[i + 1], start, i + 2, fd))
        return i + 2
    while i < len(line) and line[i] in " \t":
        i += 1
    target_start = i
    quoted = False
    while i < len(line) and (quoted or line[i] not in " \t<>&|)"):
        if line[i] == '"':
            quoted = not quoted
        i += 1
    toks.append(_Tok("redir", mode + line[target_start:i], start, i, fd))
    return i


class _Parser:
    def __init__(self, line: str) -> None:
        self.line = line
        self.toks = tokenize(line)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse(self) -> Node:
        node = self.sequence()
        if self.peek() is not None:
            raise ParseError(f"{self.peek().text} was unexpected at this time.")  # type: ignore[union-attr]
        return node

    def sequence(self) -> Node:
        node = self.conditional()
        while (tok := self.peek()) is not None and tok.text == "&" and tok.kind == "op":
            self.pos += 1
            if (nxt := self.peek()) is None or nxt.text == ")":
                break
            node = Binary("&", node, self.conditional())
        return node

    def conditional(self) -> Node:
        node = self.pipeline()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in ("&&", "||"):
            self.pos += 1
            node = Binary(tok.text, node, self.pipeline())
        return node

    def pipeline(self) -> Node:
        node = self.command()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "|":
            self.pos += 1
            node = Binary("|", node, self.command())
        return node

    def command(self) -> Node:
        tok = self.peek()
        if tok is None or (tok.kind == "op" and tok.text != "("):
            raise ParseError(f"{tok.text if tok else 'end of line'} was unexpected at this time.")
        if tok.text == "(" and tok.kind == "op":
            self.pos += 1
            body = self.sequence()
            close = self.peek()
            if close is None or close.text != ")":
                raise ParseError("The syntax of the command is incorrect.")
            self.pos += 1
            return Block(body, self.redirects())
        if tok.kind == "word" and tok.text.lower() == "if":
            return self.if_command()
        return self.simple()

    def redirects(self) -> list[Redirect]:
        found: list[Redirect] = []
        while (tok := self.peek()) is not None and tok.kind == "redir":
            self.pos += 1
            found.append(_redirect(tok))
        return found

    def simple(self) -> Simple:
        words: list[_Tok] = []
        redirects: list[Redirect] = []
        spans: list[tuple[int, int]] = []
        while (tok := self.peek()) is not None and tok.kind != "op":
            self.pos += 1
            if tok.kind == "redir":
                redirects.append(_redirect(tok))
                spans.append((tok.start, tok.end))
            else:
                words.append(tok)
        if not words:
            raise ParseError("The syntax of the command is incorrect.")
        end = self.peek().start if self.peek() is not None else len(self.line)  # type: ignore[union-attr]
        raw = self.line[words[0].end : end]
        for s, e in sorted(spans, reverse=True):
            if s >= words[0].end:
                raw = raw[: s - words[0].end] + raw[e - words[0].end :]
        return Simple([w.text for w in words], raw, redirects)

    def if_command(self) -> If:
        self.pos += 1
        negate, ignore_case = False, False
        words: list[str] = []
        while (tok := self.peek()) is not None and tok.kind == "word":
            low = tok.text.lower()
            if low == "/i" and not words:
                ignore_case = True
            elif low == "not" and not words:
                negate = True
            else:
                words.append(tok.text)
            self.pos += 1
            if words and words[0].lower() in ("exist", "errorlevel") and len(words) == 2:
                break
            if words and words[0].lower() not in ("exist", "errorlevel") and "==" in words[0]:
                break
        if not words:
            raise ParseError("The syntax of the command is incorrect.")
        kind = words[0].lower() if words[0].lower() in ("exist", "errorlevel") else "compare"
        operands = words[1:] if kind != "compare" else words[0].split("==", 1)
        body = self.sequence()
        # `if /?`: "The ELSE clause must occur on the same line as the command after the IF", after a parenthesised
        # command (learn.microsoft.com/windows-server/administration/windows-commands/if). After a bare command the
        # word else is that command's argument, as on Windows.
        tok = self.peek()
        if isinstance(body, Block) and tok is not None and tok.kind == "word" and tok.text.lower() == "else":
            self.pos += 1
            return If(negate, kind, operands, ignore_case, body, self.sequence())
        return If(negate, kind, operands, ignore_case, body)


def _redirect(tok: _Tok) -> Redirect:
    text = tok.text
    if text.startswith(">&"):
        return Redirect(tok.fd, ">&", text[2:])
    for mode in (">>", "<", ">"):
        if text.startswith(mode):
            return Redirect(tok.fd, mode, text[len(mode) :].strip().strip('"'))
    raise ParseError(text)


def parse(line: str) -> Node:
    return _Parser(line).parse()


def unquote(word: str) -> str:
    return word.replace('"', "")
