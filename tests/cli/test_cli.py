"""The ``megfile`` console script, run for real in subprocesses (and in-process
through click's CliRunner where that is enough)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import megfile_core
from megfile_core.cli import cli

COMMANDS = [
    "ls",
    "ll",
    "cat",
    "cp",
    "sync",
    "rm",
    "mkdir",
    "version",
    "plugins",
    "config",
    "demo-hello",
]


def out(result) -> str:
    return result.stdout.decode()


def err(result) -> str:
    return result.stderr.decode()


def lines(result) -> list[str]:
    return out(result).splitlines()


# -- version, help, usage errors ----------------------------------------------------
@pytest.mark.parametrize("args", [["--version"], ["version"]])
def test_version(run_cli, args):
    result = run_cli(*args)
    assert result.returncode == 0, err(result)
    assert out(result).strip() == megfile_core.__version__


def test_group_help_lists_builtin_and_plugin_commands(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    text = out(result)
    assert text.startswith("Usage: megfile")
    for command in COMMANDS:
        assert f"  {command} " in text, command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run_cli, command):
    result = run_cli(command, "--help")
    assert result.returncode == 0, err(result)
    assert out(result).startswith(f"Usage: megfile {command}")
    assert err(result) == ""


def test_unknown_command_is_a_usage_error(run_cli):
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "No such command" in err(result)
    assert "Traceback" not in err(result)


def test_unknown_option_is_a_usage_error(run_cli):
    result = run_cli("ls", "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in err(result)


# -- ls / ll -------------------------------------------------------------------------
def test_ls_plain(run_cli, tree):
    result = run_cli("ls", str(tree))
    assert result.returncode == 0, err(result)
    assert lines(result) == ["a.txt", "b.bin", "sub"]


def test_ls_defaults_to_current_directory(run_cli, tree):
    result = run_cli("ls", cwd=tree)
    assert lines(result) == ["a.txt", "b.bin", "sub"]


def test_ls_long(run_cli, tree):
    result = run_cli("ls", "-l", str(tree))
    assert result.returncode == 0, err(result)
    rows = lines(result)
    assert len(rows) == 4
    by_name = {row.split()[-1]: row.split() for row in rows[:3]}
    assert by_name["a.txt"][0] == "5"
    assert by_name["b.bin"][0] == "2048"
    # size, date, time, name
    assert all(len(fields) == 4 for fields in by_name.values())
    assert rows[-1].startswith("total(3): ")


def test_ls_human_readable(run_cli, tree):
    result = run_cli("ls", "-l", "-h", str(tree))
    assert result.returncode == 0, err(result)
    text = out(result)
    assert "2.0 KB" in text
    assert "5 B" in text
    assert lines(result)[-1].startswith("total(3): ")


def test_ll_is_ls_long_human(run_cli, tree):
    ll, ls = run_cli("ll", str(tree)), run_cli("ls", "-lh", str(tree))
    assert ll.returncode == 0 and ll.stdout == ls.stdout
    assert "2.0 KB" in out(ll)


def test_ls_recursive(run_cli, tree):
    result = run_cli("ls", "-r", str(tree))
    assert result.returncode == 0, err(result)
    assert lines(result) == ["a.txt", "b.bin", "sub/c.txt", "sub/deep/d.txt"]


def test_ls_full_paths(run_cli, tree):
    result = run_cli("ls", "-f", str(tree))
    assert lines(result) == [str(tree / "a.txt"), str(tree / "b.bin"), str(tree / "sub")]
    result = run_cli("ls", "-r", "-f", str(tree))
    assert lines(result) == [
        str(tree / "a.txt"),
        str(tree / "b.bin"),
        str(tree / "sub" / "c.txt"),
        str(tree / "sub" / "deep" / "d.txt"),
    ]


def test_ls_on_a_file(run_cli, tree):
    result = run_cli("ls", str(tree / "a.txt"))
    assert lines(result) == ["a.txt"]
    result = run_cli("ls", "-l", str(tree / "a.txt"))
    assert lines(result)[0].split()[0] == "5"
    assert lines(result)[0].endswith("a.txt")


def test_ls_glob_pattern(run_cli, tree):
    result = run_cli("ls", str(tree / "*.txt"))
    assert result.returncode == 0, err(result)
    assert lines(result) == [str(tree / "a.txt")]
    result = run_cli("ls", str(tree / "*" / "*.txt"))
    assert lines(result) == [str(tree / "sub" / "c.txt")]
    # like megfile, ``**`` in a pattern recurses with or without -r
    everything = [
        str(tree / "a.txt"),
        str(tree / "sub" / "c.txt"),
        str(tree / "sub" / "deep" / "d.txt"),
    ]
    assert lines(run_cli("ls", str(tree / "**" / "*.txt"))) == everything
    assert lines(run_cli("ls", "-r", str(tree / "**" / "*.txt"))) == everything
    result = run_cli("ls", "-l", str(tree / "*.bin"))
    assert lines(result)[0].split()[0] == "2048"
    assert lines(result)[-1] == "total(1): 2.0 KB"


def test_ls_glob_without_match_fails(run_cli, tree):
    result = run_cli("ls", str(tree / "*.none"))
    assert result.returncode == 1
    assert err(result).startswith("[FileNotFoundError]")


def test_ls_file_url(run_cli, tree):
    # megfile prints local paths without file://, whatever PATH was
    result = run_cli("ls", "-f", "file://" + str(tree / "sub"))
    assert lines(result) == [str(tree / "sub" / "c.txt"), str(tree / "sub" / "deep")]


# sizes as megfile 5.0.18's get_human_size prints them (ls -h and the total line)
MEGFILE_SIZES = [
    (0, "0 B"),
    (1, "1 B"),
    (1023, "1023 B"),
    (1024, "1.0 KB"),
    (1536, "1.5 KB"),
    (4333, "4.23 KB"),
    (1024**2 - 1, "1024.0 KB"),
    (1024**2, "1.0 MB"),
    (2000000, "1.91 MB"),
    (3150728, "3.0 MB"),
    (5 * 1024**3 + 1, "5.0 GB"),
    (3 * 1024**4 // 2, "1.5 TB"),
    (1024**5 - 1, "1.0 PB"),
    (1024**5, "1.0 PB"),
    (7 * 1024**6, "7.0 EB"),
    (2 * 1024**7, "2.0 ZB"),
    (1024**8, "1.0 YB"),
    (1000 * 1024**8, "1000.0 YB"),
]


@pytest.mark.parametrize(("size", "text"), MEGFILE_SIZES)
def test_listing_size_is_megfiles(size, text):
    from megfile_core.cli.util import listing_size

    assert listing_size(size) == text


def _ls_line(path: Path, size: str, name: str) -> str:
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.lstat(path).st_mtime))
    return f"{size} {mtime} {name}"


@pytest.fixture
def linked(tmp_path) -> Path:
    """a.bin (4333 B), b.bin (2000000 B), link -> a.bin, broken -> nowhere."""
    root = tmp_path / "linked"
    root.mkdir()
    (root / "a.bin").write_bytes(b"a" * 4333)
    (root / "b.bin").write_bytes(b"b" * 2000000)
    os.symlink("a.bin", root / "link")
    os.symlink("nowhere", root / "broken")
    return root


def test_ls_long_lines_are_megfiles(run_cli, linked):
    """megfile: `` -> TARGET`` after a link (its text as readlink gives it), sizes of
    ``-h`` and the total in megfile's format."""
    result = run_cli("ls", "-l", "-h", str(linked))
    assert result.returncode == 0, err(result)
    assert lines(result) == [
        _ls_line(linked / "a.bin", "   4.23 KB", "a.bin"),
        _ls_line(linked / "b.bin", "   1.91 MB", "b.bin"),
        _ls_line(linked / "broken", "       7 B", "broken -> nowhere"),
        _ls_line(linked / "link", "       5 B", "link -> a.bin"),
        "total(4): 1.91 MB",
    ]
    result = run_cli("ls", "-l", "-r", "file://" + str(linked))
    assert lines(result) == [
        _ls_line(linked / "a.bin", "        4333", "a.bin"),
        _ls_line(linked / "b.bin", "     2000000", "b.bin"),
        _ls_line(linked / "broken", "           7", "broken -> nowhere"),
        _ls_line(linked / "link", "           5", "link -> a.bin"),
        "total(4): 1.91 MB",
    ]
    # PATH a link to a file: the target's stat, no arrow (as megfile)
    assert lines(run_cli("ls", "-l", str(linked / "link"))) == [
        _ls_line(linked / "a.bin", "        4333", "link"),
        "total(1): 4.23 KB",
    ]


def test_ls_of_a_file_prints_its_name(run_cli, tree):
    """megfile prints a file's name, also with -f and with -r."""
    for flags in ([], ["-f"], ["-r"], ["-r", "-f"]):
        assert lines(run_cli("ls", *flags, str(tree / "a.txt"))) == ["a.txt"], flags


def test_ls_recursive_full_of_file_url_prints_local_paths(run_cli, tree):
    result = run_cli("ls", "-r", "-f", "file://" + str(tree / "sub"))
    assert lines(result) == [str(tree / "sub" / "c.txt"), str(tree / "sub" / "deep" / "d.txt")]
    assert lines(run_cli("ls", "file://" + str(tree / "*.txt"))) == [str(tree / "a.txt")]


def test_rm_of_a_directory_without_r_exits_1_as_megfile(run_cli, tree):
    for flags in ([], ["-f"]):
        result = run_cli("rm", *flags, str(tree / "sub"))
        assert result.returncode == 1, flags
        assert err(result) == f"[IsADirectoryError] [Errno 21] Is a directory: '{tree / 'sub'}'\n"
        assert out(result) == ""
    assert (tree / "sub" / "c.txt").exists()


# -- cat -----------------------------------------------------------------------------
def test_cat_several_files_binary_exact(run_cli, tree):
    result = run_cli("cat", str(tree / "a.txt"), str(tree / "b.bin"), str(tree / "a.txt"))
    assert result.returncode == 0, err(result)
    expected = b"hello" + (tree / "b.bin").read_bytes() + b"hello"
    assert result.stdout == expected


def test_cat_stdin(run_cli):
    data = os.urandom(5000)
    result = run_cli("cat", "stdio://-", input=data)
    assert result.returncode == 0 and result.stdout == data


def test_cat_needs_a_path(run_cli):
    assert run_cli("cat").returncode == 2


def test_cat_missing_file_after_good_one(run_cli, tree):
    result = run_cli("cat", str(tree / "a.txt"), str(tree / "missing"))
    assert result.returncode == 1
    assert result.stdout == b"hello"
    assert err(result).startswith("[FileNotFoundError]")


# -- cp ------------------------------------------------------------------------------
def test_cp_file_to_file(run_cli, tree, tmp_path):
    dst = tmp_path / "out" / "copy.bin"
    result = run_cli("cp", str(tree / "b.bin"), str(dst))
    assert result.returncode == 0, err(result)
    assert dst.read_bytes() == (tree / "b.bin").read_bytes()


def test_cp_file_to_directory_appends_basename(run_cli, tree, tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    assert run_cli("cp", str(tree / "a.txt"), str(existing)).returncode == 0
    assert (existing / "a.txt").read_bytes() == b"hello"
    result = run_cli("cp", str(tree / "a.txt"), str(tmp_path / "newdir") + "/")
    assert result.returncode == 0, err(result)
    assert (tmp_path / "newdir" / "a.txt").read_bytes() == b"hello"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_cp_recursive_tree(run_cli, tree, tmp_path):
    dst = tmp_path / "copy"
    result = run_cli("cp", "-r", str(tree), str(dst))
    assert result.returncode == 0, err(result)
    assert _files(dst) == _files(tree)


def test_cp_recursive_into_existing_directory_nests(run_cli, tree, tmp_path):
    dst = tmp_path / "copy"
    dst.mkdir()
    assert run_cli("cp", "-r", str(tree), str(dst)).returncode == 0
    assert _files(dst / "src") == _files(tree)


def test_cp_no_target_directory(run_cli, tree, tmp_path):
    dst = tmp_path / "copy"
    dst.mkdir()
    result = run_cli("cp", "-r", "-T", str(tree), str(dst))
    assert result.returncode == 0, err(result)
    assert _files(dst) == _files(tree)
    result = run_cli("cp", "-T", str(tree / "a.txt"), str(tmp_path / "file"))
    assert (tmp_path / "file").read_bytes() == b"hello"


def test_cp_skip_keeps_existing(run_cli, tree, tmp_path):
    dst = tmp_path / "dst.txt"
    dst.write_bytes(b"existing")
    assert run_cli("cp", "--skip", str(tree / "a.txt"), str(dst)).returncode == 0
    assert dst.read_bytes() == b"existing"
    copy = tmp_path / "copy"
    assert run_cli("cp", "-r", str(tree), str(copy)).returncode == 0
    (copy / "a.txt").write_bytes(b"changed")
    assert run_cli("cp", "-r", "-T", "--skip", str(tree), str(copy)).returncode == 0
    assert (copy / "a.txt").read_bytes() == b"changed"
    assert run_cli("cp", str(tree / "a.txt"), str(dst)).returncode == 0
    assert dst.read_bytes() == b"hello"


def test_cp_directory_without_recursive_is_a_usage_error(run_cli, tree, tmp_path):
    result = run_cli("cp", str(tree), str(tmp_path / "copy"))
    assert result.returncode == 2
    assert "cp -r" in err(result)
    assert not (tmp_path / "copy").exists()


def test_cp_progress_counts_the_file(run_cli, tree, tmp_path):
    result = run_cli("cp", "-g", str(tree / "b.bin"), str(tmp_path / "copy.bin"))
    assert result.returncode == 0, err(result)
    final = err(result).replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("1 files copied, 0 skipped, 2.0 KB"), final
    result = run_cli("cp", "-g", "--skip", str(tree / "b.bin"), str(tmp_path / "copy.bin"))
    final = err(result).replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("0 files copied, 1 skipped"), final
    result = run_cli("cp", "-r", "-g", str(tree), str(tmp_path / "tree"))
    final = err(result).replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("4 files copied, 0 skipped"), final


def test_cp_to_stdout(run_cli, tree):
    result = run_cli("cp", str(tree / "b.bin"), "stdio://-")
    assert result.returncode == 0, err(result)
    assert result.stdout == (tree / "b.bin").read_bytes()
    result = run_cli("cp", str(tree / "a.txt"), "stdio://2")
    assert result.returncode == 0, err(result)
    assert result.stderr == b"hello" and result.stdout == b""


def test_cp_from_stdin(run_cli, tmp_path):
    result = run_cli("cp", "stdio://-", str(tmp_path / "from-stdin"), input=b"piped")
    assert result.returncode == 0, err(result)
    assert (tmp_path / "from-stdin").read_bytes() == b"piped"


def test_cp_missing_source(run_cli, tmp_path):
    result = run_cli("cp", str(tmp_path / "missing"), str(tmp_path / "x"))
    assert result.returncode == 1
    assert err(result).startswith("[FileNotFoundError]")


# -- sync ----------------------------------------------------------------------------
def test_sync_copies_then_skips(run_cli, tree, tmp_path):
    dst = tmp_path / "mirror"
    first = run_cli("sync", str(tree), str(dst))
    assert first.returncode == 0, err(first)
    assert _files(dst) == _files(tree)
    assert "4 files copied" in err(first)
    second = run_cli("sync", str(tree), str(dst))
    assert second.returncode == 0
    assert "0 files copied" in err(second)
    assert "4 skipped" in err(second)
    quiet = run_cli("sync", "-q", str(tree), str(dst))
    assert quiet.returncode == 0 and err(quiet) == "" and out(quiet) == ""


def test_sync_dry_run_copies_nothing(run_cli, tree, tmp_path):
    dst = tmp_path / "mirror"
    result = run_cli("sync", "--dry-run", str(tree), str(dst))
    assert result.returncode == 0, err(result)
    assert not dst.exists()
    planned = lines(result)
    assert len(planned) == 4
    assert all(line.startswith("would copy ") for line in planned)
    assert f"would copy {tree / 'a.txt'} -> {dst / 'a.txt'}" in planned


def test_sync_force_and_bad_worker(run_cli, tree, tmp_path):
    dst = tmp_path / "mirror"
    assert run_cli("sync", "-q", str(tree), str(dst)).returncode == 0
    forced = run_cli("sync", "-f", "-w", "2", str(tree), str(dst))
    assert forced.returncode == 0 and "4 files copied" in err(forced)
    bad = run_cli("sync", "-w", "0", str(tree), str(dst))
    assert bad.returncode == 2


# -- rm / mkdir ----------------------------------------------------------------------
def test_rm(run_cli, tree):
    assert run_cli("rm", str(tree / "a.txt")).returncode == 0
    assert not (tree / "a.txt").exists()
    result = run_cli("rm", str(tree / "sub"))  # megfile: unlink fails, exit 1
    assert result.returncode == 1
    assert err(result) == f"[IsADirectoryError] [Errno 21] Is a directory: '{tree / 'sub'}'\n"
    assert (tree / "sub").exists()
    assert run_cli("rm", "-r", str(tree / "sub")).returncode == 0
    assert not (tree / "sub").exists()
    assert (tree / "b.bin").exists()


def test_rm_missing(run_cli, tmp_path):
    assert run_cli("rm", "-f", str(tmp_path / "missing")).returncode == 0
    assert run_cli("rm", "-r", "-f", str(tmp_path / "missing")).returncode == 0
    result = run_cli("rm", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert err(result).startswith("[FileNotFoundError]")
    assert "Traceback" not in err(result)


def test_mkdir(run_cli, tmp_path):
    target = tmp_path / "a" / "b" / "c"
    assert run_cli("mkdir", str(target)).returncode == 0
    assert target.is_dir()
    assert run_cli("mkdir", str(target)).returncode == 0  # existing is fine


# -- error format --------------------------------------------------------------------
def test_missing_file_error_format(run_cli, tmp_path):
    result = run_cli("ls", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert err(result).startswith("[FileNotFoundError] ")
    assert "Traceback" not in err(result)
    assert len(err(result).splitlines()) == 1
    assert out(result) == ""


def test_debug_shows_traceback(run_cli, tmp_path):
    result = run_cli("--debug", "ls", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in err(result)
    assert "FileNotFoundError" in err(result)


def test_unknown_scheme(run_cli):
    result = run_cli("ls", "s3x://a")
    assert result.returncode == 1
    assert err(result).startswith("[ProtocolNotFoundError]")
    assert "s3x" in err(result)
    assert "Traceback" not in err(result)


def test_broken_pipe_exits_quietly(megfile_bin, tmp_path):
    big = tmp_path / "big"
    big.write_bytes(os.urandom(4 << 20))
    process = subprocess.Popen(
        [megfile_bin, "cat", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()  # like `| head -c 10`
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=30) == 0
    assert stderr == b""


_READ_SYSCALLS = {"0", "63"}  # read(2) on x86_64 and on aarch64


def _wait_until_reading_stdin(pid: int, timeout: float = 10) -> None:
    """Until the process sleeps in ``read(0, ...)`` (Linux /proc), else a pause."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/syscall") as handle:
                fields = handle.read().split()
            with open(f"/proc/{pid}/wchan") as handle:
                wchan = handle.read()
        except OSError:  # pragma: no cover - no /proc: give it time to start
            break
        if len(fields) > 1 and fields[0] in _READ_SYSCALLS and int(fields[1], 16) == 0:
            return
        if "pipe" in wchan:
            return
        time.sleep(0.01)
    time.sleep(1)  # pragma: no cover - could not tell: a generous pause


def test_ctrl_c_exits_130_without_traceback(megfile_bin, interruptible):
    process = subprocess.Popen(
        [megfile_bin, "cat", "stdio://0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=interruptible,
    )
    try:
        _wait_until_reading_stdin(process.pid)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test fails
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert b"KeyboardInterrupt" not in stderr
    assert stderr == b""  # quiet: not even the blank line click prints
    assert stdout == b""


# -- plugins ---------------------------------------------------------------------------
def _plugin_blocks(text: str) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            current = line.split()[0]
            blocks[current] = [line]
        elif current is not None:
            blocks[current].append(line.strip())
    return blocks


def test_plugins_lists_builtin_and_third_party(run_cli):
    result = run_cli("plugins")
    assert result.returncode == 0, err(result)
    blocks = _plugin_blocks(out(result))
    assert {"file", "stdio", "demo", "demo_broken"} <= set(blocks)
    assert "(built-in)" in blocks["file"][0]
    assert "(built-in)" in blocks["stdio"][0]
    assert "(megfile-demo)" in blocks["demo"][0]
    assert "protocols: file" in blocks["file"]
    assert "protocols: stdio" in blocks["stdio"]
    assert "protocols: demo" in blocks["demo"]
    assert "hooks: megfile_register" in blocks["demo"]
    assert "hooks: megfile_register" in blocks["file"]
    assert "(broken" not in out(result)


def test_plugins_json(run_cli):
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, err(result)
    data = json.loads(out(result))
    plugins = {p["name"]: p for p in data["plugins"]}
    assert plugins["file"]["builtin"] is True
    assert plugins["file"]["protocols"] == ["file"]
    assert plugins["stdio"]["protocols"] == ["stdio"]
    assert plugins["demo"]["builtin"] is False
    assert plugins["demo"]["distribution"] == "megfile-demo"
    assert plugins["demo"]["version"] == "0.0.1"
    assert plugins["demo"]["protocols"] == ["demo"]
    assert plugins["demo"]["hooks"] == ["megfile_register"]
    assert plugins["demo_broken"]["hooks"] == []
    assert data["broken"] == []


def test_disabled_plugin(run_cli, tmp_path):
    env = {"MEGFILE_DISABLED_PLUGINS": "demo"}
    result = run_cli("plugins", env=env)
    assert result.returncode == 0
    blocks = _plugin_blocks(out(result))
    assert "demo" not in blocks
    assert {"file", "stdio"} <= set(blocks)
    data = json.loads(out(run_cli("plugins", "--json", env=env)))
    assert "demo" not in {p["name"] for p in data["plugins"]}
    result = run_cli("ls", "demo://x", env=env)
    assert result.returncode == 1
    assert err(result).startswith("[ProtocolNotFoundError]")
    assert run_cli("demo-hello", env=env).returncode == 2


def test_plugin_command(run_cli):
    result = run_cli("demo-hello")
    assert result.returncode == 0, err(result)
    assert out(result) == "hello from megfile-demo\n"


def test_third_party_scheme(run_cli, tmp_path):
    root = tmp_path / "demo-root"
    (root / "sub" / "inner").mkdir(parents=True)
    (root / "sub" / "one.txt").write_bytes(b"one")
    env = {"MEGFILE_DEMO_ROOT": str(root)}
    result = run_cli("ls", "demo://sub", env=env)
    assert result.returncode == 0, err(result)
    assert lines(result) == ["inner", "one.txt"]
    result = run_cli("cat", "demo://sub/one.txt", env=env)
    assert result.stdout == b"one"
    result = run_cli("cp", "demo://sub/one.txt", str(tmp_path / "local.txt"), env=env)
    assert result.returncode == 0, err(result)
    assert (tmp_path / "local.txt").read_bytes() == b"one"


def test_broken_plugin_is_reported_and_harmless(run_cli, tree, tmp_path):
    root = tmp_path / "demo-root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "x.txt").write_bytes(b"x")
    env = {"MEGFILE_DEMO_BREAK": "1", "MEGFILE_DEMO_ROOT": str(root)}

    result = run_cli("plugins", env=env)
    assert result.returncode == 0, err(result)
    blocks = _plugin_blocks(out(result))
    assert blocks["demo_broken"][0].startswith("demo_broken (broken, megfile-demo)")
    assert any(
        line.startswith("reason: ImportError") and "MEGFILE_DEMO_BREAK" in line
        for line in blocks["demo_broken"]
    )
    assert {"file", "stdio", "demo"} <= set(blocks)

    data = json.loads(out(run_cli("plugins", "--json", env=env)))
    broken = {b["name"]: b for b in data["broken"]}
    assert broken["demo_broken"]["distribution"] == "megfile-demo"
    assert broken["demo_broken"]["reason"].startswith("ImportError")
    assert "Traceback" in broken["demo_broken"]["traceback"]
    assert "demo_broken" not in {p["name"] for p in data["plugins"]}

    result = run_cli("ls", str(tree), env=env)
    assert result.returncode == 0 and lines(result) == ["a.txt", "b.bin", "sub"]
    result = run_cli("ls", "demo://sub", env=env)
    assert result.returncode == 0, err(result)
    assert lines(result) == ["x.txt"]
    result = run_cli("demo-hello", env=env)
    assert result.returncode == 0 and out(result) == "hello from megfile-demo\n"


# -- imports ---------------------------------------------------------------------------
_IMPORT_PROBE = textwrap.dedent("""
    import atexit, json, sys
    report_path = sys.argv[1]
    def report():
        with open(report_path, "w") as handle:
            json.dump(sorted(sys.modules), handle)
    atexit.register(report)
    from megfile_core.cli import main
    sys.argv = ["megfile", *sys.argv[2:]]
    main()
""")


@pytest.mark.parametrize(
    "args",
    [
        ["ls", "{tree}"],
        ["ls", "-l", "{tree}"],
        ["cat", "{tree}/a.txt"],
        ["cp", "{tree}/a.txt", "{tmp}/copy.txt"],
        ["sync", "-q", "{tree}", "{tmp}/m"],
        ["mkdir", "{tmp}/new"],
        ["ls", "file://{tree}"],
        ["rm", "-r", "-f", "{tmp}/none"],
    ],
)
def test_local_commands_stay_light(tree, tmp_path, args):
    report = tmp_path / "modules.json"
    argv = [a.format(tree=tree, tmp=tmp_path) for a in args]
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, str(report), *argv],
        capture_output=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    modules = set(json.loads(report.read_text()))
    assert "megfile_core.cli.commands" in modules  # the probe ran the CLI
    heavy = {
        "pluggy",
        "importlib.metadata",
        "megfile_core.plugins",
        "megfile_demo",
        "boto3",
        "botocore",
        "paramiko",
        "requests",
    }
    assert not heavy & modules, sorted(heavy & modules)


# -- in-process, with click's CliRunner -------------------------------------------------
def test_cli_runner_ls_and_mkdir(tree, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["ls", str(tree / "sub")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["c.txt", "deep"]
    result = runner.invoke(cli, ["mkdir", str(tmp_path / "x" / "y")])
    assert result.exit_code == 0
    assert (tmp_path / "x" / "y").is_dir()


def test_cli_runner_cat_binary(tree):
    result = CliRunner().invoke(cli, ["cat", str(tree / "b.bin")])
    assert result.exit_code == 0
    assert result.stdout_bytes == (tree / "b.bin").read_bytes()


def test_cli_runner_usage_errors(tree, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["cp", str(tree), str(tmp_path / "copy")])
    assert result.exit_code == 2
    assert "cp -r" in result.output
    result = runner.invoke(cli, ["sync", "-w", "-5", str(tree), str(tmp_path / "m")])
    assert result.exit_code == 2
    assert not (tmp_path / "m").exists()


def test_main_formats_errors(tmp_path, capsys):
    from megfile_core.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["ls", str(tmp_path / "missing")])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("[FileNotFoundError]")
    with pytest.raises(SystemExit) as exit_info:
        main(["rm", str(tmp_path)])
    assert exit_info.value.code == 1
    capsys.readouterr()
    assert main(["--version"]) == 0  # the console script exits with it
    assert capsys.readouterr().out.strip() == megfile_core.__version__
