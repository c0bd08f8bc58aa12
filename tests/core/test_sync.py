"""The sync engine across protocols (file and memory)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from megfile_core import smart
from megfile_core.builtin.fs import FSPath
from megfile_core.errors import UnsafePathError
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.registry import get_registry
from megfile_core.smart_path import SmartPath
from megfile_core.sync import safe_relative, sync
from megfile_core.types import FileEntry, StatResult


def _tree(root: str, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        smart.smart_save_content(smart.smart_path_join(root, rel), data)


FILES = {f"d{i % 3}/f{i}.bin": os.urandom(100 + i) for i in range(12)}


def test_sync_file_to_memory_and_back(tmp_path, memory_root):
    _tree(str(tmp_path / "src"), FILES)
    result = smart.smart_sync(str(tmp_path / "src"), "memory://root/dst", max_workers=4)
    assert (result.copied, result.skipped) == (12, 0)
    assert result.bytes == sum(len(v) for v in FILES.values())
    for rel, data in FILES.items():
        assert smart.smart_load_content(f"memory://root/dst/{rel}") == data
    again = smart.smart_sync(str(tmp_path / "src"), "memory://root/dst")
    assert (again.copied, again.skipped) == (0, 12)
    smart.smart_sync("memory://root/dst", str(tmp_path / "back"))
    third = smart.smart_sync("memory://root/dst", str(tmp_path / "back"))
    assert third.copied == 0
    assert (tmp_path / "back" / "d1" / "f1.bin").read_bytes() == FILES["d1/f1.bin"]


def test_changed_source_is_copied_again(tmp_path):
    src, dst = tmp_path / "s", tmp_path / "d"
    _tree(str(src), {"a": b"1", "b": b"2"})
    sync(str(src), str(dst))
    later = time.time() + 10
    (src / "a").write_bytes(b"11")  # size differs
    os.utime(src / "b", (later, later))  # newer, same size
    result = sync(str(src), str(dst))
    assert result.copied == 2
    assert (dst / "a").read_bytes() == b"11"


def test_force_and_overwrite(tmp_path):
    src, dst = tmp_path / "s", tmp_path / "d"
    _tree(str(src), {"a": b"new"})
    _tree(str(dst), {"a": b"old!"})
    assert sync(str(src), str(dst), overwrite=False).skipped == 1
    assert (dst / "a").read_bytes() == b"old!"
    assert sync(str(src), str(dst)).copied == 1
    assert (dst / "a").read_bytes() == b"new"
    assert sync(str(src), str(dst)).copied == 0
    assert sync(str(src), str(dst), force=True).copied == 1


def test_dry_run_writes_nothing(tmp_path):
    src, dst = tmp_path / "s", tmp_path / "d"
    _tree(str(src), {"a/b": b"1", "c": b"2"})
    result = sync(str(src), str(dst), dry_run=True)
    assert sorted(d for _, d in result.planned) == [str(dst / "a" / "b"), str(dst / "c")]
    assert not dst.exists()


def test_single_file_sync(tmp_path):
    (tmp_path / "one").write_bytes(b"x")
    result = sync(str(tmp_path / "one"), str(tmp_path / "two"))
    assert result.copied == 1
    assert (tmp_path / "two").read_bytes() == b"x"
    assert sync(str(tmp_path / "one"), str(tmp_path / "two")).skipped == 1


def test_callbacks_and_progress(tmp_path):
    src = tmp_path / "s"
    _tree(str(src), {"a": b"12345", "b/c": b"123"})
    seen: dict[str, int] = {}
    after: list[tuple[str, str]] = []
    events: list[str] = []
    lock = threading.Lock()

    def on_bytes(path: str, count: int) -> None:
        with lock:
            seen[path] = seen.get(path, 0) + count

    class Progress:
        total = 0

        def on_bytes(self, count: int) -> None:
            with lock:
                self.total += count

        def on_file(self, action: str, src: str, dst: str, size: int) -> None:
            with lock:
                events.append(action)

    progress = Progress()
    smart.smart_sync(
        str(src),
        str(tmp_path / "d"),
        callback=on_bytes,
        callback_after_copy_file=lambda s, d: after.append((s, d)),
        progress=progress,
    )
    assert seen == {str(src / "a"): 5, str(src / "b" / "c"): 3}
    assert sorted(after) == [
        (str(src / "a"), str(tmp_path / "d" / "a")),
        (str(src / "b" / "c"), str(tmp_path / "d" / "b" / "c")),
    ]
    assert progress.total == 8
    assert sorted(events) == ["copied", "copied", "queued", "queued"]
    assert events.index("queued") < events.index("copied")


@pytest.mark.parametrize(
    ("env", "kwargs", "bound"),
    [
        ({}, {"max_workers": 3}, 3),
        ({"MEGFILE_MAX_WORKERS": "2"}, {}, 4),  # twice MEGFILE_MAX_WORKERS by default
        ({"MEGFILE_MAX_WORKERS": "2", "MEGFILE_SYNC_MAX_WORKERS": "3"}, {}, 3),
    ],
)
def test_bounded_parallelism(memory_root, monkeypatch, env, kwargs, bound):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _tree("memory://root/src", {f"f{i}": b"x" * 10 for i in range(24)})
    active = 0
    peak = 0
    lock = threading.Lock()
    from megfile_core.testing import memory

    original = memory.MemoryStore.publish

    def slow_publish(self, key, data, exclusive=False):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        try:
            return original(self, key, data, exclusive)
        finally:
            with lock:
                active -= 1

    memory.MemoryStore.publish = slow_publish  # type: ignore[method-assign]
    try:
        sync("memory://root/src", "memory://root/dst", **kwargs)
    finally:
        memory.MemoryStore.publish = original  # type: ignore[method-assign]
    assert peak == bound
    assert len(list(smart.smart_scan("memory://root/dst"))) == 24


def test_executor_and_map_func(tmp_path):
    src = tmp_path / "s"
    _tree(str(src), {f"f{i}": b"y" for i in range(5)})
    with ThreadPoolExecutor(2) as pool:
        assert sync(str(src), str(tmp_path / "d1"), executor=pool).copied == 5
        assert smart.smart_sync(str(src), str(tmp_path / "d2"), map_func=pool.map).copied == 5
    assert len(os.listdir(tmp_path / "d2")) == 5


def test_copy_errors_propagate(tmp_path):
    src = tmp_path / "s"
    _tree(str(src), {"a": b"1"})
    (tmp_path / "blocker").write_text("a file where a directory must go")
    with pytest.raises((NotADirectoryError, FileExistsError)):
        sync(str(src), str(tmp_path / "blocker" / "sub"))


@pytest.mark.parametrize("bad", ["../evil", "a/../../evil", "/etc/passwd", "a/../..", ""])
def test_safe_relative_refuses(bad):
    with pytest.raises(UnsafePathError):
        safe_relative(bad, "src")


@pytest.mark.parametrize(
    ("rel", "clean"), [("a/b", "a/b"), ("a//b", "a/b"), ("./a/./b", "a/b"), ("a..b/c", "a..b/c")]
)
def test_safe_relative_accepts(rel, clean):
    assert safe_relative(rel, "src") == clean


class EvilPath(BasePath):
    """A listing that a hostile server could send: names with '..'."""

    protocol = "evil"

    def stat(self, follow_symlinks=True):
        return StatResult(0, 0, 0, isdir=not self._path.endswith(".txt"))

    def _scan_tree(self, followlinks=False) -> Iterator[tuple[str, FileEntry]]:
        stat = StatResult(3, 0, 0)
        yield "good.txt", FileEntry("good.txt", str(self.joinpath("good.txt")), stat)
        yield "../escape.txt", FileEntry("escape.txt", "evil://x/../escape.txt", stat)

    def scandir(self):
        return ContextIterator(iter([]))

    def _open(self, mode, **options):
        import io

        return io.BytesIO(b"bad")


def test_escaping_entries_are_refused(tmp_path):
    registry = get_registry()
    registry.ensure_plugins()
    registry.registrar("test-evil").register_protocol("evil", EvilPath)
    try:
        dst = tmp_path / "inside" / "dst"
        with pytest.raises(UnsafePathError, match="escape.txt"):
            sync("evil://x", str(dst), max_workers=1)
        assert not (tmp_path / "inside" / "escape.txt").exists()
        assert not (tmp_path / "escape.txt").exists()
    finally:
        registry.remove_protocol("evil")


def test_src_file_stats_outside_root_are_refused(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "other").write_bytes(b"1")
    entry = FileEntry("other", str(tmp_path / "other"), StatResult(1, 0, 0))
    with pytest.raises(UnsafePathError):
        sync(str(tmp_path / "s"), str(tmp_path / "d"), src_file_stats=[entry])


def test_sync_with_progress_reports_on_stderr(tmp_path, capsys):
    src = tmp_path / "s"
    _tree(str(src), {"a": b"123", "b/c": b"4567"})
    result = smart.smart_sync_with_progress(str(src), str(tmp_path / "d"))
    assert result.copied == 2
    assert (tmp_path / "d" / "b" / "c").read_bytes() == b"4567"
    err = capsys.readouterr().err
    assert "100%" in err and "2/2 files" in err


TRICKY_NAMES = ["a", "a.txt", "a-b", "a0", "b/c", "a b/x", "ü/1", "z", "é", "A/B/C", "a.d/e"]


def test_scan_files_sorted_is_in_relative_path_order(tmp_path, memory_root):
    """Sync walks both trees at once: each listing must come in the order of the
    relative paths as strings (a directory ``a`` sorts as ``a/``, after ``a.txt``)."""
    for name in ["x/" + n for n in TRICKY_NAMES] + ["x.txt", "x0/y"]:
        path = tmp_path / "t" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
        smart.smart_save_content(f"{memory_root}/t/{name}", name.encode())
    for root in (str(tmp_path / "t"), f"{memory_root}/t"):
        listed = [relative for relative, _ in SmartPath(root)._scan_files_sorted()]
        assert listed == sorted(listed)
        assert sorted(listed) == sorted(["x/" + n for n in TRICKY_NAMES] + ["x.txt", "x0/y"])
    # the generic walk (through scandir), as a backend without its own listing gets it
    generic = [r for r, _ in BasePath._scan_files_sorted(SmartPath(str(tmp_path / "t")).pathlike)]
    assert generic == sorted(generic) and len(generic) == len(TRICKY_NAMES) + 2


def test_sync_reads_the_destination_listing_alongside_the_source(tmp_path, monkeypatch):
    """The destination listing is consumed as the source listing advances, never
    read whole before the first copy (memory independent of the number of files)."""
    src, dst = tmp_path / "s", tmp_path / "d"
    names = [f"d{i // 50:02d}/f{i % 50:02d}" for i in range(500)]
    _tree(str(src), {n: b"x" for n in names})
    _tree(str(dst), {n: b"old!" for n in names})  # every file differs: all copied
    pulled: list[str] = []
    original = FSPath._scan_files_sorted

    def watched(self, followlinks=False):
        for item in original(self, followlinks):
            if str(self) == str(dst):
                pulled.append(item[0])
            yield item

    monkeypatch.setattr(FSPath, "_scan_files_sorted", watched)
    ahead: list[int] = []

    def after_copy(source: str, _target: str) -> None:
        relative = os.path.relpath(source, src)
        ahead.append(len([p for p in list(pulled) if p > relative]))

    result = sync(str(src), str(dst), max_workers=1, callback_after_copy_file=after_copy)
    assert result.copied == 500
    assert len(pulled) == 500
    assert max(ahead) <= 1  # the destination listing is never ahead of the source


def test_sync_stale_temps_found_by_the_streamed_listing(tmp_path):
    src, dst = tmp_path / "s", tmp_path / "d"
    _tree(str(src), {"a/1": b"1", "m/2": b"2"})
    _tree(str(dst), {"z/.late.0123abcd.temp": b"partial", "a/.x.89abcdef.temp": b"p"})
    old = time.time() - 3600
    for temp in ("z/.late.0123abcd.temp", "a/.x.89abcdef.temp"):
        os.utime(dst / temp, (old, old))
    result = sync(str(src), str(dst))
    assert sorted(result.removed_temps) == ["a/.x.89abcdef.temp", "z/.late.0123abcd.temp"]
