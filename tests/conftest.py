from __future__ import annotations

import pytest

from megfile_core.testing.memory import get_store


@pytest.fixture
def memory_root():
    """A fresh ``memory://`` tree, registered for this process."""
    from megfile_core.testing.memory import register_memory

    register_memory()
    get_store().clear()
    yield "memory://root"
    get_store().clear()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Tests never read the developer's ~/.config/megfile."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MEGFILE_CONFIG_PATH", raising=False)
    for key in list(__import__("os").environ):
        if key.startswith("MEGFILE_ALIASES__"):
            monkeypatch.delenv(key)
