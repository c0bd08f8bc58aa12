"""fsspec's own test suites for filesystems (fsspec.tests.abstract), run on the
megfile filesystem over memory:// and over a local directory."""

from __future__ import annotations

import fsspec
import pytest
from fsspec.tests import abstract

from megfile_core.testing.memory import get_store, register_memory


class _Fixtures(abstract.AbstractFixtures):
    @pytest.fixture
    def fs(self):
        return fsspec.filesystem("megfile")

    @pytest.fixture
    def fs_join(self):
        return lambda *parts: "/".join(p.rstrip("/") for p in parts[:-1]) + "/" + parts[-1]


class _MemoryFixtures(_Fixtures):
    @pytest.fixture
    def fs_path(self):
        register_memory()
        get_store().clear()
        yield "memory://root"
        get_store().clear()


class _LocalFixtures(_Fixtures):
    @pytest.fixture
    def fs_path(self, tmp_path):
        return f"megfile://{tmp_path}"  # paths come back without "megfile://"

    @pytest.fixture
    def fs_sanitize_path(self, fs):
        return fs._strip_protocol


class TestMemoryCopy(abstract.AbstractCopyTests, _MemoryFixtures):
    pass


class TestMemoryGet(abstract.AbstractGetTests, _MemoryFixtures):
    pass


class TestMemoryPut(abstract.AbstractPutTests, _MemoryFixtures):
    pass


class TestMemoryOpen(abstract.AbstractOpenTests, _MemoryFixtures):
    pass


class TestMemoryPipe(abstract.AbstractPipeTests, _MemoryFixtures):
    pass


class TestLocalCopy(abstract.AbstractCopyTests, _LocalFixtures):
    pass


class TestLocalOpen(abstract.AbstractOpenTests, _LocalFixtures):
    pass


class TestLocalGet(abstract.AbstractGetTests, _LocalFixtures):
    pass


class TestLocalPut(abstract.AbstractPutTests, _LocalFixtures):
    pass


class TestLocalPipe(abstract.AbstractPipeTests, _LocalFixtures):
    pass
