"""The sync engine hands small files to a copy function's ``batch``
(:class:`megfile_core.io.copy.BatchCopy`) and copies what it leaves one by one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from megfile_core.io.copy import BATCH_FILE_SIZE, BATCH_FILES
from megfile_core.registry import get_registry
from megfile_core.sync import sync


class _Batch:
    """Copies every pair but those whose index is a multiple of 7 (left)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        done: Callable[[int, int], None],
        followlinks: bool,
        overwrite: bool,
    ) -> list[int]:
        self.calls.append([src for src, _ in pairs])
        left = []
        for index, (src, dst) in enumerate(pairs):
            if index % 7 == 0:
                left.append(index)
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            done(index, os.path.getsize(src))
        return left


@pytest.mark.parametrize("resume", [False, True])
def test_small_files_go_in_batches_and_what_is_left_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resume: bool
) -> None:
    src = tmp_path / "src"
    files = {f"d{i % 3}/f{i:03d}": os.urandom(50 + i) for i in range(150)}
    files["big"] = os.urandom(BATCH_FILE_SIZE + 1)
    for name, data in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    batch = _Batch()

    def one(src: str, dst: str, *, callback: Any = None, **options: Any) -> None:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        if callback is not None:
            callback(os.path.getsize(src))

    one.batch = batch  # type: ignore[attr-defined]
    registry = get_registry()
    monkeypatch.setitem(registry._copy_funcs, ("file", "file"), [])
    registry.registrar("test-batches").register_copy_func("file", "file", one)
    after: list[str] = []
    moved: dict[str, int] = {}

    def count(path: str, n: int) -> None:
        moved[path] = moved.get(path, 0) + n

    result = sync(
        str(src),
        str(tmp_path / "dst"),
        callback=count,
        callback_after_copy_file=lambda s, d: after.append(s),
        resume=resume,
    )
    assert result.copied == len(files)
    assert result.bytes == sum(len(data) for data in files.values())
    assert sorted(after) == sorted(str(src / name) for name in files)
    assert sum(moved.values()) == result.bytes
    for name, data in files.items():
        assert (tmp_path / "dst" / name).read_bytes() == data, name
    if resume:  # a resumable copy goes file by file
        assert batch.calls == []
        return
    batched = [path for call in batch.calls for path in call]
    assert len(batched) == 150 and str(src / "big") not in batched
    assert all(len(call) <= BATCH_FILES for call in batch.calls)
