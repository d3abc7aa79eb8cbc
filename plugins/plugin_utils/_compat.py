# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between ansible-core 2.15 and 2.19 for this collection, in one place.

Found by running the unit tests, `ansible-test sanity` and an audit and remediation of a lab fleet on each of 2.15,
2.16, 2.17, 2.18 and 2.19 (`make compat`). Each difference says which versions take which path. Everything the
plugins do that is not listed here behaves alike on all five (checked, not assumed):

- Templating: the actions template host variables with `self._templar.template(value)`. 2.19 templates only trusted
  strings (inventory, playbooks, extra vars); 2.15 to 2.18 template every string that is not marked unsafe. The
  variables the actions template (volsnap_package_names, volsnap_catalog_overrides, volsnap_lock_max_age_s) come from
  the inventory or extra vars, trusted on every version, so the result is the same. Fleet report parts are never
  templated on any version (volsnap_report reads them as data). `make compat` checks both on each version: its
  remediation gives two of those variables as templates, and its report_merge a part holding template text.
- `hostvars.raw_get(host)`, `ActionBase.validate_argument_spec`, `set_stats` (the roles' data, aggregate false),
  `Display.warning(msg)`, `display.v(msg, host=...)` and `AnsibleActionFail(msg, result=...)` are there with the same
  meaning on 2.15 to 2.19.
- Error messages: 2.19 appends the message of an error's `__cause__` to its own unless the class sets
  `_include_cause_message = False` (the collection's errors in _errors.py do, because their messages already say
  all); 2.15 to 2.18 never append it (only an `orig_exc` given explicitly), so the attribute is inert there and the
  messages read the same.

Python differences (3.9 and 3.10 against 3.11) are in _pycompat.py. Like _action.py, this module imports Ansible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.plugins import AnsiblePlugin

# 2.16 and later collect a connection's `_extras` (the ansible_<prefix>_* variables that are not options) by its
# `extras_prefix` ("winrm" for the winrs connection). 2.15 collects them by `ansible_<load name>_`, and a collection's
# load name has dots ("winfix.volsnap.winrs"), so a collection connection never gets any there.
EXECUTOR_COLLECTS_EXTRAS_BY_PREFIX: bool = hasattr(AnsiblePlugin, "extras_prefix")


def failure_result(error: Exception) -> dict[str, Any]:
    """The keys that a raised AnsibleActionFail(msg, result=...) puts into the task result.

    2.19: `result_contribution` holds the keys given (Ansible adds failed, msg and exception itself).
    2.15 to 2.18: `result` holds the keys given plus failed, msg and exception, and the task executor returns it as
    the task's result."""
    contribution = getattr(error, "result_contribution", None)
    if contribution is not None:
        return dict(contribution)
    return dict(getattr(error, "result", None) or {})


def supply_connection_extras(connection: Any, task_vars: Mapping[str, Any], template: Any) -> bool:
    """On 2.15, give the connection the `_extras` that the task executor of 2.16 and later gives it: every
    `ansible_<extras prefix>_*` host variable that is not one of its options, templated. True when they were set here.

    Only the collection's actions call this (before their first command, the connection connects lazily), so on 2.15
    `raw` and other modules over the winrs connection get no extras: the README says so. 2.16 to 2.19: nothing to do.
    """
    if EXECUTOR_COLLECTS_EXTRAS_BY_PREFIX or not getattr(connection, "allow_extras", False):
        return False
    prefix = getattr(connection, "_extras_prefix", None)
    if not prefix:
        return False
    from ansible import constants as C

    own = set(C.config.get_plugin_vars("connection", connection._load_name))
    wanted = f"ansible_{prefix}_"
    extras = {name: template(value) for name, value in task_vars.items() if name.startswith(wanted) and name not in own}
    # What 2.15's AnsiblePlugin.set_option("_extras", ...) does; written directly so that the same code can be tested
    # on later versions, whose set_option accepts only documented options. The connection reads _options["_extras"].
    connection._options["_extras"] = extras
    return True
