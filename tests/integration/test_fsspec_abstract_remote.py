"""fsspec's own filesystem test suites (fsspec.tests.abstract) on the megfile
filesystem over the moto S3 server (an s3+PROFILE URL) and over sshd.

Every scenario of fsspec's copy suite runs on S3; its 32 glob edge cases (fsspec's
own expansion logic over our ls/info/glob) run on memory:// and local paths in
tests/core/test_fsspec_abstract.py, as they cost ~90 s on moto. SFTP runs the
scenarios of one file, a directory and a list (a server-side ``cp`` per file is
~0.25 s there: an exec channel each).
"""

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


def _scenarios(names: list[str]) -> dict[str, object]:
    """The named tests of fsspec's copy suite, as a test class body."""
    return {name: getattr(abstract.AbstractCopyTests, name) for name in names}


_S3_COPY = [
    name
    for name in vars(abstract.AbstractCopyTests)
    if name.startswith("test_") and name != "test_copy_glob_edge_cases"
]
_SFTP_COPY = [
    "test_copy_file_to_existing_directory",
    "test_copy_file_to_file_in_new_directory",
    "test_copy_directory_to_new_directory",
    "test_copy_list_of_files_to_new_directory",
    "test_copy_directory_without_files_with_same_name_prefix",
]
TestS3Copy = type("TestS3Copy", (_S3Fixtures,), _scenarios(_S3_COPY))
TestSftpCopy = type("TestSftpCopy", (_SftpFixtures,), _scenarios(_SFTP_COPY))


class TestS3Open(abstract.AbstractOpenTests, _S3Fixtures):
    pass


class TestS3Pipe(abstract.AbstractPipeTests, _S3Fixtures):
    pass


class TestSftpOpen(abstract.AbstractOpenTests, _SftpFixtures):
    pass


class TestSftpPipe(abstract.AbstractPipeTests, _SftpFixtures):
    pass
