"""demo://rel/path -> $MEGFILE_DEMO_ROOT/rel/path, built on core's file backend."""

import os

from megfile_core.builtin.fs import FSPath
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.types import FileEntry


class DemoPath(BasePath):
    protocol = "demo"

    def _local(self) -> FSPath:
        return FSPath(os.path.join(os.environ["MEGFILE_DEMO_ROOT"], self._path.lstrip("/")))

    def stat(self, follow_symlinks=True):
        return self._local().stat(follow_symlinks)

    def scandir(self):
        entries = (
            FileEntry(e.name, str(self.joinpath(e.name)), e.stat) for e in self._local().scandir()
        )
        return ContextIterator(entries)

    def _open(self, mode, **options):
        return self._local()._open(mode, **options)  # atomic=True and the like

    def mkdir(self, mode=0o777, parents=False, exist_ok=False):
        self._local().mkdir(mode, parents, exist_ok)

    def unlink(self, missing_ok=False):
        self._local().unlink(missing_ok)

    def rmdir(self):
        self._local().rmdir()

    def rename(self, dst_path, overwrite=True):
        dst = DemoPath(str(dst_path))
        self._local().rename(dst._local(), overwrite)
        return dst
