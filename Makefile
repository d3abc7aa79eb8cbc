# The two commands of the README: `make demo` (the main job against the lab) and `make test` (everything that
# must pass). Both build .venv first; `make venv` is idempotent and quick when nothing changed.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: venv kdc browser demo test lint typecheck unit lab-tests integration molecule sanity compat ansible-lint bench clean

venv: kdc $(STAMP)
	@scripts/link-collection $(VENV)

# The Kerberos headers must be there before pip builds pykerberos and gssapi, hence the order-only `kdc`.
$(STAMP): requirements-dev.txt requirements.txt tests/lab/pyproject.toml | kdc
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e 'tests/lab[kerberos]'
	@scripts/ansible-test-pip-standin
	@touch $@

# MIT Kerberos from Debian (krb5-kdc, krb5-admin-server, krb5-user, libkrb5-dev): the lab's KDC, kinit for the winrs
# connection, and the headers the Python Kerberos bindings build against. apt-get runs only when something is missing.
kdc:
	@scripts/install-kerberos-packages

# Debian's Chromium renders the HTML report in the integration tests (headless, loopback only).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: venv
	$(BIN)/python scripts/demo.py

# `compat` runs ansible-test sanity for every supported ansible-core, 2.19 on Python 3.11 included, so `make test` does
# not run `sanity` (the same check on .venv) a second time.
test: kdc venv browser lint typecheck unit lab-tests integration molecule ansible-lint compat
	@echo "make test: all checks passed"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# The controller code, strict, for Python 3.11 here; `make compat` checks it again for Python 3.9, on Python 3.9.
typecheck: venv
	cd $(VENV)/collections && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
	  -p ansible_collections.winfix.volsnap.plugins.plugin_utils \
	  -p ansible_collections.winfix.volsnap.plugins.action \
	  -p ansible_collections.winfix.volsnap.plugins.connection

unit: venv
	$(BIN)/pytest -q tests/unit

lab-tests: venv
	$(BIN)/pytest -q tests/lab/tests

integration: venv
	@if compgen -G "tests/integration/test_*.py" >/dev/null; then $(BIN)/pytest -q tests/integration; \
	 else echo "integration: no tests yet"; fi

molecule: venv
	cd extensions && $(CURDIR)/$(BIN)/molecule test -s lab

ansible-lint: venv
	$(BIN)/ansible-lint --profile production

sanity: venv
	scripts/run-sanity

# Every supported ansible-core (2.15 to 2.19), each in .venv-compat/<version> on its oldest controller Python: unit
# tests, ansible-test sanity, and audit + remediation of a lab fleet with the built tarball installed
# (scripts/compat.py; COMPAT_VERSIONS="2.15 2.19" or COMPAT_STEPS="unit e2e" narrow it). The lab needs `kdc`.
compat: kdc venv
	$(BIN)/python scripts/compat.py

bench: venv
	$(BIN)/python benchmarks/fleet.py

clean:
	rm -rf $(VENV) .venv-compat tests/output .mypy_cache .ruff_cache .pytest_cache
