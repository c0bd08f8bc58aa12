"""A password written in a URL never shows: not in repr (SftpPath, SmartPath, open
files), not in any error message (failed login, missing file, empty glob, refused
connection, unsupported operation, bad URL), not in any log line at DEBUG
(paramiko's included), not in the CLI's output."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sshserver import SshServer, free_port

from megfile_core import (
    SmartPath,
    smart_glob,
    smart_listdir,
    smart_load_text,
    smart_open,
    smart_save_text,
    smart_stat,
)
from megfile_core.errors import UnsupportedError
from megfile_sftp import client as sftp_client
from megfile_sftp.path import SftpPath

#: raw-looking fragments a leak would show (the password is "pw:with@odd/chars")
SECRET_PIECES = ("with@odd", "with%40odd", "odd/chars", "odd%2Fchars", "chars")


def _leaks(text: str, password: str) -> list[str]:
    return [
        piece for piece in (password, quote(password, safe=""), *SECRET_PIECES) if piece in text
    ]


def _everything(error: BaseException) -> str:
    """All an error can show: str, repr, args, notes, the chained causes, traceback."""
    parts: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        parts += [str(seen), repr(seen), repr(seen.args), *getattr(seen, "__notes__", [])]
        seen = seen.__cause__ or seen.__context__
    parts += traceback.format_exception(error)
    return "\n".join(parts)


@pytest.fixture
def pw_url(
    sshd: SshServer, password_user: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    user, password = password_user
    monkeypatch.delenv("SFTP_PRIVATE_KEY_PATH")
    sftp_client.close_all()
    yield f"sftp://{user}:{quote(password, safe='')}@127.0.0.1:{sshd.port}//home/{user}"
    sftp_client.close_all()


def test_password_never_in_errors_reprs_or_debug_logs(
    pw_url: str,
    password_user: tuple[str, str],
    sshd: SshServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, password = password_user
    caplog.set_level(logging.DEBUG)  # every logger, paramiko's transport too
    shown: list[str] = []

    def failure(action: Callable[[], object], kind: type[BaseException]) -> None:
        with pytest.raises(kind) as info:
            action()
        shown.append(_everything(info.value))

    smart_save_text(f"{pw_url}/dir/file.txt", "content")  # works with the password
    assert smart_listdir(f"{pw_url}/dir") == ["file.txt"]
    path = SmartPath(f"{pw_url}/dir/file.txt")
    shown += [repr(path), repr(path.pathlike), repr(path.parent), repr(path.pathlike.parent)]
    assert (
        repr(path) == f"SmartPath('sftp://{user}:***@127.0.0.1:{sshd.port}"
        f"//home/{user}/dir/file.txt')"
    )
    for mode in ("rb", "r", "wb", "ab", "rb+"):
        with smart_open(f"{pw_url}/dir/file.txt", mode) as handle:
            shown += [repr(handle), str(getattr(handle, "name", ""))]
    failure(lambda: smart_load_text(f"{pw_url}/missing.txt"), FileNotFoundError)
    failure(lambda: smart_stat(f"{pw_url}/missing/deeper"), FileNotFoundError)
    failure(lambda: smart_open(f"{pw_url}/missing.txt", "rb+"), FileNotFoundError)
    failure(lambda: SmartPath(f"{pw_url}/missing").unlink(), FileNotFoundError)
    failure(
        lambda: (
            SmartPath(f"{pw_url}/dir").listdir() and SmartPath(f"{pw_url}/dir/file.txt").listdir()
        ),
        NotADirectoryError,
    )
    failure(lambda: smart_glob(f"{pw_url}/nothing/*.x", missing_ok=False), FileNotFoundError)
    failure(lambda: SmartPath(f"{pw_url}/dir").glob("*.none", missing_ok=False), FileNotFoundError)
    failure(lambda: SmartPath(f"{pw_url}/dir/file.txt").relative_to("/elsewhere"), ValueError)
    os.symlink(f"/home/{user}/dir/file.txt", f"/home/{user}/dir/link")
    failure(lambda: SmartPath(f"{pw_url}/dir/link").lchmod(0o600), UnsupportedError)
    failure(lambda: smart_open(f"{pw_url}/dir/file.txt", "x+", atomic=True), FileExistsError)
    wrong = pw_url.replace(quote(password, safe=""), quote("wrong" + password, safe=""))
    sftp_client.close_all()
    failure(lambda: smart_listdir(wrong), PermissionError)
    monkeypatch.setenv("MEGFILE_SFTP_MAX_RETRY_TIMES", "1")
    refused = pw_url.replace(f":{sshd.port}/", f":{free_port()}/")
    failure(lambda: smart_listdir(refused), ConnectionError)
    # forms written differently: raw '@' and ':' in the password, IPv6, no user
    for url in (
        "sftp://u:pw:with@odd@h//x",
        "sftp://u:pw%3Awith%40odd@[::1]:2//x",
        "sftp://:pw:with@odd@h/rel",
    ):
        shown += [
            repr(SftpPath(url)),
            repr(SmartPath(url)),
            repr(SmartPath(url).parent),
            SftpPath(url)._display(),
        ]
    for bad in (
        "sftp://u:pw:with?odd@h//x",
        "sftp://u:pw:with#odd@h//x",
        "sftp://u:with/odd/chars@h//x",
        "sftp://u:odd:chars/x@h//x",
    ):
        failure(lambda bad=bad: SmartPath(bad).pathlike, ValueError)  # type: ignore[misc]
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "paramiko.transport" in caplog.text  # DEBUG logging was really on
    assert "Authentication (password)" in caplog.text
    for text in (*shown, logged):
        assert not _leaks(text, password), text
    assert len(shown) > 20


def test_cli_output_never_shows_the_password(
    pw_url: str, password_user: tuple[str, str], sftp_env: Path
) -> None:
    _user, password = password_user
    megfile = str(Path(sys.executable).parent / "megfile")
    env = {k: v for k, v in os.environ.items() if k != "SFTP_PRIVATE_KEY_PATH"}
    runs = [
        [megfile, "--log-level", "DEBUG", "ls", f"{pw_url}/missing-dir"],
        [megfile, "--log-level", "DEBUG", "cat", f"{pw_url}/missing.txt"],
        [megfile, "--log-level", "DEBUG", "cp", f"{pw_url}/missing.txt", str(sftp_env / "x")],
    ]
    for command in runs:
        done = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
        )
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert "***" in output
        assert "Authentication (password) successful" in output  # paramiko's DEBUG
        assert not _leaks(output, password), output
