"""Core's contract suite against WsgiDAV, over HTTP and over HTTPS."""

from __future__ import annotations

import pytest

from megfile_core.testing.contract import PathContract


class TestWebdavContract(PathContract):
    supports_symlinks = False
    supports_empty_dirs = True
    supports_append = True
    supports_rmdir = True
    preserves_mtime = False

    @pytest.fixture
    def root(self, dav_root: str) -> str:
        return dav_root


class TestWebdavsContract(PathContract):
    supports_symlinks = False
    supports_empty_dirs = True
    supports_append = True
    supports_rmdir = True
    preserves_mtime = False

    @pytest.fixture
    def root(self, davs_root: str) -> str:
        return davs_root
