"""megfile_core.io.edit.EditFile: update modes over a publish-at-close callback."""

from __future__ import annotations

import gc
import io
from typing import IO

import pytest

from megfile_core.io.edit import EditFile


class Store:
    """What a backend's publish callback would upload, and how often."""

    def __init__(self) -> None:
        self.published: list[bytes] = []

    def publish(self, file: IO[bytes]) -> None:
        self.published.append(file.read())


def test_rb_plus_edits_the_initial_content() -> None:
    store = Store()
    with EditFile(store.publish, name="x", mode="rb+", initial=io.BytesIO(b"hello")) as f:
        assert f.read(2) == b"he"
        f.seek(0)
        f.write(b"J")
        assert f.tell() == 1
        assert store.published == []  # nothing before close
    assert store.published == [b"Jello"]


def test_ab_plus_always_writes_at_the_end() -> None:
    store = Store()
    f = EditFile(store.publish, name="x", mode="ab+", initial=io.BytesIO(b"abc"))
    assert f.tell() == 3
    f.seek(0)
    assert f.read() == b"abc"
    f.seek(1)
    f.write(b"d")
    f.close()
    f.close()  # idempotent: published once
    assert store.published == [b"abcd"]


def test_wb_plus_starts_empty_and_truncates() -> None:
    store = Store()
    with EditFile(store.publish, name="x", mode="wb+") as f:
        f.write(b"0123456789")
        f.truncate(4)
        f.seek(0)
        assert f.readline() == b"0123"
    assert store.published == [b"0123"]


def test_an_error_in_the_block_or_abort_publishes_nothing() -> None:
    store = Store()
    with pytest.raises(KeyError):
        with EditFile(store.publish, name="x", mode="wb+") as f:
            f.write(b"partial")
            raise KeyError
    f = EditFile(store.publish, name="x", mode="rb+", initial=io.BytesIO(b"a"))
    assert f.abort() is True and f.abort() is False
    assert f.closed
    assert store.published == []


def test_dropped_files_publish_unless_atomic() -> None:
    store = Store()
    plain = EditFile(store.publish, name="x", mode="wb+")
    plain.write(b"kept")
    del plain
    atomic = EditFile(store.publish, name="y", mode="wb+", atomic=True)
    atomic.write(b"dropped")
    del atomic
    gc.collect()
    assert store.published == [b"kept"]


def test_closed_and_mode_checks() -> None:
    f = EditFile(Store().publish, name="x", mode="wb+")
    assert f.readable() and f.writable() and f.seekable()
    assert f.mode == "wb+" and f.name == "x"
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f.tell()
    buffer = bytearray(3)
    g = EditFile(Store().publish, name="x", mode="rb+", initial=io.BytesIO(b"xyz"))
    assert g.readinto(buffer) == 3 and buffer == b"xyz"
    g.abort()
