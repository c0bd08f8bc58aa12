"""The real ``megfile`` command against the real sshd: accepting an unknown host key
at a terminal (a pseudo-terminal made by util-linux ``script``), refusing it, no
prompt without a terminal or for a changed key; ``megfile sync`` between two
spellings of the server."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sshserver import SshServer

PROMPT = "Trust this key"


@pytest.fixture(scope="module")
def megfile_cmd() -> str:
    found = shutil.which("megfile", path=str(Path(sys.executable).parent)) or shutil.which(
        "megfile"
    )
    assert found, "the megfile console script is not installed"
    return found


@pytest.fixture(scope="module")
def script_cmd() -> str:
    """util-linux ``script`` (Debian: bsdutils), installed when missing."""
    found = shutil.which("script")
    if found is None:
        command = ["apt-get", "install", "-y", "--no-install-recommends", "bsdutils"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(command, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
            subprocess.run(command, env=env, capture_output=True, check=True)
        found = shutil.which("script")
    assert found
    return found


def _env(home: Path, key: Path) -> dict[str, str]:
    env = dict(
        os.environ, HOME=str(home), SFTP_PRIVATE_KEY_PATH=str(key), MEGFILE_SFTP_MAX_RETRY_TIMES="2"
    )
    for name in (
        "MEGFILE_SFTP_HOST_KEY_POLICY",
        "SSH_AUTH_SOCK",
        "SFTP_USERNAME",
        "SFTP_PASSWORD",
        "MEGFILE_CONFIG_PATH",
    ):
        env.pop(name, None)
    return env


def _in_terminal(
    script: str,
    command: list[str],
    answer: str,
    env: dict[str, str],
) -> subprocess.CompletedProcess[str]:
    """``command`` with stdin, stdout and stderr on a pseudo-terminal; ``answer`` typed."""
    line = " ".join(subprocess.list2cmdline([part]) for part in command)
    return subprocess.run(
        [script, "-qec", line, "/dev/null"],
        input=answer,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def listing(sshd: SshServer, remote_dir: str, tmp_path: Path) -> tuple[str, Path]:
    """A directory to list and a HOME that does not know the server's key."""
    Path(remote_dir, "visible-file.txt").write_text("x")
    home = tmp_path / "fresh-home"
    home.mkdir()
    return f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}", home


def test_cli_accepts_an_unknown_host_key_at_a_terminal(
    sshd: SshServer, listing: tuple[str, Path], megfile_cmd: str, script_cmd: str
) -> None:
    url, home = listing
    env = _env(home, sshd.client_key)
    done = _in_terminal(script_cmd, [megfile_cmd, "ls", url], "y\n", env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert PROMPT in output
    assert "ssh-ed25519" in output and "SHA256:" in output
    assert "visible-file.txt" in output.split(PROMPT, 1)[1]  # listed after the answer
    known = home / ".ssh" / "known_hosts"
    assert known.read_text() == sshd.host_key_line()
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    # trusted from now on: no prompt, even without a terminal
    again = subprocess.run(
        [megfile_cmd, "ls", url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["visible-file.txt"]


def test_cli_declined_host_key_is_not_written(
    sshd: SshServer, listing: tuple[str, Path], megfile_cmd: str, script_cmd: str
) -> None:
    url, home = listing
    done = _in_terminal(script_cmd, [megfile_cmd, "ls", url], "n\n", _env(home, sshd.client_key))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert PROMPT in output
    assert "visible-file.txt" not in output
    assert not (home / ".ssh" / "known_hosts").exists()


def test_cli_without_a_terminal_never_prompts(
    sshd: SshServer, listing: tuple[str, Path], megfile_cmd: str
) -> None:
    url, home = listing
    done = subprocess.run(
        [megfile_cmd, "ls", url],
        env=_env(home, sshd.client_key),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "[SftpUnknownHostKeyError] unknown host key" in done.stderr
    assert "MEGFILE_SFTP_HOST_KEY_POLICY" in done.stderr
    assert PROMPT not in done.stdout + done.stderr
    assert done.stdout == ""
    assert not (home / ".ssh").exists()


def test_cli_never_offers_to_accept_a_changed_key(
    tmp_path: Path, megfile_cmd: str, script_cmd: str
) -> None:
    server = SshServer.create(tmp_path / "sshd-changed")
    server.start()
    try:
        home = tmp_path / "home-changed"
        (home / ".ssh").mkdir(parents=True)
        known = home / ".ssh" / "known_hosts"
        known.write_text(server.host_key_line())
        server.restart(new_host_key=True)
        url = f"sftp://root@127.0.0.1:{server.port}//tmp"
        done = _in_terminal(
            script_cmd, [megfile_cmd, "ls", url], "y\n", _env(home, server.client_key)
        )
    finally:
        server.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "[SftpHostKeyChangedError]" in output and "CHANGED" in output
    assert PROMPT not in output
    assert known.read_text() != server.host_key_line()  # the old key stays


def test_cli_sync_between_two_spellings_of_a_server_streams(
    sshd: SshServer, sftp_env: Path, remote_dir: str, megfile_cmd: str
) -> None:
    """127.0.0.1 and localhost are different servers to us: no remote cp, the bytes
    stream through the client, mtimes are carried, a second sync copies nothing."""
    (sftp_env / ".ssh" / "known_hosts").write_text(
        sshd.host_key_line() + sshd.host_key_line("localhost")
    )
    src = Path(remote_dir, "src")
    (src / "sub").mkdir(parents=True)
    payload = {"a.bin": os.urandom(3 << 20), "sub/b.txt": b"b" * 1000, "sub/empty": b""}
    for name, data in payload.items():
        (src / name).write_bytes(data)
        os.utime(src / name, (1_600_000_000, 1_600_000_000))
    src_url = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}/src"
    dst_url = f"sftp://root@localhost:{sshd.port}/{remote_dir}/dst"
    env = _env(sftp_env, sshd.client_key)
    done = subprocess.run(
        [megfile_cmd, "sync", src_url, dst_url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for name, data in payload.items():
        copied = Path(remote_dir, "dst", name)
        assert copied.read_bytes() == data
        assert copied.stat().st_mtime == 1_600_000_000
    before = {name: Path(remote_dir, "dst", name).stat().st_ctime_ns for name in payload}
    again = subprocess.run(
        [megfile_cmd, "sync", src_url, dst_url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert {
        name: Path(remote_dir, "dst", name).stat().st_ctime_ns for name in payload
    } == before  # nothing written, not even an mtime


def test_ls_long_and_rm_as_megfile(megfile_cmd: str, sftp_root: str, remote_dir: str) -> None:
    """megfile 5.0.18 prints `` -> URL`` after a link (relative targets resolved) and
    megfile's sizes; ``rm DIR`` without -r fails with exit 1."""
    from megfile_core.cli.util import listing_size

    (Path(remote_dir) / "d").mkdir()
    (Path(remote_dir) / "a.txt").write_bytes(b"a" * 4333)
    os.symlink("a.txt", f"{remote_dir}/link")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [megfile_cmd, *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    def line(size: str, name: str, path: str) -> str:
        mtime = time.localtime(os.lstat(path).st_mtime)
        return f"{size} {time.strftime('%Y-%m-%d %H:%M:%S', mtime)} {name}"

    done = run("ls", "-l", "-h", sftp_root)
    assert done.returncode == 0, done.stderr
    dir_size = os.lstat(f"{remote_dir}/d").st_size
    assert done.stdout.splitlines() == [
        line("   4.23 KB", "a.txt", f"{remote_dir}/a.txt"),
        line(f"{listing_size(dir_size):>10}", "d", f"{remote_dir}/d"),
        line("       5 B", f"link -> {sftp_root}/a.txt", f"{remote_dir}/link"),
        f"total(3): {listing_size(4333 + dir_size + 5)}",
    ]
    refused = run("rm", f"{sftp_root}/d")
    assert refused.returncode == 1
    assert refused.stderr.startswith("[SftpIsADirectoryError] "), refused.stderr
    assert os.path.isdir(f"{remote_dir}/d")
