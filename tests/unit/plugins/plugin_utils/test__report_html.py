"""report.html: every value from a host is escaped; the chart and the tables are there."""

from __future__ import annotations

from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import host_row, report
from ansible_collections.winfix.volsnap.plugins.plugin_utils._report_html import render

T = "2026-01-01T10:00:00Z"


def test_markup_from_hosts_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    page = render(
        report(
            {
                hostile: host_row(
                    {"status": "vulnerable", "reason": f'"{hostile}"', "product": hostile}, [hostile], None, T
                ),
                "plain": host_row(None, [], "down", None),
            },
            T,
        )
    )
    assert "<script>" not in page and page.count("&lt;script&gt;") >= 4
    assert "&#34;&lt;script&gt;" in page  # the quote of the reason too


def test_chart_tables_and_exposure() -> None:
    rows = {
        "a": host_row(
            {"status": "compliant", "reason": "ok", "product": "Windows 7", "exposure": {"shadow_copies": 3}},
            [],
            None,
            T,
        ),
        "b": host_row(
            {"status": "vulnerable", "reason": "old", "product": "Windows 7"}, ["update: installed"], None, T
        ),
    }
    page = render(report(rows, T))
    assert page.count("<rect ") == 6 and 'id="status-chart"' in page
    assert "<td>Windows 7</td><td>1</td><td>1</td>" in page  # by product: compliant 1, vulnerable 1
    assert "update: installed" in page and f"<td>{T}</td>" in page
    exposure = page.split("<h2>Exposure</h2>")[1]
    assert "<td>a</td>" in exposure and "<td>b</td>" not in exposure
