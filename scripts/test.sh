#!/usr/bin/env bash
# Install the test tools and every package (core, plugins, the demo third-party plugin
# in tests/), start nothing by hand (fixtures start their servers), lint, type-check
# and run the whole suite (ruff lint and format check, mypy, the strict build of the
# documentation site, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pkgs=(-e ".[test,docs]" -e tests/plugins/megfile_demo)
for plugin in plugins/*/pyproject.toml; do
  [ -e "$plugin" ] && pkgs+=(-e "$(dirname "$plugin")[test]")
done
.venv/bin/python -m pip install -q --disable-pip-version-check "${pkgs[@]}"
unset PYTHONDONTWRITEBYTECODE
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# the documentation site: a broken link, anchor, image or API reference fails here
site_dir=$(mktemp -d)
trap 'rm -rf "$site_dir"' EXIT
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$site_dir"
.venv/bin/python -m pytest -q "$@"
