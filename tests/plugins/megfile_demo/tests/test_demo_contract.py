"""The contract suite run against the demo plugin, as a third-party plugin would run it
(docs/plugins.md walks through this file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from megfile_core.testing.contract import PathContract


class TestDemoContract(PathContract):
    @pytest.fixture
    def root(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
        monkeypatch.setenv("MEGFILE_DEMO_ROOT", str(tmp_path))
        return "demo://contract"
