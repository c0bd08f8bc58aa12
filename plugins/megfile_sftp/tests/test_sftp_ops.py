"""Operations beyond the contract: links, chmod, utime, rename, remote commands."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from megfile_core import (
    SmartPath,
    smart_concat,
    smart_copy,
    smart_getmd5,
    smart_glob,
    smart_isdir,
    smart_isfile,
    smart_islink,
    smart_load_content,
    smart_load_text,
    smart_lstat,
    smart_move,
    smart_readlink,
    smart_realpath,
    smart_remove,
    smart_rename,
    smart_save_content,
    smart_save_text,
    smart_symlink,
    smart_sync,
    smart_walk,
)
from megfile_sftp import path as sftp_path
from megfile_sftp import remote
from megfile_sftp.path import SftpPath


def test_symlinks(sftp_root: str, remote_dir: str) -> None:
    smart_save_text(f"{sftp_root}/d/t.txt", "target")
    smart_symlink(f"{sftp_root}/d/t.txt", f"{sftp_root}/link")
    assert os.readlink(f"{remote_dir}/link") == f"{remote_dir}/d/t.txt"
    assert smart_islink(f"{sftp_root}/link")
    assert smart_lstat(f"{sftp_root}/link").is_symlink()
    assert smart_isfile(f"{sftp_root}/link")
    assert str(smart_readlink(f"{sftp_root}/link")) == f"{sftp_root}/d/t.txt"
    os.symlink("d", f"{remote_dir}/dirlink")
    assert str(smart_readlink(f"{sftp_root}/dirlink")) == f"{sftp_root}/d"
    assert smart_isdir(f"{sftp_root}/dirlink", followlinks=True)
    assert not smart_isdir(f"{sftp_root}/dirlink")
    assert smart_realpath(f"{sftp_root}/dirlink") == f"{sftp_root}/d"
    target = smart_readlink(f"{sftp_root}/dirlink")  # a path object, as in megfile
    assert isinstance(target, SmartPath) and str(target) == f"{sftp_root}/d"
    assert target.is_dir()
    walked = list(smart_walk(sftp_root, followlinks=True))
    assert (f"{sftp_root}/dirlink", [], ["t.txt"]) in walked
    smart_remove(f"{sftp_root}/dirlink")  # removes the link, not the target
    assert os.path.exists(f"{remote_dir}/d/t.txt")


def test_chmod_utime_stat(sftp_root: str, remote_dir: str) -> None:
    path = SmartPath(f"{sftp_root}/m.txt")
    path.write_text("x")
    path.chmod(0o640)
    assert stat.S_IMODE(os.stat(f"{remote_dir}/m.txt").st_mode) == 0o640
    path.utime(1_000_000, 1_500_000)
    assert os.stat(f"{remote_dir}/m.txt").st_mtime == 1_500_000
    assert path.stat().mtime == 1_500_000
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(FileNotFoundError):
        SmartPath(f"{sftp_root}/missing").chmod(0o600)


def test_errors_are_builtin_families(sftp_root: str) -> None:
    smart_save_text(f"{sftp_root}/f", "x")
    with pytest.raises(NotADirectoryError):
        SmartPath(f"{sftp_root}/f").listdir()
    with pytest.raises(IsADirectoryError):
        SmartPath(sftp_root).unlink()
    with pytest.raises(IsADirectoryError):
        SmartPath(sftp_root).open("rb")
    with pytest.raises(IsADirectoryError):
        SmartPath(sftp_root).open("wb")
    with pytest.raises(NotADirectoryError):
        SmartPath(f"{sftp_root}/f").rmdir()
    smart_save_text(f"{sftp_root}/d/g", "x")
    with pytest.raises(OSError, match="not empty"):
        SmartPath(f"{sftp_root}/d").rmdir()
    with pytest.raises(FileExistsError):
        SmartPath(f"{sftp_root}/f").mkdir()
    with pytest.raises(FileExistsError):
        SmartPath(f"{sftp_root}/f").touch(exist_ok=False)


def test_rename_overwrite_and_move_tree(sftp_root: str, remote_dir: str) -> None:
    smart_save_text(f"{sftp_root}/a", "a")
    smart_save_text(f"{sftp_root}/b", "b")
    smart_rename(f"{sftp_root}/a", f"{sftp_root}/b")  # posix-rename overwrites
    assert smart_load_text(f"{sftp_root}/b") == "a"
    smart_save_text(f"{sftp_root}/c", "c")
    SmartPath(f"{sftp_root}/c").rename(f"{sftp_root}/b", overwrite=False)
    assert smart_load_text(f"{sftp_root}/b") == "a"
    smart_save_text(f"{sftp_root}/t1/x/1", "1")
    smart_save_text(f"{sftp_root}/t2/y", "y")
    smart_move(f"{sftp_root}/t1", f"{sftp_root}/t2")  # merges into an existing dir
    assert sorted(os.listdir(f"{remote_dir}/t2")) == ["x", "y"]
    assert not os.path.exists(f"{remote_dir}/t1")
    smart_move(f"{sftp_root}/t2", f"{sftp_root}/new/deeper/t3")
    assert Path(remote_dir, "new/deeper/t3/x/1").read_text() == "1"


def test_rename_without_posix_rename(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paramiko

    def refuse(self: object, old: str, new: str) -> None:
        raise OSError("Operation unsupported")

    monkeypatch.setattr(paramiko.SFTPClient, "posix_rename", refuse)
    from megfile_sftp import client

    client.close_all()
    smart_save_text(f"{sftp_root}/a", "a")
    smart_save_text(f"{sftp_root}/b", "b")
    smart_rename(f"{sftp_root}/a", f"{sftp_root}/b")
    assert Path(remote_dir, "b").read_text() == "a"
    assert not Path(remote_dir, "a").exists()
    client.close_all()


def test_md5_remote_and_streamed(sftp_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.urandom(300_000)
    name = "odd name 'q' $(x).bin"
    smart_save_content(f"{sftp_root}/{name}", data)
    commands: list[str] = []
    real_run = remote.run

    def spy(target, command, path):  # type: ignore[no-untyped-def]
        commands.append(command)
        return real_run(target, command, path)

    monkeypatch.setattr(remote, "run", spy)
    assert smart_getmd5(f"{sftp_root}/{name}") == hashlib.md5(data).hexdigest()
    assert commands
    assert commands[0].startswith("md5sum -- '")
    monkeypatch.setattr(remote, "run", lambda *args: None)  # no exec on this server
    assert smart_getmd5(f"{sftp_root}/{name}") == hashlib.md5(data).hexdigest()


def test_copy_same_host_uses_cp(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(100_000)
    smart_save_content(f"{sftp_root}/s p.bin", data)
    SmartPath(f"{sftp_root}/s p.bin").utime(1_600_000_000, 1_600_000_000)
    commands: list[str] = []
    real_run = remote.run
    monkeypatch.setattr(remote, "run", lambda t, c, p: commands.append(c) or real_run(t, c, p))
    seen: list[int] = []
    smart_copy(f"{sftp_root}/s p.bin", f"{sftp_root}/new dir/d.bin", callback=seen.append)
    assert commands[0].startswith("cp -- ")
    assert Path(remote_dir, "new dir/d.bin").read_bytes() == data
    assert sum(seen) == len(data)
    assert os.stat(f"{remote_dir}/new dir/d.bin").st_mtime == 1_600_000_000
    monkeypatch.setattr(remote, "run", lambda *args: None)
    smart_copy(f"{sftp_root}/s p.bin", f"{sftp_root}/streamed.bin")
    assert Path(remote_dir, "streamed.bin").read_bytes() == data


def test_concat_runs_a_real_redirect(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [os.urandom(1000 + i) for i in range(3)]
    names = ["p 1", "p'2", "p>3"]
    for name, data in zip(names, parts, strict=True):
        smart_save_content(f"{sftp_root}/{name}", data)
    commands: list[str] = []
    real_run = remote.run
    monkeypatch.setattr(remote, "run", lambda t, c, p: commands.append(c) or real_run(t, c, p))
    smart_concat([f"{sftp_root}/{n}" for n in names], f"{sftp_root}/out > file")
    assert Path(remote_dir, "out > file").read_bytes() == b"".join(parts)
    assert " > '" in commands[0]
    assert commands[0].startswith("cat -- ")
    assert not os.path.exists(f"{remote_dir}/>")
    assert sorted(os.listdir(remote_dir)) == sorted([*names, "out > file"])
    # the destination may be one of the sources
    smart_concat([f"{sftp_root}/p 1", f"{sftp_root}/p'2"], f"{sftp_root}/p 1")
    assert Path(remote_dir, "p 1").read_bytes() == parts[0] + parts[1]
    monkeypatch.setattr(remote, "run", lambda *args: None)
    smart_concat([f"{sftp_root}/p'2", f"{sftp_root}/p>3"], f"{sftp_root}/streamed")
    assert Path(remote_dir, "streamed").read_bytes() == parts[1] + parts[2]


def test_sync_both_ways_sets_mtimes(sftp_root: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "x").mkdir(parents=True)
    (src / "x" / "1.bin").write_bytes(os.urandom(5000))
    (src / "2.bin").write_bytes(os.urandom(7))
    os.utime(src / "2.bin", (1_500_000_000, 1_500_000_000))
    assert smart_sync(str(src), f"{sftp_root}/up").copied == 2
    assert SmartPath(f"{sftp_root}/up/2.bin").stat().mtime == 1_500_000_000
    assert smart_sync(str(src), f"{sftp_root}/up").copied == 0
    back = tmp_path / "back"
    assert smart_sync(f"{sftp_root}/up", str(back)).copied == 2
    assert os.stat(back / "2.bin").st_mtime == 1_500_000_000
    assert smart_sync(f"{sftp_root}/up", str(back)).copied == 0
    assert smart_sync(f"{sftp_root}/up", f"{sftp_root}/up2").copied == 2
    assert smart_load_content(f"{sftp_root}/up2/x/1.bin") == (src / "x" / "1.bin").read_bytes()
    assert smart_sync(f"{sftp_root}/up", f"{sftp_root}/up2").copied == 0


def test_copy_funcs_are_registered(
    sftp_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_core.registry import get_registry
    from megfile_sftp import transfer

    assert get_registry().get_copy_func("file", "sftp") is transfer.upload
    assert get_registry().get_copy_func("sftp", "file") is transfer.download
    local = tmp_path / "l.bin"
    local.write_bytes(b"abc" * 1000)
    seen: list[int] = []
    smart_copy(str(local), f"{sftp_root}/u/l.bin", callback=seen.append)
    assert sum(seen) == 3000
    assert SftpPath(f"{sftp_root}/u/l.bin").stat().mtime == int(local.stat().st_mtime)
    smart_copy(f"{sftp_root}/u/l.bin", str(tmp_path / "d" / "back.bin"))
    assert (tmp_path / "d" / "back.bin").read_bytes() == b"abc" * 1000


def test_a_failed_download_leaves_the_local_file_as_it_was(
    sftp_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smart_save_content(f"{sftp_root}/f.bin", b"new" * 1000)
    local = tmp_path / "local" / "f.bin"
    local.parent.mkdir()
    local.write_bytes(b"old content")

    class Dropped(io.RawIOBase):
        """The first bytes of the file, then a dropped connection."""

        def __init__(self) -> None:
            self.sent = False

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            if self.sent:
                raise ConnectionResetError("connection dropped")
            self.sent = True
            buffer[:3] = b"new"
            return 3

    monkeypatch.setattr(sftp_path, "open_reader", lambda path, options: Dropped())
    with pytest.raises(ConnectionResetError):
        smart_copy(f"{sftp_root}/f.bin", str(local))
    assert local.read_bytes() == b"old content"  # written in place before: truncated
    assert os.listdir(local.parent) == ["f.bin"]  # and no temp file left


@pytest.fixture
def traffic(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Bytes that went through this client in SFTP reads and writes."""
    from megfile_sftp import pipeline

    seen = {"read": 0, "written": 0}
    real_read, real_write = pipeline.read_at, pipeline.write_at

    def read_at(conn, path, start, length):  # type: ignore[no-untyped-def]
        data, attrs = real_read(conn, path, start, length)
        seen["read"] += len(data)
        return data, attrs

    def write_at(conn, path, offset, data, handle=None):  # type: ignore[no-untyped-def]
        seen["written"] += len(memoryview(data))
        return real_write(conn, path, offset, data, handle)

    monkeypatch.setattr(pipeline, "read_at", read_at)
    monkeypatch.setattr(pipeline, "write_at", write_at)
    return seen


def test_copy_and_sync_on_one_server_move_no_bytes_through_us(
    sftp_root: str, remote_dir: str, traffic: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(2 << 20)
    Path(remote_dir, "src/sub").mkdir(parents=True)
    Path(remote_dir, "src/a.bin").write_bytes(data)
    Path(remote_dir, "src/sub/b.bin").write_bytes(data[:1000])
    commands: list[str] = []
    real_run = remote.run
    monkeypatch.setattr(remote, "run", lambda t, c, p: commands.append(c) or real_run(t, c, p))
    smart_copy(f"{sftp_root}/src/a.bin", f"{sftp_root}/copy.bin")
    assert smart_sync(f"{sftp_root}/src", f"{sftp_root}/dst").copied == 2
    assert traffic == {"read": 0, "written": 0}
    assert [c.split(" ", 1)[0] for c in commands] == ["cp", "cp", "cp"]
    assert Path(remote_dir, "copy.bin").read_bytes() == data
    assert Path(remote_dir, "dst/a.bin").read_bytes() == data
    assert Path(remote_dir, "dst/sub/b.bin").read_bytes() == data[:1000]


def test_copy_and_sync_between_two_servers_stream(
    sshd,
    sftp_env: Path,
    remote_dir: str,  # type: ignore[no-untyped-def]
    traffic: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """root@127.0.0.1 and root@localhost are two servers to us (same sshd here):
    no remote cp (it could not reach the other one), the bytes stream through us."""
    (sftp_env / ".ssh" / "known_hosts").write_text(
        sshd.host_key_line() + sshd.host_key_line("localhost")
    )
    one = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}"
    two = f"sftp://root@localhost:{sshd.port}/{remote_dir}"
    data = os.urandom(3 << 20)
    Path(remote_dir, "src/sub").mkdir(parents=True)
    Path(remote_dir, "src/a.bin").write_bytes(data)
    Path(remote_dir, "src/sub/b.bin").write_bytes(data[:5000])
    os.utime(Path(remote_dir, "src/a.bin"), (1_600_000_000, 1_600_000_000))
    commands: list[str] = []
    real_run = remote.run
    monkeypatch.setattr(remote, "run", lambda t, c, p: commands.append(c) or real_run(t, c, p))
    smart_copy(f"{one}/src/a.bin", f"{two}/copy.bin")
    assert Path(remote_dir, "copy.bin").read_bytes() == data
    assert smart_sync(f"{one}/src", f"{two}/dst").copied == 2
    assert not [c for c in commands if c.startswith("cp ")]
    assert traffic["read"] == traffic["written"] == 2 * len(data) + 5000
    assert Path(remote_dir, "dst/a.bin").read_bytes() == data
    assert Path(remote_dir, "dst/sub/b.bin").read_bytes() == data[:5000]
    assert os.stat(f"{remote_dir}/dst/a.bin").st_mtime == 1_600_000_000
    assert smart_sync(f"{one}/src", f"{two}/dst").copied == 0


def test_lchmod_of_a_link_is_unsupported_and_says_so(sftp_root: str, remote_dir: str) -> None:
    """OpenSSH offers lsetstat@openssh.com, but Linux cannot change a link's mode:
    a clear UnsupportedError, and neither the link nor its target changes."""
    from megfile_core.errors import UnsupportedError

    target = Path(remote_dir, "t.txt")
    target.write_text("x")
    os.chmod(target, 0o644)
    os.symlink(target, f"{remote_dir}/link")
    link = SmartPath(f"{sftp_root}/link")
    for change in (lambda: link.lchmod(0o600), lambda: link.chmod(0o600, follow_symlinks=False)):
        with pytest.raises(UnsupportedError, match="symbolic link") as info:
            change()
        assert isinstance(info.value, OSError)
        assert "link" in str(info.value).rsplit(" on ", 1)[1]  # names the path
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    # not a link: nothing to follow, so it is a plain chmod
    SmartPath(f"{sftp_root}/t.txt").chmod(0o600, follow_symlinks=False)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    link.chmod(0o640)  # following the link changes the target
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    with pytest.raises(FileNotFoundError):
        SmartPath(f"{sftp_root}/missing").chmod(0o600, follow_symlinks=False)
    # the request itself is well-formed: the server applies it where the OS can
    from megfile_sftp.client import get_connection
    from megfile_sftp.ops import lsetstat_mode as _lsetstat_mode

    conn = get_connection(SftpPath(sftp_root)._target)
    assert _lsetstat_mode(conn, str(target), 0o604) is True
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604
    assert _lsetstat_mode(conn, f"{remote_dir}/link", 0o600) is False


def test_move_between_two_servers_copies_then_removes(
    sshd, sftp_env: Path, remote_dir: str
) -> None:  # type: ignore[no-untyped-def]
    """Same class, no variant, other host: not one backend. The move went core ->
    plugin rename -> core move ... until RecursionError."""
    (sftp_env / ".ssh" / "known_hosts").write_text(
        sshd.host_key_line() + sshd.host_key_line("localhost")
    )
    one = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}"
    two = f"sftp://root@localhost:{sshd.port}/{remote_dir}"
    Path(remote_dir, "src/sub").mkdir(parents=True)
    Path(remote_dir, "src/a.txt").write_text("a")
    Path(remote_dir, "src/sub/b.txt").write_text("b")
    Path(remote_dir, "f.txt").write_text("f")
    smart_move(f"{one}/f.txt", f"{two}/g.txt")
    assert Path(remote_dir, "g.txt").read_text() == "f"
    assert not Path(remote_dir, "f.txt").exists()
    smart_rename(f"{two}/g.txt", f"{one}/h.txt")
    assert Path(remote_dir, "h.txt").read_text() == "f"
    smart_move(f"{one}/src", f"{two}/moved")
    assert Path(remote_dir, "moved/sub/b.txt").read_text() == "b"
    assert not Path(remote_dir, "src").exists()
    SmartPath(f"{two}/moved").rename(f"{one}/again")
    assert Path(remote_dir, "again/a.txt").read_text() == "a"


def test_recursive_glob_yields_its_base_as_a_directory(sftp_root: str, remote_dir: str) -> None:
    Path(remote_dir, "X/sub").mkdir(parents=True)
    Path(remote_dir, "X/a.txt").write_text("a")
    Path(remote_dir, "X/sub/b.txt").write_text("b")
    Path(remote_dir, "f.txt").write_text("f")
    # as the stdlib and megfile on a file system: "X/**" starts with "X/"
    assert smart_glob(f"{sftp_root}/X/**") == [
        f"{sftp_root}/X/",
        f"{sftp_root}/X/a.txt",
        f"{sftp_root}/X/sub",
        f"{sftp_root}/X/sub/b.txt",
    ]
    assert smart_glob(f"{sftp_root}/*/**")[:2] == [f"{sftp_root}/X/", f"{sftp_root}/X/a.txt"]
    assert f"{sftp_root}/f.txt" not in smart_glob(f"{sftp_root}/*/**")
