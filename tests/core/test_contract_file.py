from __future__ import annotations

import pytest

from megfile_core.testing.contract import PathContract


class TestFileContract(PathContract):
    supports_symlinks = True

    @pytest.fixture
    def root(self, tmp_path):
        path = tmp_path / "root"
        path.mkdir()
        return str(path)


class TestFileUrlContract(PathContract):
    supports_symlinks = True

    @pytest.fixture
    def root(self, tmp_path):
        path = tmp_path / "root"
        path.mkdir()
        return "file://" + str(path)
