"""Sync robustness (issue 17): unsafe source entries are skipped and reported while
the rest is copied; temp files a killed copy left behind are removed by the next
sync; copies can run on a process pool."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.builtin.atomic import is_temp_basename, temp_basename
from megfile_core.io.copy import open_download
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.registry import get_registry
from megfile_core.sync import SyncUnsafeEntriesError, sync
from megfile_core.types import FileEntry, StatResult


class HostilePath(BasePath):
    """A listing a hostile server could send: names with '..' among good ones (no
    real server here can produce it for a local source)."""

    protocol = "hostile"

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        return StatResult(0, 0, 0, isdir=not self.path_without_protocol.endswith(".txt"))

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        stat = StatResult(4, 0, 0)
        for relative in ("a.txt", "../escape.txt", "b/../../up.txt", "c/d.txt"):
            yield relative, FileEntry(relative, f"hostile://x/{relative}", stat)

    def scandir(self) -> ContextIterator:
        return ContextIterator(iter([]))

    def _open(self, mode: str, **options: object) -> object:
        import io

        return io.BytesIO(self.path_without_protocol.encode()[-4:])


@pytest.fixture
def hostile() -> Iterator[None]:
    registry = get_registry()
    registry.ensure_plugins()
    registry.registrar("test-hostile").register_protocol("hostile", HostilePath)
    yield
    registry.remove_protocol("hostile")


def test_unsafe_entries_are_skipped_reported_and_the_rest_copied(
    hostile: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dst = tmp_path / "in" / "dst"
    with caplog.at_level(logging.WARNING, logger="megfile_core.sync"):
        with pytest.raises(SyncUnsafeEntriesError, match="2 source entries") as caught:
            sync("hostile://x", str(dst), max_workers=2)
    result = caught.value.result
    assert result.copied == 2
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*.txt")) == [
        "a.txt",
        "c/d.txt",
    ]
    assert [source for source, _ in result.unsafe] == [
        "hostile://x/../escape.txt",
        "hostile://x/b/../../up.txt",
    ]
    assert "escape.txt" in str(caught.value) and "up.txt" in str(caught.value)
    assert "Rename these at the source" in str(caught.value)
    assert sum("skipping" in r.getMessage() for r in caplog.records) == 2
    assert not list(tmp_path.rglob("escape.txt")) and not list(tmp_path.rglob("up.txt"))


def test_src_file_stats_outside_the_root_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "in.txt").write_bytes(b"in")
    (tmp_path / "other").write_bytes(b"1")
    stats = [
        FileEntry("other", str(tmp_path / "other"), StatResult(1, 0, 0)),
        FileEntry("in.txt", str(tmp_path / "s" / "in.txt"), StatResult(2, 0, 0)),
    ]
    with pytest.raises(SyncUnsafeEntriesError, match="1 source entry") as caught:
        sync(str(tmp_path / "s"), str(tmp_path / "d"), src_file_stats=stats)
    assert caught.value.result.copied == 1
    assert (tmp_path / "d" / "in.txt").read_bytes() == b"in"
    assert not (tmp_path / "d" / "other").exists()


def test_temp_names() -> None:
    assert is_temp_basename(temp_basename("a.txt"))
    assert is_temp_basename(temp_basename(".hidden"))
    for name in ("a.txt", ".a.txt.1234567.temp", "a.txt.12345678.temp", ".a.1234567g.temp"):
        assert not is_temp_basename(name), name


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _killed_writer(target: Path) -> Path:
    """A real atomic write whose process dies before it closes: the temp it leaves."""
    code = (
        "import os, sys\n"
        "from megfile_core.builtin.atomic import AtomicFile\n"
        "f = AtomicFile(sys.argv[1], 'wb')\n"
        "f.write(b'half'); f.flush()\n"
        "os._exit(9)\n"
    )
    before = set(target.parent.iterdir())
    done = subprocess.run([sys.executable, "-c", code, str(target)], timeout=60, check=False)
    assert done.returncode == 9
    (left,) = [p for p in set(target.parent.iterdir()) - before if is_temp_basename(p.name)]
    return left


def test_temp_names_differ_in_a_forked_child() -> None:
    # the token comes from the random module, which reseeds in a forked child:
    # parent and child writing the same target must not share a temp name
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.write(write, temp_basename("a.txt").encode())
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    child = os.read(read, 200).decode()
    os.close(read)
    assert is_temp_basename(child)
    assert child != temp_basename("a.txt")
    assert len({temp_basename("a.txt") for _ in range(1000)}) == 1000


def test_an_unbuffered_download_writes_everything_a_short_raw_write_left(
    tmp_path: Path,
) -> None:
    # open_download's file is unbuffered: a raw write may take only part of its data
    target = tmp_path / "out.bin"
    out = open_download(str(target))
    raw_write = out._file.write

    def short_write(data: bytes) -> int:
        return raw_write(bytes(memoryview(data)[:3]))

    out._file = _ShortWrites(out._file, short_write)
    payload = bytes(range(256)) * 4
    assert out.write(payload) == len(payload)
    out.close()
    assert target.read_bytes() == payload


class _ShortWrites:
    def __init__(self, file: Any, write: Any) -> None:
        self._target = file
        self.write = write

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


def test_a_killed_copys_temp_is_removed_by_the_next_sync(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_bytes(b"complete")
    (src / "sub" / ".c.txt.deadbeef.temp").write_bytes(b"a source file with our temp form")
    (dst / "sub").mkdir(parents=True)
    stale = _killed_writer(dst / "sub" / "a.txt")
    _age(stale, 3600)
    fresh = _killed_writer(dst / "sub" / "b.txt")  # could be a live writer's: kept
    held = dst / "sub" / ".c.txt.deadbeef.temp"  # the source has it: kept
    held.write_bytes(b"old copy")
    _age(held, 3600)
    foreign = dst / "sub" / "x.temp"  # not our form: kept
    foreign.write_bytes(b"x")
    _age(foreign, 3600)

    result = sync(str(src), str(dst))

    assert not stale.exists()
    assert result.removed_temps == [f"sub/{stale.name}"]
    assert fresh.exists() and held.exists() and foreign.exists()
    assert (dst / "sub" / "a.txt").read_bytes() == b"complete"
    assert held.read_bytes() == b"a source file with our temp form"


def test_the_age_is_configurable_and_a_dry_run_removes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_bytes(b"f")
    (tmp_path / "dst").mkdir()
    left = _killed_writer(tmp_path / "dst" / "g")
    _age(left, 120)
    assert sync(str(tmp_path / "src"), str(tmp_path / "dst")).removed_temps == []
    monkeypatch.setenv("MEGFILE_SYNC_STALE_TEMP_SECONDS", "60")
    assert sync(str(tmp_path / "src"), str(tmp_path / "dst"), dry_run=True).removed_temps == []
    assert left.exists()
    assert sync(str(tmp_path / "src"), str(tmp_path / "dst")).removed_temps == [left.name]
    assert not left.exists()


FILES = {f"d{i % 3}/f{i}.bin": os.urandom(100 + i) for i in range(9)}


def _tree(root: Path) -> None:
    for relative, data in FILES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)


def test_sync_on_a_process_pool(tmp_path: Path) -> None:
    _tree(tmp_path / "src")
    moved: dict[str, int] = {}
    after: list[tuple[str, str]] = []
    with ProcessPoolExecutor(2) as pool:
        result = smart.smart_sync(
            str(tmp_path / "src"),
            str(tmp_path / "dst"),
            executor=pool,
            callback=lambda source, count: moved.__setitem__(source, count),
            callback_after_copy_file=lambda source, target: after.append((source, target)),
        )
        again = smart.smart_sync(str(tmp_path / "src"), str(tmp_path / "dst"), executor=pool)
    assert result.copied == len(FILES) and again.copied == 0 and again.skipped == len(FILES)
    assert result.bytes == sum(len(d) for d in FILES.values())
    for relative, data in FILES.items():
        assert (tmp_path / "dst" / relative).read_bytes() == data
        assert moved[str(tmp_path / "src" / relative)] == len(data)
    assert len(after) == len(FILES)


def test_sync_with_a_process_pools_map(tmp_path: Path) -> None:
    _tree(tmp_path / "src")
    with ProcessPoolExecutor(2) as pool:
        result = smart.smart_sync(str(tmp_path / "src"), str(tmp_path / "dst"), map_func=pool.map)
    assert result.copied == len(FILES)
    for relative, data in FILES.items():
        assert (tmp_path / "dst" / relative).read_bytes() == data
