#!/usr/bin/env bash
# A separate venv with the peers we compare against (never imported by our tests).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .peers/bin/python ] || python3 -m venv .peers
.peers/bin/python -m pip install -q --disable-pip-version-check \
  "megfile==5.0.18" fsspec s3fs smart_open boto3
echo "peers ready: $(pwd)/.peers/bin/python"
