"""One S3 server process for benchmarks (s3rver, rclone): a free loopback port, a
log beside the data, ready once the port accepts, stopped by PID (or its process
group) with SIGTERM, then SIGKILL after 10 s. Subclasses give the command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["ServerProcess", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """Start with :meth:`launch` from a subclass's ``start``; use as a context manager."""

    name = "server"
    #: stop the whole process group (a launcher such as npx starts children)
    group = False

    def __init__(self, data_dir: Path, port: int | None, start_timeout: float) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir.parent / f"{self.name}-{self.port}.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def launch(self, command: list[str], **popen: Any) -> None:
        """Run ``command`` and wait until the port accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=self.group,
                **popen,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}: "
                    f"{self.log.read_text()[-2000:]}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not listen on port {self.port} within "
            f"{self.start_timeout:.0f} s; see {self.log}"
        )

    def _signal(self, pid: int, sig: int) -> None:
        (os.killpg if self.group else os.kill)(pid, sig)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            self._signal(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            self._signal(process.pid, signal.SIGKILL)
            process.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()
