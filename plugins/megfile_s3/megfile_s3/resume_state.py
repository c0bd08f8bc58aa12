"""Where a resumable upload remembers its multipart upload: one small JSON file per
(local source, destination URL) under the user's cache directory.

* Directory: ``MEGFILE_RESUME_DIR`` when set, else ``$XDG_CACHE_HOME/megfile/uploads``,
  else ``~/.cache/megfile/uploads`` (made ``0700``; files ``0600``).
* The file name is a hash of the source's real path and the destination URL, so a
  rerun finds the upload even when the source changed since (it is then aborted,
  not resumed). The record holds the source's size and ``mtime_ns``, the part size,
  the destination and the UploadId; nothing secret.
* The file is held under an exclusive ``flock`` while its upload runs: a second
  process uploading the same file to the same place fails at once instead of
  mixing parts, and the stale-state cleaner skips uploads in progress. A killed
  process releases its lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "StateFile",
    "UploadInProgressError",
    "UploadState",
    "new_state",
    "state_dir",
    "state_files",
]

_VERSION = 1


class UploadInProgressError(BlockingIOError):
    """Another process is running the upload this state file describes."""


def state_dir() -> str:
    """The directory of resumable-upload state (see the module's doc)."""
    explicit = os.environ.get("MEGFILE_RESUME_DIR")
    if explicit:
        return explicit
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "megfile", "uploads")


@dataclass(frozen=True)
class UploadState:
    """One multipart upload started from a local file."""

    source: str
    size: int
    mtime_ns: int
    part_size: int
    url: str
    bucket: str
    key: str
    upload_id: str
    created: float

    def same_source(self, size: int, mtime_ns: int, part_size: int) -> bool:
        return (self.size, self.mtime_ns, self.part_size) == (size, mtime_ns, part_size)

    @classmethod
    def parse(cls, text: str) -> UploadState | None:
        """The state a file holds; None for anything unreadable or of another version."""
        try:
            record = json.loads(text)
            if record.pop("version", None) != _VERSION:
                return None
            return cls(**record)
        except (ValueError, TypeError):
            return None


def _name(source: str, url: str) -> str:
    digest = hashlib.sha256(json.dumps([source, url]).encode()).hexdigest()
    return f"{digest[:40]}.json"


def state_files() -> list[str]:
    """Paths of every state file in :func:`state_dir` (none when it is missing)."""
    directory = state_dir()
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return [os.path.join(directory, n) for n in sorted(names) if n.endswith(".json")]


class StateFile:
    """One state file, opened and locked: ``read``, ``write``, ``remove``, ``close``."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self.fd = fd

    @classmethod
    def for_upload(cls, source: str, url: str) -> StateFile:
        """The (locked) state file of uploading ``source`` to ``url``.

        :raises UploadInProgressError: another process holds it."""
        directory = state_dir()
        os.makedirs(directory, mode=0o700, exist_ok=True)
        return cls.lock(os.path.join(directory, _name(source, url)), create=True)

    @classmethod
    def lock(cls, path: str, create: bool = False) -> StateFile:
        """Open and lock ``path`` (without waiting).

        :raises UploadInProgressError: another process holds it.
        :raises FileNotFoundError: it is gone and ``create`` is false."""
        while True:
            flags = os.O_RDWR | (os.O_CREAT if create else 0)
            fd = os.open(path, flags, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                # removed (and maybe made anew) between our open and our lock: again
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return cls(path, fd)
            except BlockingIOError:
                os.close(fd)
                raise UploadInProgressError(
                    f"another process is running the upload that {path} describes; "
                    "wait for it to finish, or stop it and run again"
                ) from None
            except FileNotFoundError:
                if not create:
                    os.close(fd)
                    raise
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)

    def read(self) -> UploadState | None:
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self.fd, 1 << 16):
            chunks.append(chunk)
        return UploadState.parse(b"".join(chunks).decode("utf-8", "replace")) if chunks else None

    def write(self, state: UploadState) -> None:
        data: dict[str, Any] = {"version": _VERSION, **asdict(state)}
        payload = json.dumps(data, indent=1).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, payload, 0)
        os.fsync(self.fd)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def close(self) -> None:
        os.close(self.fd)  # releases the lock

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def new_state(
    source: str, stat: os.stat_result, part_size: int, dst: Any, upload_id: str
) -> UploadState:
    """The state of an upload just created (``dst``: the S3 path)."""
    return UploadState(
        source,
        stat.st_size,
        stat.st_mtime_ns,
        part_size,
        dst._url,
        dst.bucket,
        dst.key,
        upload_id,
        time.time(),
    )
