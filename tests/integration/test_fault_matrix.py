"""The fault matrix itself: every row has a test, the README shows the rows; and the rows proven on the controller
alone (the report files)."""

from __future__ import annotations

import ast
import csv
import html.parser
import json
from pathlib import Path

import yaml
from conftest import extra_vars, run_ansible
from fault_matrix import BY_ID, ROWS, fault, markdown_table

ROOT = Path(__file__).resolve().parents[2]
MARKUP_HOST = "evil<script>alert(1)</script>"
MARKUP_REASON = '<img src=x onerror=alert(2)> =HYPERLINK("http://x")'


def _marked_rows() -> set[str]:
    """Row ids named in fault(...) / pytest.mark.fault(...) calls anywhere in the tests."""
    found = set()
    for path in (ROOT / "tests").rglob("*.py"):
        if "output" in path.relative_to(ROOT / "tests").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "fault":
                    found.add(str(node.args[0].value))
    return found


def test_every_row_has_a_test_and_every_mark_a_row() -> None:
    marked = _marked_rows()
    assert sorted(set(BY_ID) - marked) == [], "rows without a test"
    assert sorted(marked - set(BY_ID)) == [], "marks naming no row"


def test_readme_safety_section_shows_the_matrix() -> None:
    readme = (ROOT / "README.md").read_text()
    safety = readme.split("\n## Safety\n", 1)[1].split("\n## ", 1)[0]
    assert markdown_table() in safety, "README's Safety table differs from tests/fault_matrix.py: markdown_table()"
    assert len(ROWS) == len(BY_ID)


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@fault("report-markup")
def test_markup_and_formulas_from_hosts_are_inert_in_the_report(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {"all": {"hosts": {MARKUP_HOST: {"volsnap_failure": MARKUP_REASON, "ansible_connection": "local"}}}}
        )
    )
    playbook = tmp_path / "report.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Report",
                    "hosts": "all",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Report",
                            "winfix.volsnap.volsnap_report": {"dir": str(tmp_path / "out")},
                            "run_once": True,
                            "delegate_to": "localhost",
                            "delegate_facts": True,
                        }
                    ],
                }
            ]
        )
    )
    done = run_ansible("ansible-playbook", "-i", str(inventory), str(playbook))
    assert done.returncode == 0, done.stdout[-2000:]
    page = _Elements()
    page.feed((tmp_path / "out" / "report.html").read_text())
    assert "script" not in page.tags and "img" not in page.tags
    assert MARKUP_HOST in "".join(page.text) and "<img src=x onerror=alert(2)>" in "".join(page.text)
    with open(tmp_path / "out" / "report.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["host"] == MARKUP_HOST)
    assert row["reason"].startswith("<img") and "=HYPERLINK" in row["reason"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


@fault("report-templates")
def test_templates_in_parts_are_never_rendered(tmp_path: Path) -> None:
    hostile = "{{ 6 * 7 }}{{ lookup('ansible.builtin.pipe', 'touch " + str(tmp_path / "ran") + "') }}"
    part = {"generated": "2026-01-01T00:00:00Z", "rows": {hostile: {"status": "vulnerable", "reason": hostile}}}
    (tmp_path / "part.json").write_text(json.dumps({"volsnap_part_1": part}))
    done = run_ansible(
        "ansible-playbook",
        "playbooks/report_merge.yml",
        *extra_vars(
            f"@{tmp_path / 'part.json'}",
            f"volsnap_report_dir={tmp_path / 'out'}",
            "volsnap_require=compliant",
        ),
    )
    assert done.returncode != 0 and f"not compliant: {hostile} (vulnerable: {hostile})" in done.stdout
    assert not (tmp_path / "ran").exists()
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["hosts"]
    assert rows[hostile]["reason"] == hostile
