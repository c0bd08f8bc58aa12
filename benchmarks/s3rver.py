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
from pathlib import Path

from server_process import ServerProcess

__all__ = ["ACCESS_KEY", "SECRET_KEY", "S3rver"]

ACCESS_KEY = SECRET_KEY = "S3RVER"  # the only credentials s3rver accepts


class S3rver(ServerProcess):
    """An s3rver process storing under ``data_dir``, stopped with its process group."""

    name = "s3rver"
    group = True  # npx, npm exec and node
    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def __init__(
        self, data_dir: Path, port: int | None = None, start_timeout: float = 180.0
    ) -> None:
        super().__init__(data_dir, port, start_timeout)

    def start(self) -> S3rver:
        env = dict(os.environ)
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip()
        self.launch(
            [
                "npx",
                "--yes",
                "s3rver@3",
                "-d",
                str(self.data_dir),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-s",
            ],
            env=env,
        )
        return self

    def __enter__(self) -> S3rver:
        return self.start()
