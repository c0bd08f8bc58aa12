"""The copy machinery (``megfile_core.io.copy``): the pump, the local download and
the copy dispatch that a sync resolves once."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.io.copy import CHUNK_SIZE, copy_stream, download_to, open_download
from megfile_core.registry import get_registry


class _ReadOnly:
    """A reader with ``read`` only (no ``readinto``)."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)


class _Failing(io.RawIOBase):
    """Gives ``good`` bytes, then fails like a dropped connection."""

    def __init__(self, good: bytes) -> None:
        self._good = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._good:
            raise ConnectionError("connection dropped")
        count = min(len(buffer), len(self._good))
        buffer[:count] = self._good[:count]
        self._good = self._good[count:]
        return count


def test_pump_copies_by_readinto_and_reports_every_write() -> None:
    data = os.urandom(10_000)
    out = io.BytesIO()
    seen: list[int] = []
    assert copy_stream(io.BytesIO(data), out, seen.append, chunk_size=4096) == len(data)
    assert out.getvalue() == data
    assert seen == [4096, 4096, 10_000 - 8192]


def test_pump_falls_back_to_read() -> None:
    data = os.urandom(5000)
    out = io.BytesIO()
    seen: list[int] = []
    assert copy_stream(_ReadOnly(data), out, seen.append, chunk_size=2048) == len(data)
    assert out.getvalue() == data
    assert seen == [2048, 2048, 904]


def test_pump_buffer_follows_a_known_small_size() -> None:
    sizes: list[int] = []

    class Spy(io.BytesIO):
        def readinto(self, buffer: Any) -> int:
            sizes.append(len(buffer))
            return super().readinto(buffer)

    copy_stream(Spy(b"tiny"), io.BytesIO(), size=4)
    assert sizes and max(sizes) < CHUNK_SIZE  # no 8 MiB buffer for 4 bytes
    sizes.clear()
    copy_stream(Spy(b"tiny"), io.BytesIO())
    assert sizes[0] == CHUNK_SIZE


def test_download_to_replaces_the_target_with_the_mtime(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "f.bin"
    data = os.urandom(3000)
    assert download_to(str(target), io.BytesIO(data), 1_500_000_000.0) == len(data)
    assert target.read_bytes() == data
    assert target.stat().st_mtime == 1_500_000_000
    assert os.listdir(target.parent) == ["f.bin"]  # no temp file left


def test_a_failed_download_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"old content")
    with pytest.raises(ConnectionError):
        download_to(str(target), _Failing(b"new, but only half"), 1.0)
    assert target.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_download_mtime_may_be_set_while_writing(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    with open_download(str(target)) as out:
        out.write(b"abc")
        out.mtime = 1_400_000_000.0
    assert target.read_bytes() == b"abc"
    assert target.stat().st_mtime == 1_400_000_000


def test_download_into_a_directory_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError):
        open_download(str(tmp_path / "d"))
    with pytest.raises(IsADirectoryError):
        open_download(str(tmp_path / "missing") + os.sep)
    assert sorted(os.listdir(tmp_path)) == ["d"]
    assert os.listdir(tmp_path / "d") == []


def test_path_copy_does_not_import_the_facade(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"abc")
    code = (
        "import sys\n"
        "from megfile_core.testing.memory import MemoryPath, register_memory\n"
        "from megfile_core.builtin.fs import FSPath\n"
        f"FSPath({str(tmp_path / 'a')!r}).save(open({str(tmp_path / 'a')!r}, 'rb'))\n"
        "register_memory()\n"
        "MemoryPath('memory://r/a').write_bytes(b'abc')\n"
        "MemoryPath('memory://r/a').copy(MemoryPath('memory://r/b'))\n"
        "assert MemoryPath('memory://r/b').read_bytes() == b'abc'\n"
        "print('megfile_core.smart' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sync_resolves_the_copy_function_once(
    tmp_path: Path, memory_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(6):
        smart.smart_save_content(str(tmp_path / "src" / f"d{index % 2}" / f"{index}"), b"x")
    registry = get_registry()
    real = registry.get_copy_func
    asked: list[tuple[str, str]] = []

    def counting(src: str, dst: str) -> Any:
        asked.append((src, dst))
        return real(src, dst)

    monkeypatch.setattr(registry, "get_copy_func", counting)
    result = smart.smart_sync(str(tmp_path / "src"), "memory://root/dst", max_workers=2)
    assert result.copied == 6
    assert asked == [("file", "memory")]


def test_sync_parses_no_url_per_file(
    tmp_path: Path, memory_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_core import smart_path

    for index in range(6):
        smart.smart_save_content(f"memory://root/src/{index}", b"x")
    real = smart_path._resolve
    parsed: list[Any] = []

    def counting(path: Any) -> Any:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(smart_path, "_resolve", counting)
    result = smart.smart_sync("memory://root/src", str(tmp_path / "dst"), max_workers=2)
    assert result.copied == 6
    assert len(parsed) == 2  # the two roots


ENGINES = [
    "megfile_core/sync.py",
    "megfile_core/pathlike.py",
    "megfile_core/io",
    "megfile_core/builtin",
    "plugins/megfile_s3/megfile_s3",
    "plugins/megfile_sftp/megfile_sftp",
    "plugins/megfile_http/megfile_http",
]


@pytest.mark.parametrize("where", ENGINES)
def test_engines_never_call_the_facade(where: str) -> None:
    root = Path(__file__).resolve().parents[2] / where
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    assert files
    for file in files:
        text = file.read_text()
        for needle in (
            "from megfile_core.smart import",
            "from megfile_core import smart\n",
            "megfile_core.smart.",
        ):
            assert needle not in text, f"{file} uses the smart_* facade ({needle!r})"


def test_a_copy_function_always_gets_every_option(
    tmp_path: Path, memory_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def strict(
        src: str, dst: str, *, callback: Any, followlinks: bool, overwrite: bool
    ) -> None:  # no defaults, as a third party may write it
        calls.append({"callback": callback, "followlinks": followlinks, "overwrite": overwrite})
        smart.smart_save_content(dst, smart.smart_load_content(src))

    registry = get_registry()
    real = registry.get_copy_func
    monkeypatch.setattr(
        registry,
        "get_copy_func",
        lambda s, d: strict if (s, d) == ("file", "memory") else real(s, d),
    )
    (tmp_path / "f").write_bytes(b"abc")
    smart.smart_move(str(tmp_path / "f"), "memory://root/f")  # copy_file with no options
    assert calls == [{"callback": None, "followlinks": False, "overwrite": True}]
    assert smart.smart_load_content("memory://root/f") == b"abc"
    assert not (tmp_path / "f").exists()
