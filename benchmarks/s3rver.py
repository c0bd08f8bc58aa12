"""s3rver (the npm package) on 127.0.0.1 for benchmarks: fast, not faithful.

    with S3rver(data_dir) as server:
        server.endpoint  # http://127.0.0.1:PORT, credentials S3RVER / S3RVER

Started with ``npx --yes s3rver@3`` (node and the npm registry must be reachable;
the first start downloads the package). Node >= 17 links OpenSSL 3, where s3rver's
continuation-token cipher is missing: every ListObjectsV2 answers InternalError
unless node runs with ``--openssl-legacy-provider``, which this helper sets. Known
wrong answers even then: suffix ranges (``bytes=-N`` returns the first N+1 bytes),
ListParts, AbortMultipartUpload, UploadPartCopy, small parts and If-Match are not
S3's; use it for throughput, never for correctness.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["ACCESS_KEY", "SECRET_KEY", "S3rver"]

ACCESS_KEY = SECRET_KEY = "S3RVER"  # the only credentials s3rver accepts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class S3rver:
    """An s3rver process storing under ``data_dir``, stopped with its process group."""

    name = "s3rver"
    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def __init__(self, data_dir: Path, port: int | None = None,
                 start_timeout: float = 180.0) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or _free_port()
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir.parent / f"s3rver-{self.port}.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3rver:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["npx", "--yes", "s3rver@3", "-d", str(self.data_dir), "-a", "127.0.0.1",
                 "-p", str(self.port), "-s"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"s3rver exited with {self.process.returncode}: "
                                   f"{self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"s3rver did not listen on port {self.port} within "
                           f"{self.start_timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # npx, npm exec and node
        except ProcessLookupError:
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> S3rver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
