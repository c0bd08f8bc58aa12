"""The rest of the command set: head, tail, to, edit, mv, md5sum, size, mtime, stat,
touch, sync with globs, config, completion, progress under a terminal."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MEGFILE = str(Path(sys.executable).with_name("megfile"))


def err(result) -> str:
    return result.stderr.decode()


def out(result) -> str:
    return result.stdout.decode()


@pytest.fixture
def lines_file(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line{i}\n" for i in range(1, 31)))
    return path


def test_head(run_cli, lines_file):
    assert out(run_cli("head", str(lines_file))) == "".join(f"line{i}\n" for i in range(1, 11))
    assert out(run_cli("head", "-n", "2", str(lines_file))) == "line1\nline2\n"
    assert out(run_cli("head", "-n", "0", str(lines_file))) == ""
    assert run_cli("head", "-n", "-1", str(lines_file)).returncode == 2


def test_tail_has_no_empty_last_line(run_cli, lines_file, tmp_path):
    assert out(run_cli("tail", "-n", "1", str(lines_file))) == "line30\n"
    assert out(run_cli("tail", "-n", "3", str(lines_file))) == "line28\nline29\nline30\n"
    assert out(run_cli("tail", str(lines_file))).splitlines() == [f"line{i}" for i in range(21, 31)]
    no_newline = tmp_path / "nonl.txt"
    no_newline.write_text("a\nb\nc")
    assert out(run_cli("tail", "-n", "2", str(no_newline))) == "b\nc"
    assert out(run_cli("tail", "-n", "50", str(no_newline))) == "a\nb\nc"
    empty = tmp_path / "empty"
    empty.write_text("")
    assert out(run_cli("tail", str(empty))) == ""


def test_tail_reads_backwards_across_blocks(run_cli, tmp_path):
    big = tmp_path / "big.txt"
    body = "".join(f"{i:08d}\n" for i in range(300_000))  # 2.7 MB, > one block
    big.write_text(body)
    result = run_cli("tail", "-n", "2", str(big), env={"MEGFILE_READER_BLOCK_SIZE": "64Ki"})
    assert out(result) == "00299998\n00299999\n"


def test_tail_follow(tmp_path, interruptible):
    path = tmp_path / "grow.log"
    path.write_text("first\n")
    env = dict(os.environ, MEGFILE_TAIL_INTERVAL="0.1")
    process = subprocess.Popen(
        [MEGFILE, "tail", "-f", "-n", "1", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=interruptible,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"first\n"
        with open(path, "a") as handle:
            handle.write("second\n")
        deadline = time.time() + 10
        line = b""
        while time.time() < deadline and not line:
            line = process.stdout.readline()
        assert line == b"second\n"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 130
    assert b"Traceback" not in stderr


def test_to_and_append_and_tee(run_cli, tmp_path):
    target = tmp_path / "out" / "t.txt"
    assert run_cli("to", str(target), input=b"one\n").returncode == 0
    assert target.read_bytes() == b"one\n"
    result = run_cli("to", "-a", "-o", str(target), input=b"two\n")
    assert result.returncode == 0
    assert result.stdout == b"two\n"
    assert target.read_bytes() == b"one\ntwo\n"


def test_edit_runs_the_editor_and_writes_back(run_cli, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\necho edited >> "$1"\n')
    editor.chmod(0o755)
    local = tmp_path / "doc.txt"
    local.write_text("orig\n")
    assert run_cli("edit", "-e", str(editor), str(local)).returncode == 0
    assert local.read_text() == "orig\nedited\n"
    # a remote file is edited in a local copy and uploaded only if the editor succeeds
    remote = tmp_path / "demo-root" / "doc.txt"
    remote.parent.mkdir()
    remote.write_text("orig\n")
    assert run_cli("edit", "-e", str(editor), "demo://doc.txt").returncode == 0
    assert remote.read_text() == "orig\nedited\n"
    failing = tmp_path / "fail.sh"
    failing.write_text('#!/bin/sh\necho junk >> "$1"\nexit 3\n')
    failing.chmod(0o755)
    result = run_cli("edit", "-e", str(failing), "demo://doc.txt")
    assert result.returncode == 1
    assert "exited with 3" in err(result)
    assert remote.read_text() == "orig\nedited\n"
    created = run_cli("edit", "-e", str(editor), "demo://new/doc.txt")
    assert created.returncode == 0, err(created)
    assert (tmp_path / "demo-root" / "new" / "doc.txt").read_text() == "edited\n"


def test_md5sum_size_mtime_stat(run_cli, tree):
    data = (tree / "b.bin").read_bytes()
    assert out(run_cli("md5sum", str(tree / "b.bin"))).strip() == hashlib.md5(data).hexdigest()
    assert len(out(run_cli("md5sum", str(tree))).strip()) == 32
    assert out(run_cli("size", str(tree))).strip() == str(5 + 2048 + 10 + 1)
    newest = max(os.stat(p).st_mtime for p in tree.rglob("*") if p.is_file())
    assert abs(float(out(run_cli("mtime", str(tree)))) - newest) < 1e-3
    assert out(run_cli("stat", str(tree / "a.txt"))).startswith("StatResult(size=5,")


def test_touch(run_cli, tmp_path):
    target = tmp_path / "new" / "t"
    assert run_cli("touch", str(target)).returncode == 0
    assert target.read_bytes() == b""
    target.write_text("keep")
    os.utime(target, (1, 1))
    assert run_cli("touch", str(target)).returncode == 0
    assert target.read_text() == "keep" and target.stat().st_mtime > 1


def test_mv_file_and_tree(run_cli, tree, tmp_path):
    assert run_cli("mv", str(tree / "a.txt"), str(tmp_path / "moved.txt")).returncode == 0
    assert (tmp_path / "moved.txt").read_bytes() == b"hello"
    assert not (tree / "a.txt").exists()
    result = run_cli("mv", str(tree / "sub"), str(tmp_path / "subm"))
    assert result.returncode == 2  # a directory needs -r
    assert run_cli("mv", "-r", str(tree / "sub"), str(tmp_path / "subm")).returncode == 0
    assert (tmp_path / "subm" / "deep" / "d.txt").read_bytes() == b"d"
    assert not (tree / "sub").exists()


def test_mv_skip_keeps_sources_it_did_not_copy(run_cli, tmp_path):
    src, dst = tmp_path / "s", tmp_path / "d"
    src.mkdir()
    dst.mkdir()
    (src / "new.txt").write_text("new")
    (src / "clash.txt").write_text("from source")
    (dst / "clash.txt").write_text("already there")
    assert run_cli("mv", "-r", "-T", "--skip", str(src), str(dst)).returncode == 0
    assert (dst / "new.txt").read_text() == "new"
    assert (dst / "clash.txt").read_text() == "already there"
    assert not (src / "new.txt").exists()
    assert (src / "clash.txt").read_text() == "from source"  # nothing lost


def test_sync_glob_source(run_cli, tree, tmp_path):
    dst = tmp_path / "globbed"
    result = run_cli("sync", str(tree / "**" / "*.txt"), str(dst))
    assert result.returncode == 0, err(result)
    copied = sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file())
    assert copied == ["a.txt", "sub/c.txt", "sub/deep/d.txt"]
    assert "3 files copied" in err(result)


def test_sync_verbose_and_quiet(run_cli, tree, tmp_path):
    verbose = run_cli("sync", "-v", str(tree), str(tmp_path / "v"))
    assert err(verbose).count("copied ") >= 4
    quiet = run_cli("sync", "-q", str(tree), str(tmp_path / "q"))
    assert quiet.returncode == 0 and quiet.stderr == b""
    again = run_cli("sync", "-v", str(tree), str(tmp_path / "v"))
    assert err(again).count("skipped ") >= 4


def test_progress_under_a_terminal(tmp_path, tree):
    script = shutil.which("script")
    assert script, "util-linux `script` is needed for the terminal check"
    dst = tmp_path / "tty-dst"
    command = f"{MEGFILE} sync -g {tree} {dst}"
    result = subprocess.run(
        [script, "-qec", command, "/dev/null"], capture_output=True, timeout=60, check=False
    )
    text = result.stdout.decode(errors="replace")
    assert result.returncode == 0, text
    assert "100%" in text and "4/4 files" in text  # click's bar drew on the terminal
    last = text.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("4 files copied, 0 skipped"), text


def test_no_progress_when_not_a_terminal(run_cli, tree, tmp_path):
    result = run_cli("sync", str(tree), str(tmp_path / "plain"))
    assert "%" not in err(result)
    assert err(result).startswith("4 files copied")


def test_config_alias_and_env(run_cli, tmp_path, tree):
    conf = tmp_path / "megfile.conf"
    result = run_cli("config", "alias", "-p", str(conf), "src", f"file://{tree}/")
    assert result.returncode == 0, err(result)
    assert run_cli("config", "env", "-p", str(conf), "MEGFILE_MAX_WORKERS=3").returncode == 0
    text = conf.read_text()
    assert "[alias]" in text and f"src = file://{tree}/" in text
    assert "[env]" in text and "MEGFILE_MAX_WORKERS = 3" in text
    refused = run_cli("config", "alias", "-p", str(conf), "--no-cover", "src", "file:///x/")
    assert refused.returncode == 1 and "no-cover" in err(refused)
    assert f"file://{tree}/" in conf.read_text()
    listed = run_cli("ls", "src://sub", env={"MEGFILE_CONFIG_PATH": str(conf)})
    assert out(listed).split() == ["c.txt", "deep"]
    assert run_cli("config", "env", "-p", str(conf), "NOVALUE").returncode == 2


def test_config_alias_and_env_confirm_as_megfile(run_cli, tmp_path):
    conf = tmp_path / "conf" / "megfile.conf"
    for args, kind in (
        (["alias", "src", "s3://b/"], "alias"),
        (["alias", "src", "s3://c/"], "alias"),
        (["env", "MEGFILE_MAX_WORKERS=3"], "env"),
        (["env", "MEGFILE_MAX_WORKERS=4"], "env"),
    ):
        result = run_cli("config", args[0], "-p", str(conf), *args[1:])
        assert result.returncode == 0, err(result)
        assert out(result) == f"Your {kind} config has been saved into {conf}\n"


def test_completion_scripts(run_cli, tmp_path):
    for shell in ("bash", "zsh", "fish"):
        result = run_cli("completion", shell)
        assert result.returncode == 0
        assert "_MEGFILE_COMPLETE" in out(result)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    assert run_cli("completion", "bash", "--install", env=env).returncode == 0
    assert run_cli("completion", "bash", "--install", env=env).returncode == 0
    assert (home / ".bashrc").read_text().count("_MEGFILE_COMPLETE=bash_source") == 1
    assert run_cli("completion", "fish", "--install", env=env).returncode == 0
    assert (home / ".config" / "fish" / "completions" / "megfile.fish").exists()


def _complete(run_cli, words: str, cwd=None) -> list[str]:
    env = {
        "_MEGFILE_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = run_cli(env=env, cwd=cwd)
    return [line.split(",", 1)[1] for line in out(result).splitlines() if "," in line]


def test_completion_of_commands_options_and_paths(run_cli, tree):
    assert "sync" in _complete(run_cli, "megfile sy")
    assert "--recursive" in _complete(run_cli, "megfile ls --rec")
    found = _complete(run_cli, f"megfile ls {tree}/s")
    assert found == [f"{tree}/sub/"]
    found = _complete(run_cli, f"megfile cat {tree}/sub/")
    assert sorted(found) == [f"{tree}/sub/c.txt", f"{tree}/sub/deep/"]
    assert "stdio://" in _complete(run_cli, "megfile cat std")
    assert "demo://" in _complete(run_cli, "megfile ls dem")


def test_completion_of_plugin_scheme_paths(run_cli, tmp_path):
    root = tmp_path / "demo-root"
    (root / "bucket" / "keys").mkdir(parents=True)
    (root / "bucket" / "keys" / "k1").write_text("1")
    assert _complete(run_cli, "megfile ls demo://bucket/ke") == ["demo://bucket/keys/"]
    assert _complete(run_cli, "megfile ls demo://bucket/keys/") == ["demo://bucket/keys/k1"]


def test_broken_plugin_commands_cost_one_warning(run_cli, tree):
    env = {"MEGFILE_DEMO_BREAK_COMMANDS": "1"}
    result = run_cli("--help", env=env)
    assert result.returncode == 0
    warnings = [line for line in err(result).splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "'demo'" in warnings[0]
    assert "demo-hello" not in out(result)
    assert run_cli("ls", str(tree), env=env).returncode == 0


def test_errors_with_an_interactive_fix_are_retried_at_a_terminal(tmp_path):
    """A plugin error may carry a fix the CLI offers at a terminal (SFTP host keys)."""
    script = shutil.which("script")
    assert script
    code = (
        "import sys, click\n"
        "from megfile_core import cli as c\n"
        "state = {'n': 0}\n"
        "class Fixable(OSError):\n"
        "    def __init__(self):\n"
        "        super().__init__('host key unknown')\n"
        "        self.megfile_cli_fix = lambda: click.confirm('accept?', default=False)\n"
        "@c.cli.command('flaky')\n"
        "def flaky():\n"
        "    state['n'] += 1\n"
        "    if state['n'] == 1:\n"
        "        raise Fixable()\n"
        "    click.echo(f'ran {state[\"n\"]} times')\n"
        "c.main(['flaky'])\n"
    )
    runner = tmp_path / "runner.py"
    runner.write_text(code)
    accepted = subprocess.run(
        [script, "-qec", f"{sys.executable} {runner}", "/dev/null"],
        input=b"y\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    text = accepted.stdout.decode()
    assert "accept?" in text and "ran 2 times" in text, text
    refused = subprocess.run(
        [script, "-qec", f"{sys.executable} {runner}", "/dev/null"],
        input=b"n\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert "ran 2 times" not in refused.stdout.decode()
    assert refused.returncode == 1
    assert refused.stdout.decode().count("host key unknown") == 1
    # no terminal: no question, a plain error
    plain = subprocess.run(
        [sys.executable, str(runner)],
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert plain.returncode == 1
    assert plain.stderr.decode().startswith("[Fixable] host key unknown")
    assert b"accept?" not in plain.stdout + plain.stderr


def test_a_lone_bracket_is_a_name_not_a_pattern(run_cli, tmp_path):
    """The CLI asks the glob engine whether a path is a pattern: ``[`` without its
    ``]`` is a plain character (it was a pattern to the CLI alone before)."""
    from megfile_core import glob
    from megfile_core.cli import listing, transfer

    assert listing.has_magic is glob.has_magic and transfer.has_magic is glob.has_magic
    folder = tmp_path / "d[1"
    folder.mkdir()
    (folder / "f.txt").write_bytes(b"x")
    listed = run_cli("ls", str(folder))
    assert listed.returncode == 0, err(listed)
    assert out(listed).split() == ["f.txt"]  # its content, not the folder as a match
    copied = run_cli("cp", "-r", str(folder), str(tmp_path / "copy"))
    assert copied.returncode == 0, err(copied)
    assert (tmp_path / "copy" / "f.txt").read_bytes() == b"x"
