"""The report role: report.html rendered with Jinja2 (autoescape), and the whole role run by ansible-playbook."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import STATUSES, host_row, merge

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "roles" / "report" / "templates"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
EVIL = "<script>alert(1)</script>"
W7 = {
    "status": "vulnerable",
    "reason": "volsnap.sys 6.1.7600.16385 < 6.1.7600.17122",
    "product": "Windows 7",
    "service_pack": 0,
    "arch": "AMD64",
    "installed_version": "6.1.7600.16385",
    "branch": "GDR",
    "required_version": "6.1.7600.17122",
    "package": "Windows6.1-KB2748349-x64.msu",
    "exposure": {"large_volumes_multiple_of_8gib": ["D:"], "shadow_copies": 2, "note": None},
}


def _sample_report() -> dict[str, Any]:
    rows = {
        EVIL: host_row({**W7, "reason": "<b>bold</b> & co", "exposure": {"note": "<img src=x>"}}, [], None),
        "old-1": host_row(W7, [], None),
        "fixed": host_row({**W7, "status": "compliant", "exposure": {}}, [], None),
        "gone": host_row(None, [], "connection refused"),
    }
    return merge(None, rows, "2026-11-25T06:00:00+00:00")


def _render_html(report: dict[str, Any]) -> str:
    # Ansible renders templates with trim_blocks on; autoescape comes from the template itself.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("report.html.j2").render(volsnap_report=report)


class _Page(HTMLParser):
    """Collects what a browser would see: elements opened and the text of table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_cell = tag == "td"
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_cell = self._in_cell and tag != "td"

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def test_html_escapes_host_names_reasons_and_notes() -> None:
    html = _render_html(_sample_report())
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "<img src=x>" not in html
    page = _Page()
    page.feed(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert EVIL in page.cells and "<b>bold</b> & co" in page.cells  # shown as text, exactly


def test_html_is_self_contained_with_charts_drawn_from_the_model() -> None:
    report = _sample_report()
    html = _render_html(report)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "<script" not in html and "<link" not in html and "src=" not in html.replace("&lt;img src=x&gt;", "")
    ns = {"s": "http://www.w3.org/2000/svg"}
    charts = {}
    for chart_id in ("status-chart", "product-chart"):
        start = html.index(f'<svg id="{chart_id}"')
        charts[chart_id] = ET.fromstring(html[start : html.index("</svg>", start) + 6])
    bars = {r.findtext("s:title", namespaces=ns).split(":")[0]: r for r in charts["status-chart"].findall("s:rect", ns)}
    assert set(bars) == {"vulnerable", "compliant", "unknown"}  # statuses with hosts get a bar
    assert bars["vulnerable"].get("fill") == "#c62828" and bars["compliant"].get("fill") == "#2e7d32"
    assert int(bars["vulnerable"].get("width") or 0) == 2 * int(bars["compliant"].get("width") or 0)
    labels = [t.text for t in charts["status-chart"].findall("s:text", ns)]
    assert all(status in labels for status in STATUSES)
    product_labels = [t.text for t in charts["product-chart"].findall("s:text", ns)]
    assert "Windows 7" in product_labels and "unidentified" in product_labels


def _run_role(tmp_path: Path, report_dir: Path, extra: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "report.yml"
    play = [
        {
            "name": "Fleet report",
            "hosts": "localhost",
            "gather_facts": False,
            "roles": [{"role": "winfix.volsnap.report", "vars": {"volsnap_report_dir": str(report_dir), **extra}}],
        }
    ]
    playbook.write_text(json.dumps(play))
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                        "w7-a": {"volsnap_actions": ["audit"], "volsnap_failure": "probe timed out"},
                    }
                }
            }
        )
    )
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv" / "collections"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="needs the project's .venv (make venv)")
def test_the_role_writes_three_files_and_merges_a_second_run(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    first = _run_role(tmp_path, report_dir, {"volsnap_report_rows": {EVIL: W7, "w7-b": {**W7, "status": "compliant"}}})
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert sorted(p.name for p in report_dir.iterdir()) == ["report.csv", "report.html", "report.json"]
    report = json.loads((report_dir / "report.json").read_text())
    assert set(report) == {"generated", "summary", "by_product", "hosts"}
    assert report["summary"] == {**dict.fromkeys(STATUSES, 0), "vulnerable": 1, "compliant": 1}
    assert report["hosts"][EVIL]["package"] == "Windows6.1-KB2748349-x64.msu"
    lines = list(csv.reader(io.StringIO((report_dir / "report.csv").read_text())))
    assert lines[0][0] == "host" and sorted(line[0] for line in lines[1:]) == sorted([EVIL, "w7-b"])
    html = (report_dir / "report.html").read_text()
    assert EVIL not in html and "&lt;script&gt;" in html and 'id="status-chart"' in html

    # Second run, rows from hostvars: w7-a is new (no facts, a failure), the earlier hosts stay.
    second = _run_role(tmp_path, report_dir, {"volsnap_report_hosts": ["w7-a"]})
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    merged = json.loads((report_dir / "report.json").read_text())
    assert sorted(merged["hosts"]) == sorted([EVIL, "w7-a", "w7-b"])
    assert merged["hosts"]["w7-a"]["status"] == "unknown" and merged["hosts"]["w7-a"]["error"] == "probe timed out"
    assert merged["hosts"]["w7-a"]["actions"] == ["audit"]
    assert merged["summary"]["unknown"] == 1 and merged["generated"] > report["generated"]
