"""Authentication and host keys against the real sshd."""

from __future__ import annotations

import logging
import pickle
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sshserver import SshServer, free_port

from megfile_core import smart_exists, smart_listdir, smart_load_text, smart_save_text
from megfile_sftp import (
    SftpAuthenticationError,
    SftpHostKeyChangedError,
    SftpUnknownHostKeyError,
    sftp_add_host_key,
)
from megfile_sftp import client as sftp_client
from megfile_sftp.hostkeys import forget_accepted


@pytest.fixture(autouse=True)
def fresh_connections() -> Iterator[None]:
    sftp_client.close_all()
    forget_accepted()
    yield
    sftp_client.close_all()
    forget_accepted()


def test_key_auth_from_env(sshd: SshServer, remote_dir: str) -> None:
    url = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}/k.txt"
    smart_save_text(url, "key")
    assert Path(remote_dir, "k.txt").read_text() == "key"


def test_key_auth_typed_and_missing_key(
    sshd: SshServer, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFTP_PRIVATE_KEY_TYPE", "ED25519")
    assert smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}") == []
    sftp_client.close_all()
    monkeypatch.setenv("SFTP_PRIVATE_KEY_PATH", str(sshd.directory / "nope"))
    with pytest.raises(SftpAuthenticationError, match="SFTP_PRIVATE_KEY_PATH"):
        smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}")


def test_password_auth_url_and_env(
    sshd: SshServer,
    password_user: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, password = password_user
    monkeypatch.delenv("SFTP_PRIVATE_KEY_PATH")
    caplog.set_level(logging.DEBUG)
    home = f"/home/{user}"
    url = f"sftp://{user}:{quote(password, safe='')}@127.0.0.1:{sshd.port}/pw.txt"
    smart_save_text(url, "by password")  # relative: the user's login dir
    assert Path(home, "pw.txt").read_text() == "by password"
    sftp_client.close_all()
    monkeypatch.setenv("SFTP_USERNAME", user)
    monkeypatch.setenv("SFTP_PASSWORD", password)
    assert smart_load_text(f"sftp://127.0.0.1:{sshd.port}/{home}/pw.txt") == "by password"
    sftp_client.close_all()
    wrong = f"sftp://{user}:wrong-{quote(password, safe='')}@127.0.0.1:{sshd.port}/pw.txt"
    with pytest.raises(SftpAuthenticationError) as info:
        smart_load_text(wrong)
    text = str(info.value) + repr(info.value)
    assert "wrong-" not in text
    assert password not in text
    assert "SFTP_PASSWORD" in text
    assert password not in caplog.text
    assert "wrong-" not in caplog.text


def test_wrong_password_does_not_reuse_a_good_connection(
    sshd: SshServer, password_user: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = password_user
    monkeypatch.delenv("SFTP_PRIVATE_KEY_PATH")
    good = f"sftp://{user}:{quote(password, safe='')}@127.0.0.1:{sshd.port}/"
    assert isinstance(smart_listdir(good), list)
    with pytest.raises(SftpAuthenticationError):
        smart_listdir(f"sftp://{user}:bad@127.0.0.1:{sshd.port}/")


def test_unknown_host_key_rejected_by_default(
    sshd: SshServer, sftp_env: Path, remote_dir: str
) -> None:
    (sftp_env / ".ssh" / "known_hosts").write_text("")
    url = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}"
    with pytest.raises(SftpUnknownHostKeyError) as info:
        smart_listdir(url)
    message = str(info.value)
    assert "MEGFILE_SFTP_HOST_KEY_POLICY" in message
    assert f"sftp_add_host_key('127.0.0.1', port={sshd.port})" in message
    assert "SHA256:" in message
    assert callable(info.value.megfile_cli_fix)  # the CLI offers it at a terminal
    copy = pickle.loads(pickle.dumps(info.value))  # crosses process pools, fix left out
    assert str(copy) == message
    assert not hasattr(copy, "megfile_cli_fix")


@pytest.mark.parametrize("policy", ["auto", "warning"])
def test_unknown_host_key_accepted_by_policy(
    sshd: SshServer,
    sftp_env: Path,
    remote_dir: str,
    monkeypatch: pytest.MonkeyPatch,
    policy: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    known = sftp_env / ".ssh" / "known_hosts"
    known.write_text("")
    monkeypatch.setenv("MEGFILE_SFTP_HOST_KEY_POLICY", policy)
    with caplog.at_level(logging.WARNING, logger="megfile_sftp"):
        assert smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}") == []
    assert ("accepting unknown host key" in caplog.text) == (policy == "warning")
    assert known.read_text() == ""  # never written without asking
    # remembered for the process: a new connection works after the policy is reset
    monkeypatch.delenv("MEGFILE_SFTP_HOST_KEY_POLICY")
    sftp_client.close_all()
    assert smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}") == []


def test_sftp_add_host_key(
    sshd: SshServer, sftp_env: Path, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = sftp_env / ".ssh" / "known_hosts"
    known.unlink()
    assert sftp_add_host_key("127.0.0.1", port=sshd.port) is True
    assert known.read_text() == sshd.host_key_line()
    assert sftp_add_host_key("127.0.0.1", port=sshd.port) is False  # already there
    assert smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}") == []
    other = sftp_env / "elsewhere" / "known"
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert sftp_add_host_key("127.0.0.1", sshd.port, prompt=True, host_key_path=str(other)) is False
    assert not other.exists()
    answers: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: answers.append(prompt) or "yes")
    assert sftp_add_host_key("127.0.0.1", sshd.port, prompt=True, host_key_path=str(other)) is True
    assert "SHA256:" in answers[0]
    assert other.read_text() == sshd.host_key_line()


@pytest.fixture
def second_sshd(tmp_path: Path) -> Iterator[SshServer]:
    server = SshServer.create(tmp_path / "sshd2", port=free_port())
    server.start()
    yield server
    server.stop()


def test_changed_host_key_is_always_an_error(
    second_sshd: SshServer, sftp_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = sftp_env / ".ssh" / "known_hosts"
    known.write_text(second_sshd.host_key_line())
    monkeypatch.setenv("SFTP_PRIVATE_KEY_PATH", str(second_sshd.client_key))
    url = f"sftp://root@127.0.0.1:{second_sshd.port}//tmp"
    assert smart_exists(url)
    second_sshd.restart(new_host_key=True)
    sftp_client.close_all()
    for policy in ("reject", "warning", "auto"):
        monkeypatch.setenv("MEGFILE_SFTP_HOST_KEY_POLICY", policy)
        with pytest.raises(SftpHostKeyChangedError, match="CHANGED") as info:
            smart_exists(url)
        assert "ssh-keygen -R" in str(info.value)
        assert not hasattr(info.value, "megfile_cli_fix")  # never offered to accept
    with pytest.raises(SftpHostKeyChangedError):
        sftp_add_host_key("127.0.0.1", port=second_sshd.port)
    subprocess.run(
        ["ssh-keygen", "-R", f"[127.0.0.1]:{second_sshd.port}", "-f", str(known)],
        check=True,
        capture_output=True,
    )
    assert sftp_add_host_key("127.0.0.1", port=second_sshd.port) is True
    monkeypatch.delenv("MEGFILE_SFTP_HOST_KEY_POLICY")
    assert smart_exists(url)
