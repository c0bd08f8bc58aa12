from __future__ import annotations

import pytest

from megfile_core.testing.contract import PathContract


class TestMemoryContract(PathContract):
    @pytest.fixture
    def root(self, memory_root):
        return memory_root + "/contract"


class TestMemoryVariantContract(PathContract):
    @pytest.fixture
    def root(self, memory_root):
        return "memory+v2://root/variant"
