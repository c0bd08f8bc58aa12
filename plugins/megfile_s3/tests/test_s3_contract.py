"""Core's contract suite on ``s3://`` and on ``s3+PROFILE://`` (moto)."""

from __future__ import annotations

import pytest
from s3server import MotoS3

from megfile_core.testing.contract import PathContract


class TestS3Contract(PathContract):
    supports_empty_dirs = False
    supports_symlinks = True
    supports_append = True
    supports_rmdir = True
    preserves_mtime = False

    @pytest.fixture
    def root(self, bucket: str) -> str:
        return f"s3://{bucket}/root"


class TestS3ProfileContract(TestS3Contract):
    @pytest.fixture
    def root(self, bucket: str, moto_server: MotoS3, monkeypatch: pytest.MonkeyPatch) -> str:
        # the default profile points nowhere: only PROD__* can make this work
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        for name, value in moto_server.env("prod").items():
            monkeypatch.setenv(name, value)
        return f"s3+prod://{bucket}/root"
