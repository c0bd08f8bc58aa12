"""``megfile_core.config.environ_version``: settings cached on it follow every
change of ``os.environ``."""

from __future__ import annotations

import os

import pytest

from megfile_core import SmartPath
from megfile_core.config import environ_version, get_aliases


def test_the_version_changes_with_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    before = environ_version()
    assert environ_version() == before  # nothing changed
    monkeypatch.setenv("MEGFILE_TEST_ENVIRON_VERSION", "1")
    first = environ_version()
    assert first != before
    monkeypatch.setenv("MEGFILE_TEST_ENVIRON_VERSION", "2")  # same names, another value
    second = environ_version()
    assert second != first
    os.environ["MEGFILE_TEST_ENVIRON_VERSION"] = "2"  # written again, the same
    assert environ_version() == second
    monkeypatch.delenv("MEGFILE_TEST_ENVIRON_VERSION")
    assert environ_version() != second


def test_aliases_follow_the_environment_at_once(
    memory_root: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEGFILE_ALIASES__ENVV", raising=False)
    assert "envv" not in get_aliases()
    monkeypatch.setenv("MEGFILE_ALIASES__ENVV", "memory://one/")
    assert get_aliases()["envv"] == "memory://one/"
    monkeypatch.setenv("MEGFILE_ALIASES__ENVV", "memory://two/")
    assert SmartPath("envv://x").pathlike.path_with_protocol == "memory://two/x"
