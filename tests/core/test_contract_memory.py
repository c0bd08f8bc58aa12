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


def test_errors_mask_the_password_of_the_url(memory_root: str) -> None:
    from megfile_core import SmartPath

    root = SmartPath("memory://user:hunter2@mask/dir")
    root.mkdir(parents=True, exist_ok=True)
    (root / "file").write_bytes(b"x")
    attempts = [
        lambda: (root / "file").open("xb"),
        lambda: (root / "missing").read_bytes(),
        lambda: root.mkdir(),
        lambda: (root / "missing").unlink(),
        lambda: root.rmdir(),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as raised:
            attempt()
        assert "hunter2" not in str(raised.value)
        assert "user:***@mask/dir" in str(raised.value)
