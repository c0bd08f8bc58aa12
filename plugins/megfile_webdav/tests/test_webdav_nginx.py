"""Core's contract suite against nginx's dav module: PUT, DELETE, MKCOL, COPY and
MOVE, no PROPFIND. stat falls back to HEAD; every test that lists a directory must
end in the clear error for PROPFIND-less servers (and nothing else)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

import megfile_core as megfile
from megfile_core.testing.contract import PathContract
from megfile_webdav.errors import WebdavUnsupportedError

#: contract tests that list a directory (listdir, walk, glob, sync, move's merge)
NEEDS_LISTING = (
    "test_failed_atomic_write_keeps_old_content",  # its last check lists the root
    "test_names_round_trip",
    "test_dir_size_and_mtime",
    "test_listdir_scandir_iterdir",
    "test_walk_and_scan",
    "test_glob",
    "test_rename_without_overwrite_keeps_both",
    "test_move_across_without_overwrite_keeps_both",
    "test_recursive_glob_base",
    "test_sync_round_trip_and_skip",
)


def _refused_listing(test: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(test)
    def run(self: Any, *args: Any, **kwargs: Any) -> None:
        with pytest.raises(WebdavUnsupportedError, match="needs WebDAV PROPFIND"):
            test(self, *args, **kwargs)

    return run


class TestNginxContract(PathContract):
    supports_symlinks = False
    supports_empty_dirs = True
    supports_append = True
    supports_rmdir = True
    preserves_mtime = False

    @pytest.fixture
    def root(self, nginx_root: str) -> str:
        return nginx_root

    def test_stat_without_propfind(self, root: str) -> None:
        megfile.smart_save_text(f"{root}/d/f.txt", "12345")
        stat = megfile.smart_stat(f"{root}/d/f.txt")
        assert (stat.size, stat.is_dir()) == (5, False)
        assert stat.mtime > 0
        assert megfile.smart_isdir(f"{root}/d") and not megfile.smart_isfile(f"{root}/d")
        assert not megfile.smart_exists(f"{root}/nope")

    def test_listing_error_says_what_to_do(self, root: str) -> None:
        with pytest.raises(WebdavUnsupportedError) as caught:
            megfile.smart_listdir(root)
        assert isinstance(caught.value, OSError)
        assert "PROPFIND" in str(caught.value) and "dav_ext" in str(caught.value)


for _name in NEEDS_LISTING:
    setattr(TestNginxContract, _name, _refused_listing(getattr(PathContract, _name)))
