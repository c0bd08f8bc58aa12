"""Helpers for driving the real ``megfile`` console script in subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

MEGFILE = Path(sys.executable).with_name("megfile")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def interruptible() -> Callable[[], None]:
    """``preexec_fn`` of a child a test sends SIGINT: Python keeps SIGINT ignored
    when it starts with it ignored, as it is for a command a non-interactive shell
    runs in the background (a CI runner's ``sh -c '... &'``)."""
    return _default_sigint


@pytest.fixture(scope="session")
def megfile_bin() -> str:
    assert MEGFILE.exists(), f"console script not installed next to {sys.executable}"
    return str(MEGFILE)


RunCli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_cli(megfile_bin, tmp_path) -> RunCli:
    """``run_cli("ls", path, env={...}, input=b"")`` -> CompletedProcess (bytes)."""

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        input: bytes = b"",
        cwd: str | Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        for key in ("MEGFILE_DISABLED_PLUGINS", "MEGFILE_DEMO_BREAK", "MEGFILE_LOG_LEVEL"):
            full_env.pop(key, None)
        full_env.setdefault("MEGFILE_DEMO_ROOT", str(tmp_path / "demo-root"))
        full_env.update(env or {})
        return subprocess.run(
            [megfile_bin, *args],
            input=input,
            capture_output=True,
            env=full_env,
            cwd=str(cwd or tmp_path),
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def tree(tmp_path) -> Path:
    """src/ with a.txt (5 B), b.bin (2048 random bytes), sub/c.txt and sub/deep/d.txt."""
    root = tmp_path / "src"
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"hello")
    (root / "b.bin").write_bytes(os.urandom(2048))
    (root / "sub" / "c.txt").write_bytes(b"c" * 10)
    (root / "sub" / "deep" / "d.txt").write_bytes(b"d")
    return root


@pytest.fixture(autouse=True)
def _restore_logging():
    """In-process CLI runs configure the root logger like a program does; undo it so
    later tests (in any directory) see logging as pytest left it."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    filters = {id(h): list(h.filters) for h in handlers}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        handler.filters[:] = filters[id(handler)]
    root.setLevel(level)
