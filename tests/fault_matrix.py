"""The fault matrix: every fault, bad input and secret case the collection promises to survive, with its outcome.

Each row is proven by one or more tests marked `@pytest.mark.fault("<row id>")` (most against the lab, in
tests/integration; the parser fuzzing in tests/unit). `make integration` prints the matrix with the result of every
row it ran, and tests/integration/test_fault_matrix.py checks that every row has a test and that the README's
Safety section shows this table, so the promise and the proof cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Row:
    id: str
    case: str
    outcome: str


ROWS = (
    Row(
        "unreachable",
        "host down or port closed",
        "the host fails with `cannot reach the WinRM endpoint`, naming endpoint and transport; other hosts go on; "
        "the report lists it `unknown` with the reason",
    ),
    Row(
        "auth-refused",
        "wrong password, or a transport the host does not accept",
        "`authentication failed`, naming endpoint and transport; the password is not in the message",
    ),
    Row(
        "tls-untrusted",
        "HTTPS endpoint whose certificate the controller does not trust",
        "`TLS failure`, pointing at `ansible_winrm_ca_trust_path`; nothing runs on the host",
    ),
    Row(
        "tls-trusted",
        "HTTPS endpoint with the CA given, or validation turned off by the user",
        "the run works; validation is on unless `ansible_winrm_server_cert_validation=ignore`",
    ),
    Row(
        "timeout",
        "host slower than the read timeout",
        "`timed out`, naming endpoint and transport; a slow host within the timeout works",
    ),
    Row(
        "quiet-installer",
        "installer silent for several operation timeouts (the host answers each Receive with w:TimedOut)",
        "the connection asks again until it ends; the host ends `compliant`",
    ),
    Row(
        "command-timeout",
        "installer still running at `ansible_winrs_command_timeout`",
        "the host fails naming the installer, endpoint and limit; it is not stopped; the lock and the work folder are "
        "left in place and named; nothing is restarted; a later run refuses on the lock",
    ),
    Row(
        "request-size",
        "requests above the host's 150 KB MaxEnvelopeSizekb (the lab refuses them with HTTP 413)",
        "every request fits, message encryption included; a `transfer_chunk_size` that cannot fit is refused before "
        "anything is sent",
    ),
    Row(
        "cut-mid-transfer",
        "connection cut while the package is sent",
        "nothing under the final name, nothing installed or restarted; a rerun completes the job",
    ),
    Row(
        "cut-during-install",
        "connection cut while the installer runs",
        "the host fails saying the installer may have finished; work folder and lock are cleaned up over a new "
        "connection; no restart is scheduled; a rerun completes the job",
    ),
    Row(
        "corrupt-package",
        "package whose SHA-256 differs from SHA256SUMS",
        "`SHA-256 mismatch` naming the file and both hashes; nothing is sent, installed or restarted",
    ),
    Row(
        "missing-package",
        "package absent from the package folder",
        "the error names the package and the folder; nothing is sent, installed or restarted",
    ),
    Row(
        "wrong-package",
        "package for another product or architecture (right hash, wrong file), for dism, pkgmgr and update.exe",
        "nothing is installed, as the host's state shows afterwards; the installer's exit code is reported verbatim "
        "with its documented meaning (DISM's 0x800f081e `not applicable`) or as undocumented; nothing is restarted",
    ),
    Row(
        "disk-full",
        "no space left on the target",
        "`not enough space`; no file under the final name",
    ),
    Row(
        "installer-exit-codes",
        "installer exits 0, 1603, 0x800f081e, 2359302 or an unknown code without installing anything",
        "decided from the host's state, not the code: a failure, even for exit 0; each code reported verbatim with "
        "its documented meaning (2359302 and 0x80240017 as Windows Update agent codes) or as undocumented; the host "
        "is not restarted",
    ),
    Row(
        "restart-never-returns",
        "host goes down for its restart and never comes back",
        "bounded wait, then a failure naming the timeout; the report says `reboot_pending`",
    ),
    Row(
        "bad-probe-output",
        "garbled or truncated probe output, a de-DE host, a host without wmic",
        "`unknown` with the reason, or the right status; no crash",
    ),
    Row(
        "injection-paths",
        'target paths with `% " * ?` or relative paths',
        "refused before anything is sent (the lab's command log is unchanged)",
    ),
    Row(
        "injection-variables",
        "user variables (package folder and names, URL, host path, restart time and delay) with "
        '`& | < > ^ " % !` and spaces',
        "quoted correctly or refused before anything is sent; no extra command runs on the host",
    ),
    Row(
        "cmd-quotes",
        "command lines that start with a quote (the 2003 installer), through cmd.exe /c's quote rule",
        "each runs exactly as written, and nothing else runs",
    ),
    Row(
        "report-markup",
        "host names and reasons holding HTML or CSV formulas",
        "escaped in report.html; CSV cells starting with `= + - @` are neutralised",
    ),
    Row(
        "report-templates",
        "parts for `report_merge` (extra variables, trusted as templates) holding Jinja such as "
        "`{{ lookup('pipe', …) }}` in a host's values",
        "read as data, never rendered on the controller: the report and the failure message show the text as it is",
    ),
    Row(
        "concurrent-runs",
        "a second run against a host while one holds it",
        "the second refuses before it changes anything, naming the holder and since when",
    ),
    Row(
        "stale-lock",
        "a lock left by a dead run (ansible-playbook killed while its installer ran, as AWX's cancel does)",
        "later runs refuse while it is younger than `volsnap_lock_max_age_s`, naming its run and age, then break it, "
        "saying whose it was and how old (warning, `-v`, result `lock_broken`)",
    ),
    Row(
        "lock-not-created",
        "the lock folder cannot be made for another reason (access denied)",
        "the host fails with that reason, not as another run; nothing is changed",
    ),
    Row(
        "restart-reply-lost",
        "the connection is cut while `shutdown` answers",
        "the restart is confirmed by the host's new boot time; the host ends `compliant`",
    ),
    Row(
        "host-time-zone",
        "a host five hours ahead of the controller; a restart delay beyond `shutdown /t`'s limit",
        "the task starts at the host's local time, computed from the host's clock",
    ),
    Row(
        "secrets",
        "password, NTLM and Kerberos material at `-vvvvv`, in ansible-runner events and artifacts, in every report "
        "file",
        "never present (tests grep for the password, the Authorization header, NTLM and Kerberos tokens); the "
        "private Kerberos credential cache is gone after the run",
    ),
    Row(
        "kerberos",
        "Kerberos: wrong password, unknown user, KDC down, no service principal for the host",
        "`kinit failed` / `Kerberos failed`, naming endpoint, realm and principal or SPN, and the way out; nothing "
        "runs on the host; the password is not in the message",
    ),
    Row(
        "parser-fuzz",
        "arbitrary and corrupted text into every host-output parser (hypothesis, bounded)",
        "the parsers never raise",
    ),
)

BY_ID = {row.id: row for row in ROWS}


def fault(row_id: str) -> pytest.MarkDecorator:
    """Mark a test as proof of a matrix row; an unknown id fails at import, so a typo cannot hide a row."""
    if row_id not in BY_ID:
        raise KeyError(f"no fault matrix row {row_id!r}; rows: {', '.join(BY_ID)}")
    return pytest.mark.fault(row_id)


def markdown_table() -> str:
    lines = ["| row | case | outcome |", "| --- | --- | --- |"]
    lines += [f"| `{row.id}` | {row.case} | {row.outcome} |" for row in ROWS]
    return "\n".join(lines) + "\n"


# -- pytest hooks (imported by the conftest files that run matrix tests) ------------------------------------------
_results: dict[str, list[str]] = {}


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.when != "call" and not (call.when == "setup" and call.excinfo is not None):
        return
    for mark in item.iter_markers("fault"):
        skipped = call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception)
        verdict = "passed" if call.excinfo is None else ("skipped" if skipped else "FAILED")
        _results.setdefault(mark.args[0], []).append(verdict)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _results:
        return
    terminalreporter.section("fault matrix")
    width = max(len(row.id) for row in ROWS)
    for row in ROWS:
        outcomes = _results.get(row.id)
        verdict = "not run here" if not outcomes else next(v for v in ("FAILED", "skipped", "passed") if v in outcomes)
        count = f"{len(outcomes)} test(s)" if outcomes else ""
        terminalreporter.write_line(f"{row.id:<{width}}  {verdict:<12} {count:<10} {row.outcome}")
