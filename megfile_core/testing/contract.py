"""Contract test suites a backend's tests subclass.

* :class:`ReadableContract`: reading one existing file (every backend).
* :class:`ReadOnlyContract`: that, plus every write, listing and move refused with
  an ``UnsupportedError`` (a backend built on ``megfile_core.readonly.ReadOnlyPath``).
* :class:`PathContract`: a writable backend: the readable part on a file it writes
  itself, and everything else (listings, changes, copies, sync ...).

Usage in a plugin's tests::

    from megfile_core.testing.contract import PathContract

    class TestMyBackend(PathContract):
        supports_symlinks = False

        @pytest.fixture
        def root(self, my_server):
            return "myproto://bucket/some-fresh-dir"   # empty, unique per test

A read-only backend provides ``readable`` instead: the URL of an existing file and
its content (text lines, at least 2 KiB). Capability flags turn off what a store
cannot do (``supports_empty_dirs`` for object stores whose directories are key
prefixes, and so on).
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import time
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.errors import UnsupportedError
from megfile_core.smart_path import SmartPath

__all__ = ["PathContract", "ReadOnlyContract", "ReadableContract"]

#: what PathContract writes for the readable part: text lines, 2 KiB and more
READABLE_TEXT = "".join(f"line {i}: h\u00e9llo w\u00f6rld\n" for i in range(200))


class ReadableContract:
    """Reading one existing file; subclass and provide ``readable``."""

    @pytest.fixture
    def readable(self) -> tuple[str, bytes]:  # pragma: no cover - subclasses provide it
        raise NotImplementedError("define a readable fixture: (url of a file, its content)")

    def size_known(self, url: str) -> bool:
        """Whether ``stat`` can tell the size of ``url`` (a server may not say)."""
        return True

    def test_read_bytes_and_text(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        assert SmartPath(url).read_bytes() == content
        assert SmartPath(url).read_text(encoding="utf-8") == content.decode()
        assert smart.smart_load_text(url) == content.decode()

    def test_lines(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        with SmartPath(url).open("r", encoding="utf-8") as handle:
            assert list(handle) == content.decode().splitlines(keepends=True)

    def test_partial_reads_and_forward_seek(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        assert len(content) >= 2048, "the readable file must hold 2 KiB or more"
        with SmartPath(url).open("rb") as handle:
            assert handle.read(7) == content[:7]
            assert handle.seek(1000) == 1000
            assert handle.tell() == 1000
            assert handle.read(10) == content[1000:1010]
            chunk = bytearray(20)
            assert handle.readinto(chunk) == 20  # type: ignore[attr-defined]
            assert bytes(chunk) == content[1010:1030]
            assert handle.read() == content[1030:]
            assert handle.read(5) == b""

    def test_backward_seek_works_or_says_why(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        with SmartPath(url).open("rb") as handle:
            handle.read(100)
            if handle.seekable():
                handle.seek(3)
                assert handle.read(4) == content[3:7]
            else:
                with pytest.raises(io.UnsupportedOperation):
                    handle.seek(3)

    def test_load_content_ranges(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        assert smart.smart_load_content(url, 10, 30) == content[10:30]
        assert smart.smart_load_content(url, len(content) - 3) == content[-3:]
        assert smart.smart_load_content(url, len(content) + 5) == b""
        # megfile: a negative offset counts from the end, as in a slice
        assert smart.smart_load_content(url, -3) == content[-3:]
        assert smart.smart_load_content(url, 5, -5) == content[5:-5]

    def test_metadata(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        path = SmartPath(url)
        assert path.exists()
        assert path.is_file()
        assert not path.is_dir()
        stat = path.stat()
        assert not stat.is_dir()
        if self.size_known(url):
            assert stat.size == len(content)
            assert path.getsize() == len(content)
        assert path.getmtime() > 0

    def test_md5_of_a_file(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        assert SmartPath(url).md5() == hashlib.md5(content).hexdigest()

    def test_missing_sibling(self, readable: tuple[str, bytes]) -> None:
        url, _content = readable
        missing = SmartPath(url).with_name("missing-sibling.txt")
        assert not missing.exists()
        with pytest.raises(FileNotFoundError):
            missing.read_bytes()
        with pytest.raises(FileNotFoundError):
            missing.stat()

    def test_closed_reader_refuses(self, readable: tuple[str, bytes]) -> None:
        url, _content = readable
        handle = SmartPath(url).open("rb")
        handle.close()
        handle.close()
        with pytest.raises(ValueError, match="closed"):
            handle.read(1)

    def test_copy_to_a_local_file(self, readable: tuple[str, bytes], tmp_path: Any) -> None:
        url, content = readable
        target = tmp_path / "copied" / "file.txt"
        seen: list[int] = []
        smart.smart_copy(url, str(target), callback=seen.append)
        assert target.read_bytes() == content
        assert sum(seen) == len(content)


class ReadOnlyContract(ReadableContract):
    """A read-only backend: reading works, and everything else is refused at once
    with an ``UnsupportedError`` naming the operation (no request sent)."""

    REFUSED = (
        ("open('wb')", lambda p: p.open("wb")),
        ("open('ab')", lambda p: p.open("a")),
        ("open('rb+')", lambda p: p.open("r+")),
        ("open('xb')", lambda p: p.open("xb")),
        ("write", lambda p: p.write_bytes(b"x")),
        ("write", lambda p: p.write_text("x")),
        ("write", lambda p: p.save(io.BytesIO(b"x"))),
        ("touch", lambda p: p.touch()),
        ("listdir", lambda p: p.listdir()),
        ("scandir", lambda p: p.scandir()),
        ("iterdir", lambda p: list(p.iterdir())),
        ("remove", lambda p: p.remove()),
        ("unlink", lambda p: p.unlink()),
        ("mkdir", lambda p: p.mkdir()),
        ("makedirs", lambda p: p.makedirs()),
        ("rename", lambda p: p.pathlike.rename(p.pathlike)),
        ("move", lambda p: p.pathlike.move(p.pathlike)),
        ("rmdir", lambda p: p.rmdir()),
        ("utime", lambda p: p.utime(0, 0)),
        ("chmod", lambda p: p.chmod(0o644)),
        ("symlink", lambda p: p.symlink(p)),
    )

    def test_everything_but_reading_is_refused(self, readable: tuple[str, bytes]) -> None:
        url, content = readable
        path = SmartPath(url)
        for operation, call in self.REFUSED:
            with pytest.raises(UnsupportedError) as caught:
                call(path)
            assert operation in str(caught.value), (operation, str(caught.value))
            assert isinstance(caught.value, (io.UnsupportedOperation, NotImplementedError))
        assert path.read_bytes() == content  # nothing was written


class PathContract(ReadableContract):
    """Behaviour every writable backend shares; subclass and provide ``root``."""

    supports_empty_dirs = True
    supports_symlinks = False
    supports_append = True
    supports_rmdir = True
    preserves_mtime = True

    @pytest.fixture
    def root(self) -> str:  # pragma: no cover - subclasses provide it
        raise NotImplementedError("subclass PathContract and define a root fixture")

    @pytest.fixture
    def local_dir(self, tmp_path: Any) -> str:
        return str(tmp_path / "local")

    @staticmethod
    def join(root: str, *parts: str) -> str:
        return smart.smart_path_join(root, *parts)

    @pytest.fixture
    def readable(self, root: str) -> tuple[str, bytes]:
        url = self.join(root, "readable.txt")
        smart.smart_save_text(url, READABLE_TEXT)
        return url, READABLE_TEXT.encode()

    # -- content -------------------------------------------------------------------
    def test_bytes_round_trip(self, root: str) -> None:
        path = self.join(root, "a.bin")
        data = os.urandom(1000) + b"\x00\xff"
        smart.smart_save_content(path, data)
        assert smart.smart_load_content(path) == data
        assert smart.smart_load_content(path, 10, 20) == data[10:20]
        assert smart.smart_load_content(path, 995) == data[995:]

    def test_load_content_negative_offsets_count_from_the_end(self, root: str) -> None:
        path = self.join(root, "slice.bin")
        data = bytes(range(200))
        smart.smart_save_content(path, data)
        assert smart.smart_load_content(path, -3) == data[-3:]
        assert smart.smart_load_content(path, -3, -1) == data[-3:-1]
        assert smart.smart_load_content(path, 2, -1) == data[2:-1]
        assert smart.smart_load_content(path, None, -1) == data[:-1]
        assert smart.smart_load_content(path, -1000) == data
        with pytest.raises(ValueError, match="stop"):
            smart.smart_load_content(path, -1, -3)
        with pytest.raises(TypeError, match="start"):
            smart.smart_load_content(path, "1")  # type: ignore[arg-type]

    def test_text_round_trip(self, root: str) -> None:
        path = self.join(root, "t.txt")
        text = "héllo\nwörld ✓\n"
        smart.smart_save_text(path, text)
        assert smart.smart_load_text(path) == text
        with smart.smart_open(path, "r", encoding="utf-8") as handle:
            assert handle.readline() == "héllo\n"
            assert list(handle) == ["wörld ✓\n"]

    def test_missing_file_raises(self, root: str) -> None:
        path = self.join(root, "nope.txt")
        with pytest.raises(FileNotFoundError):
            smart.smart_open(path, "rb").read()
        with pytest.raises(FileNotFoundError):
            smart.smart_stat(path)
        assert not smart.smart_exists(path)
        assert not smart.smart_isfile(path)
        assert not smart.smart_isdir(path)

    def test_exclusive_create(self, root: str) -> None:
        path = self.join(root, "x.txt")
        with smart.smart_open(path, "x") as handle:
            handle.write("one")
        with pytest.raises(FileExistsError):
            with smart.smart_open(path, "x") as handle:
                handle.write("two")
        assert smart.smart_load_text(path) == "one"

    def test_append(self, root: str) -> None:
        path = self.join(root, "log.txt")
        smart.smart_save_text(path, "a")
        if not self.supports_append:
            with pytest.raises(UnsupportedError):
                smart.smart_open(path, "a").close()
            assert smart.smart_load_text(path) == "a"
            return
        with smart.smart_open(path, "a") as handle:
            handle.write("b")
        with smart.smart_open(path, "ab") as handle:
            handle.write(b"c")
        assert smart.smart_load_text(path) == "abc"

    def test_seek_and_read_large(self, root: str) -> None:
        path = self.join(root, "big.bin")
        rng = random.Random(7)
        data = rng.randbytes(3 * 1024 * 1024 + 17)
        smart.smart_save_content(path, data)
        with smart.smart_open(path, "rb", block_size=256 * 1024) as handle:
            for _ in range(50):
                start = rng.randrange(len(data))
                length = rng.randrange(1, 300_000)
                handle.seek(start)
                assert handle.read(length) == data[start : start + length]
            handle.seek(-5, io.SEEK_END)
            assert handle.read() == data[-5:]
            assert handle.tell() == len(data)

    def test_empty_file(self, root: str) -> None:
        path = self.join(root, "empty")
        smart.smart_save_content(path, b"")
        assert smart.smart_load_content(path) == b""
        assert smart.smart_stat(path).size == 0
        with smart.smart_open(path, "rb") as handle:
            assert handle.read() == b""

    def test_failed_atomic_write_keeps_old_content(self, root: str) -> None:
        path = self.join(root, "keep.txt")
        smart.smart_save_text(path, "old")

        class Boom(Exception):
            pass

        def fail_text() -> None:
            with smart.smart_open(path, "w", atomic=True) as handle:
                handle.write("partial")
                raise Boom

        with pytest.raises(Boom):
            fail_text()
        assert smart.smart_load_text(path) == "old"
        fresh = self.join(root, "fresh.txt")

        def fail_binary() -> None:
            with smart.smart_open(fresh, "wb", atomic=True) as handle:
                handle.write(b"x" * 1000)
                raise Boom

        with pytest.raises(Boom):
            fail_binary()
        assert not smart.smart_exists(fresh)
        assert smart.smart_listdir(root) == ["keep.txt"]

    def test_names_round_trip(self, root: str) -> None:
        names = ["a b.txt", "ü-ñ.txt", "hash#q?.txt", "pct%20+plus.txt"]
        for name in names:
            smart.smart_save_text(self.join(root, "odd dir", name), name)
        assert smart.smart_listdir(self.join(root, "odd dir")) == sorted(names)
        for name in names:
            assert smart.smart_load_text(self.join(root, "odd dir", name)) == name

    # -- metadata --------------------------------------------------------------------
    def test_stat_and_kinds(self, root: str) -> None:
        before = time.time()
        path = self.join(root, "d", "f.txt")
        smart.smart_save_text(path, "12345")
        stat = smart.smart_stat(path)
        assert stat.size == 5
        assert not stat.is_dir()
        assert stat.mtime >= before - 5
        assert smart.smart_isfile(path)
        assert smart.smart_isdir(self.join(root, "d"))
        assert not smart.smart_isfile(self.join(root, "d"))
        assert smart.smart_exists(self.join(root, "d"))
        assert smart.smart_getsize(path) == 5

    def test_dir_size_and_mtime(self, root: str) -> None:
        smart.smart_save_content(self.join(root, "s", "a"), b"123")
        smart.smart_save_content(self.join(root, "s", "b", "c"), b"4567")
        assert smart.smart_getsize(self.join(root, "s")) == 7
        assert smart.smart_getmtime(self.join(root, "s")) >= smart.smart_getmtime(
            self.join(root, "s", "a")
        )

    def test_md5(self, root: str) -> None:
        path = self.join(root, "m.bin")
        data = os.urandom(5000)
        smart.smart_save_content(path, data)
        assert smart.smart_getmd5(path, recalculate=True) == hashlib.md5(data).hexdigest()

    # -- listing ---------------------------------------------------------------------
    def _tree(self, root: str) -> None:
        for rel in ("a/1.txt", "a/2.log", "a/b/3.txt", "c/4.txt", "5.txt"):
            smart.smart_save_text(self.join(root, *rel.split("/")), rel)

    def test_listdir_scandir_iterdir(self, root: str) -> None:
        self._tree(root)
        assert smart.smart_listdir(root) == ["5.txt", "a", "c"]
        with smart.smart_scandir(self.join(root, "a")) as entries:
            found = {e.name: (e.is_dir(), e.path) for e in entries}
        assert found == {
            "1.txt": (False, self.join(root, "a", "1.txt")),
            "2.log": (False, self.join(root, "a", "2.log")),
            "b": (True, self.join(root, "a", "b")),
        }
        assert [str(p) for p in SmartPath(root).iterdir()] == [
            self.join(root, n) for n in ("5.txt", "a", "c")
        ]
        with pytest.raises((FileNotFoundError, NotADirectoryError)):
            smart.smart_listdir(self.join(root, "missing"))

    def test_walk_and_scan(self, root: str) -> None:
        self._tree(root)
        walked = [(r, d, f) for r, d, f in smart.smart_walk(root)]
        assert walked[0] == (self.join(root).rstrip("/"), ["a", "c"], ["5.txt"])
        assert (self.join(root, "a"), ["b"], ["1.txt", "2.log"]) in walked
        scanned = list(smart.smart_scan(root))
        assert scanned == sorted(scanned)
        assert scanned == [
            self.join(root, *r.split("/"))
            for r in ("5.txt", "a/1.txt", "a/2.log", "a/b/3.txt", "c/4.txt")
        ]
        sizes = {e.name: e.stat.size for e in smart.smart_scan_stat(root)}
        assert sizes["3.txt"] == len("a/b/3.txt")
        assert list(smart.smart_walk(self.join(root, "missing"))) == []

    def test_glob(self, root: str) -> None:
        self._tree(root)
        assert smart.smart_glob(self.join(root, "*.txt")) == [self.join(root, "5.txt")]
        assert smart.smart_glob(self.join(root, "**", "*.txt")) == sorted(
            self.join(root, *r.split("/")) for r in ("5.txt", "a/1.txt", "a/b/3.txt", "c/4.txt")
        )
        assert smart.smart_glob(self.join(root, "{a,c}", "*.txt")) == [
            self.join(root, "a", "1.txt"),
            self.join(root, "c", "4.txt"),
        ]
        assert smart.smart_glob(self.join(root, "zz*")) == []
        with pytest.raises(FileNotFoundError):
            smart.smart_glob(self.join(root, "zz*"), missing_ok=False)
        found = SmartPath(root).glob("a/*")
        assert [p.name for p in found] == ["1.txt", "2.log", "b"]

    # -- changes ---------------------------------------------------------------------
    def test_mkdir(self, root: str) -> None:
        path = self.join(root, "new", "deep")
        if not self.supports_empty_dirs:
            # directories are key prefixes: makedirs succeeds, and a directory
            # exists once something is under it
            smart.smart_makedirs(path, exist_ok=True)
            smart.smart_save_text(self.join(path, "f"), "x")
            assert smart.smart_isdir(path)
            return
        with pytest.raises(FileNotFoundError):
            SmartPath(path).mkdir()
        smart.smart_makedirs(path)
        assert smart.smart_isdir(path)
        with pytest.raises(FileExistsError):
            smart.smart_makedirs(path)
        smart.smart_makedirs(path, exist_ok=True)

    def test_unlink_and_remove(self, root: str) -> None:
        self._tree(root)
        smart.smart_unlink(self.join(root, "5.txt"))
        assert not smart.smart_exists(self.join(root, "5.txt"))
        with pytest.raises(FileNotFoundError):
            smart.smart_unlink(self.join(root, "5.txt"))
        smart.smart_unlink(self.join(root, "5.txt"), missing_ok=True)
        smart.smart_remove(self.join(root, "a"))
        assert not smart.smart_exists(self.join(root, "a"))
        assert not smart.smart_exists(self.join(root, "a", "b", "3.txt"))
        assert smart.smart_exists(self.join(root, "c", "4.txt"))
        with pytest.raises(FileNotFoundError):
            smart.smart_remove(self.join(root, "a"))
        smart.smart_remove(self.join(root, "a"), missing_ok=True)

    def test_rename_and_move(self, root: str) -> None:
        self._tree(root)
        smart.smart_rename(self.join(root, "5.txt"), self.join(root, "6.txt"))
        assert smart.smart_load_text(self.join(root, "6.txt")) == "5.txt"
        assert not smart.smart_exists(self.join(root, "5.txt"))
        smart.smart_move(self.join(root, "a"), self.join(root, "moved"))
        assert smart.smart_load_text(self.join(root, "moved", "b", "3.txt")) == "a/b/3.txt"
        assert not smart.smart_exists(self.join(root, "a", "1.txt"))

    def test_rename_without_overwrite_keeps_both(self, root: str) -> None:
        src, dst = self.join(root, "keep-src.txt"), self.join(root, "keep-dst.txt")
        smart.smart_save_text(src, "source")
        smart.smart_save_text(dst, "existing")
        smart.smart_rename(src, dst, overwrite=False)
        assert smart.smart_load_text(dst) == "existing"
        assert smart.smart_load_text(src) == "source"  # not lost
        smart.smart_save_text(self.join(root, "d1", "same.txt"), "new")
        smart.smart_save_text(self.join(root, "d1", "only.txt"), "only")
        smart.smart_save_text(self.join(root, "d2", "same.txt"), "old")
        smart.smart_move(self.join(root, "d1"), self.join(root, "d2"), overwrite=False)
        assert smart.smart_load_text(self.join(root, "d2", "same.txt")) == "old"
        assert smart.smart_load_text(self.join(root, "d2", "only.txt")) == "only"
        assert smart.smart_load_text(self.join(root, "d1", "same.txt")) == "new"
        assert not smart.smart_exists(self.join(root, "d1", "only.txt"))

    def test_move_across_without_overwrite_keeps_both(self, root: str, local_dir: str) -> None:
        local = os.path.join(local_dir, "moving")
        os.makedirs(local)
        for name, text in (("same.txt", "new"), ("only.txt", "only")):
            with open(os.path.join(local, name), "w") as handle:
                handle.write(text)
        smart.smart_save_text(self.join(root, "into", "same.txt"), "old")
        smart.smart_move(
            os.path.join(local, "same.txt"), self.join(root, "into", "same.txt"), overwrite=False
        )
        assert os.path.exists(os.path.join(local, "same.txt"))
        smart.smart_move(local, self.join(root, "into"), overwrite=False)
        assert smart.smart_load_text(self.join(root, "into", "same.txt")) == "old"
        assert smart.smart_load_text(self.join(root, "into", "only.txt")) == "only"
        assert os.path.exists(os.path.join(local, "same.txt"))
        assert not os.path.exists(os.path.join(local, "only.txt"))

    def test_touch(self, root: str) -> None:
        path = self.join(root, "touched")
        smart.smart_touch(path)
        assert smart.smart_isfile(path)
        assert smart.smart_load_content(path) == b""
        smart.smart_save_text(path, "keep")
        smart.smart_touch(path)
        assert smart.smart_load_text(path) == "keep"

    def test_copy_within_and_across(self, root: str, local_dir: str) -> None:
        data = os.urandom(70_000)
        src = self.join(root, "src.bin")
        smart.smart_save_content(src, data)
        smart.smart_copy(src, self.join(root, "dst.bin"))
        assert smart.smart_load_content(self.join(root, "dst.bin")) == data
        seen: list[int] = []
        local = os.path.join(local_dir, "down.bin")
        smart.smart_copy(src, local, callback=seen.append)
        with open(local, "rb") as handle:
            assert handle.read() == data
        assert sum(seen) == len(data)
        smart.smart_copy(local, self.join(root, "up.bin"))
        assert smart.smart_load_content(self.join(root, "up.bin")) == data

    def test_copy_of_a_missing_source_creates_nothing(self, root: str, local_dir: str) -> None:
        missing = self.join(root, "missing.bin")
        targets = [
            self.join(root, "out", "deep", "x.bin"),
            os.path.join(local_dir, "out", "deep", "x.bin"),
        ]
        for target in targets:
            with pytest.raises(FileNotFoundError):
                smart.smart_copy(missing, target)
        with pytest.raises(FileNotFoundError):
            smart.smart_copy(os.path.join(local_dir, "missing"), targets[0])
        assert not smart.smart_exists(self.join(root, "out"))
        assert not os.path.exists(os.path.join(local_dir, "out"))

    def test_copy_from_and_to_file_urls(self, root: str, local_dir: str) -> None:
        os.makedirs(local_dir, exist_ok=True)
        local = os.path.join(local_dir, "src.txt")
        with open(local, "w") as handle:
            handle.write("from a file URL")
        smart.smart_copy("file://" + local, self.join(root, "up.txt"))
        assert smart.smart_load_text(self.join(root, "up.txt")) == "from a file URL"
        back = os.path.join(local_dir, "back.txt")
        smart.smart_copy(self.join(root, "up.txt"), "file://" + back)
        with open(back) as handle:
            assert handle.read() == "from a file URL"

    def test_recursive_glob_base(self, root: str) -> None:
        self._tree(root)
        found = smart.smart_glob(self.join(root, "a", "**"))
        below = [self.join(root, "a", *r.split("/")) for r in ("1.txt", "2.log", "b", "b/3.txt")]
        if type(SmartPath(root).pathlike).glob_base_dir:
            # the stdlib and megfile on a file system: the base itself, as "a/"
            assert found == [self.join(root, "a") + "/", *below]
        else:
            assert found == below  # an object store's prefix is no entry

    def test_sync_round_trip_and_skip(self, root: str, local_dir: str) -> None:
        for rel in ("x/1.txt", "x/y/2.txt", "3.txt"):
            smart.smart_save_text(os.path.join(local_dir, "src", rel), rel * 3)
        first = smart.smart_sync(os.path.join(local_dir, "src"), self.join(root, "up"))
        assert first.copied == 3
        second = smart.smart_sync(os.path.join(local_dir, "src"), self.join(root, "up"))
        assert (second.copied, second.skipped) == (0, 3)
        back = os.path.join(local_dir, "back")
        smart.smart_sync(self.join(root, "up"), back)
        assert smart.smart_load_text(os.path.join(back, "x", "y", "2.txt")) == "x/y/2.txt" * 3
        again = smart.smart_sync(self.join(root, "up"), back)
        assert again.copied == 0

    def test_path_keeps_scheme(self, root: str) -> None:
        path = SmartPath(self.join(root, "k", "leaf.txt"))
        assert str(path.parent) == self.join(root, "k")
        assert str(path.parent / "other") == self.join(root, "k", "other")
        assert path.name == "leaf.txt"
        assert path.suffix == ".txt"
        assert str(path.with_suffix(".bin")) == self.join(root, "k", "leaf.bin")

    def test_symlink(self, root: str) -> None:
        target = self.join(root, "target.txt")
        link = self.join(root, "link.txt")
        smart.smart_save_text(target, "t")
        if not self.supports_symlinks:
            with pytest.raises(UnsupportedError, match="symlink"):
                smart.smart_symlink(target, link)
            assert not smart.smart_islink(target)
            return
        smart.smart_symlink(target, link)
        assert smart.smart_islink(link)
        assert smart.smart_load_text(link) == "t"
        target_of_link = smart.smart_readlink(link)  # a path object, as in megfile
        assert isinstance(target_of_link, SmartPath)
        assert str(target_of_link).endswith("target.txt")
