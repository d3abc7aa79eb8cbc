# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html: one self-contained page (counts by status as a chart, by product, the hosts, exposure notes).

Rendered with Jinja2 and autoescaping on, so every value that comes from a host (names, reasons, versions) is
escaped. (Ansible's own templating uses Jinja2's native-types code generator, which ignores autoescape; the page is
therefore not an Ansible template.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import COLOURS, chart

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>KB2748349 fleet report</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2em; color: #212121; }
  h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
  table { border-collapse: collapse; font-size: 0.9em; }
  th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
  .status { color: #fff; padding: 1px 6px; border-radius: 3px; white-space: nowrap; }
  .note { background: #fff8e1; border-left: 4px solid #ef6c00; padding: 0.6em 1em; max-width: 60em; }
{% for status, colour in colours.items() %}
  .s-{{ status }} { background: {{ colour }}; }
{% endfor %}
</style>
</head>
<body>
<h1>KB2748349 (volsnap.sys shadow-copy corruption): {{ report.hosts | length }} hosts</h1>
<p>Generated {{ report.generated }}.</p>

<h2>By status</h2>
<svg id="status-chart" width="560" height="{{ bars | length * 28 }}" role="img" aria-label="hosts by status">
{% for bar in bars %}
  <text x="0" y="{{ bar.y + 16 }}" font-size="13">{{ bar.label }}</text>
  <rect x="170" y="{{ bar.y }}" width="{{ [bar.width, 1] | max if bar.value else 0 }}" height="{{ bar.height }}" \
fill="{{ bar.colour }}"></rect>
  <text x="{{ 176 + bar.width }}" y="{{ bar.y + 16 }}" font-size="13">{{ bar.value }}</text>
{% endfor %}
</svg>

<h2>By product</h2>
<table>
<tr><th>product</th>{% for s in report.summary %}<th>{{ s }}</th>{% endfor %}</tr>
{% for product, counts in report.by_product.items() %}
<tr><td>{{ product }}</td>{% for s in report.summary %}<td>{{ counts[s] }}</td>{% endfor %}</tr>
{% endfor %}
</table>

<h2>Hosts</h2>
<table>
<tr><th>host</th><th>status</th><th>reason</th><th>product</th><th>SP</th><th>arch</th><th>volsnap.sys</th>\
<th>required</th><th>package</th><th>actions</th><th>as of</th></tr>
{% for name, row in report.hosts.items() %}
<tr><td>{{ name }}</td><td><span class="status s-{{ row.status }}">{{ row.status }}</span></td>\
<td>{{ row.reason }}</td>
<td>{{ row.product or '' }}</td><td>{{ row.service_pack if row.service_pack is not none else '' }}</td>\
<td>{{ row.arch or '' }}</td>
<td>{{ row.installed_version or '' }}</td><td>{{ row.required_version or '' }}</td><td>{{ row.package or '' }}</td>
<td>{{ (row.actions or []) | join('; ') }}</td><td>{{ row.time or '' }}</td></tr>
{% endfor %}
</table>

<h2>Exposure</h2>
<p class="note">The corruption surfaces only at restore time: backups taken from shadow copies before the fix may be
silently bad. Test-restore them, starting with the hosts below.</p>
<table>
<tr><th>host</th><th>volumes sized a multiple of 8 GiB</th><th>shadow copies</th></tr>
{% for name, row in report.hosts.items() %}
{% set exposure = row.exposure or {} %}
{% if exposure.large_volumes_multiple_of_8gib or exposure.shadow_copies %}
<tr><td>{{ name }}</td><td>{{ (exposure.large_volumes_multiple_of_8gib or []) | join(', ') }}</td>\
<td>{{ exposure.shadow_copies if exposure.shadow_copies is not none else '' }}</td></tr>
{% endif %}
{% endfor %}
</table>
</body>
</html>
"""

_TEMPLATE = jinja2.Environment(
    autoescape=True, undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True
).from_string(_PAGE)


def render(report: Mapping[str, Any]) -> str:
    """The page for a report (as report.json holds it)."""
    return _TEMPLATE.render(report=report, bars=chart(report["summary"]), colours=COLOURS)
