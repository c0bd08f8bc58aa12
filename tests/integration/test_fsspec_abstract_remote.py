"""fsspec's own filesystem test suites (fsspec.tests.abstract) on the megfile
filesystem over the moto S3 server (an s3+PROFILE URL) and over sshd."""

from __future__ import annotations

import fsspec
import pytest
from fsspec.tests import abstract


class _Fixtures(abstract.AbstractFixtures):
    @pytest.fixture
    def fs(self):
        return fsspec.filesystem("megfile")

    @pytest.fixture
    def fs_join(self):
        return lambda *parts: "/".join(p.rstrip("/") for p in parts[:-1]) + "/" + parts[-1]


class _S3Fixtures(_Fixtures):
    @pytest.fixture
    def fs_path(self, s3_root, monkeypatch):
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        return s3_root.replace("s3://", "s3+backup://", 1)

    @pytest.fixture
    def supports_empty_directories(self):
        return False  # S3 has prefixes, not directories


class _SftpFixtures(_Fixtures):
    @pytest.fixture
    def fs_path(self, sftp_root):
        return f"megfile://{sftp_root}"

    @pytest.fixture
    def fs_sanitize_path(self, fs):
        return fs._strip_protocol


class TestS3Copy(abstract.AbstractCopyTests, _S3Fixtures):
    pass


class TestS3Open(abstract.AbstractOpenTests, _S3Fixtures):
    pass


class TestS3Pipe(abstract.AbstractPipeTests, _S3Fixtures):
    pass


class TestSftpCopy(abstract.AbstractCopyTests, _SftpFixtures):
    pass


class TestSftpOpen(abstract.AbstractOpenTests, _SftpFixtures):
    pass


class TestSftpPipe(abstract.AbstractPipeTests, _SftpFixtures):
    pass
