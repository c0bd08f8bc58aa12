#!/usr/bin/env bash
# Install megfile-core and every plugin under plugins/ into .venv, then run the main
# job on local files: sync a directory, list it, read a file back.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pkgs=(-e .)
for plugin in plugins/*/pyproject.toml; do
  [ -e "$plugin" ] && pkgs+=(-e "$(dirname "$plugin")")
done
.venv/bin/python -m pip install -q --disable-pip-version-check "${pkgs[@]}"
demo=$(mktemp -d)
.venv/bin/megfile sync docs "$demo/copy"
.venv/bin/megfile ls -l "$demo/copy"
.venv/bin/megfile cat "$demo/copy/index.md" | head -n 3
.venv/bin/megfile plugins
rm -rf "$demo"
echo "megfile is ready: .venv/bin/megfile --help"
