"""A private OpenSSH ``sshd`` on a loopback port, for tests and benchmarks.

Usage::

    server = SshServer.create(tmp_dir)      # keys, config, free port; not started
    server.start()                          # /usr/sbin/sshd -D -e -f CONFIG
    ... sftp://root@127.0.0.1:{server.port}//tmp/x ...
    server.stop()                           # ends only the sshd this object started

Everything (host key, client key, authorized_keys, config, pid file, log) lives in
the given directory. ``restart(new_host_key=True)`` keeps the port, so tests can
simulate a server restart or a changed host key.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SshServer", "ensure_sshd", "free_port"]

SSHD = "/usr/sbin/sshd"


def ensure_sshd() -> str:
    """Path of ``sshd``; installs openssh-server with apt-get when it is missing."""
    found = shutil.which("sshd") or (SSHD if os.path.exists(SSHD) else None)
    if found:
        return found
    command = ["apt-get", "install", "-y", "--no-install-recommends", "openssh-server"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(command, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(command, env=env, capture_output=True, check=True)
    return shutil.which("sshd") or SSHD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path, kind: str = "ed25519") -> None:
    for stale in (path, path.with_name(path.name + ".pub")):
        if stale.exists():
            stale.unlink()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True, capture_output=True
    )


@dataclass
class SshServer:
    directory: Path
    port: int
    password_auth: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls, directory: str | os.PathLike[str], password_auth: bool = False, port: int | None = None
    ) -> SshServer:
        ensure_sshd()
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        server = cls(root, port or free_port(), password_auth)
        _keygen(server.host_key)
        _keygen(server.client_key)
        shutil.copyfile(server.client_key.with_name("client_key.pub"), server.authorized_keys)
        os.chmod(server.client_key, 0o600)
        server.write_config()
        return server

    # -- files ------------------------------------------------------------------
    @property
    def host_key(self) -> Path:
        return self.directory / "host_key"

    @property
    def client_key(self) -> Path:
        return self.directory / "client_key"

    @property
    def authorized_keys(self) -> Path:
        return self.directory / "authorized_keys"

    @property
    def config(self) -> Path:
        return self.directory / "sshd_config"

    @property
    def log(self) -> Path:
        return self.directory / "sshd.log"

    def host_key_line(self, host: str = "127.0.0.1") -> str:
        """A known_hosts line for this server's current host key."""
        kind, blob = self.host_key.with_name("host_key.pub").read_text().split()[:2]
        name = host if self.port == 22 else f"[{host}]:{self.port}"
        return f"{name} {kind} {blob}\n"

    def write_config(self) -> None:
        lines = [
            "ListenAddress 127.0.0.1",
            f"Port {self.port}",
            f"HostKey {self.host_key}",
            f"PidFile {self.directory / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "PubkeyAuthentication yes",
            f"PasswordAuthentication {'yes' if self.password_auth else 'no'}",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            "StrictModes no",
            "Subsystem sftp internal-sftp",
            "MaxStartups 100:30:200",
            "MaxSessions 100",
            "LogLevel ERROR",
        ]
        self.config.write_text("\n".join(lines) + "\n")

    # -- process ----------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            raise RuntimeError("sshd already started")
        os.makedirs("/run/sshd", exist_ok=True)
        sshd = ensure_sshd()
        check = subprocess.run([sshd, "-t", "-f", str(self.config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"invalid sshd config: {check.stderr.strip()}")
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(
                [sshd, "-D", "-e", "-f", str(self.config)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"sshd did not start on port {self.port}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # sshd -D forks a child per connection, which outlives the listener: note
        # them first, then end the listener and them (by PID), like a real restart.
        children = self._children(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except OSError:
                pass

    @staticmethod
    def _children(parent: int) -> list[int]:
        """PIDs of the per-connection sshd processes forked by ``parent``."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry))
        return found

    def restart(self, new_host_key: bool = False) -> None:
        """Stop, optionally make a new host key, and start on the same port."""
        self.stop()
        if new_host_key:
            _keygen(self.host_key)
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
