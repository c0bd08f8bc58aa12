"""Core's contract suite against a real OpenSSH server."""

from __future__ import annotations

import pytest

from megfile_core.testing.contract import PathContract


class TestSftpContract(PathContract):
    supports_symlinks = True
    supports_empty_dirs = True
    supports_append = True
    supports_rmdir = True
    preserves_mtime = True

    @pytest.fixture
    def root(self, sftp_root: str) -> str:
        return sftp_root
