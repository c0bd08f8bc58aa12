"""URL forms, pure path operations and password masking (no server needed for most)."""

from __future__ import annotations

import pytest

from megfile_core import SmartPath, smart_glob, smart_save_text, smart_scan
from megfile_core.url import mask_url
from megfile_sftp.client import Target
from megfile_sftp.path import SftpPath
from megfile_sftp.url import parse_netloc


def test_absolute_and_relative_forms() -> None:
    absolute = SftpPath("sftp://u@h:2222//data/x.txt")
    assert absolute._path == "/data/x.txt"  # the remote path
    assert absolute.path == "sftp://u@h:2222//data/x.txt"  # megfile's: the whole URL
    assert (absolute.hostname, absolute.port, absolute.username) == ("h", 2222, "u")
    assert str(absolute) == "sftp://u@h:2222//data/x.txt"
    relative = SftpPath("sftp://h/rel/y")
    assert relative._path == "rel/y"
    assert relative.port == 22
    assert str(relative) == "sftp://h/rel/y"
    assert SftpPath("sftp://h")._path == ""
    assert SftpPath("sftp://h/")._path == ""
    assert SftpPath("sftp://h//")._path == "/"


def test_percent_encoded_credentials_and_ipv6() -> None:
    url = parse_netloc("us%40er:p%40ss%3Aw%2Fd@[::1]:2200")
    assert (url.username, url.password, url.host, url.port) == ("us@er", "p@ss:w/d", "::1", 2200)
    assert parse_netloc("[fe80::1]").host == "fe80::1"
    assert parse_netloc("[fe80::1]").port is None
    path = SftpPath("sftp://u:pw@[::1]:2200//tmp/a")
    assert path.hostname == "::1"
    assert str(path.parent) == "sftp://u:pw@[::1]:2200//tmp"
    with pytest.raises(ValueError, match="IPv6"):
        parse_netloc("::1:22")
    with pytest.raises(ValueError, match="port"):
        parse_netloc("h:99999")


def test_derived_paths_keep_connection_and_form() -> None:
    path = SftpPath("sftp://u:pw@h:2//a/b/c.txt")
    assert str(path.parent) == "sftp://u:pw@h:2//a/b"
    assert str(path.parent.parent.parent) == "sftp://u:pw@h:2//"
    assert str(path.parent.parent.parent.parent) == "sftp://u:pw@h:2//"
    assert str(path.parent / "d" / "e") == "sftp://u:pw@h:2//a/b/d/e"
    assert str(path.joinpath("x", "y")) == "sftp://u:pw@h:2//a/b/c.txt/x/y"
    assert path.parts == ("sftp://u:pw@h:2//", "a", "b", "c.txt")
    assert path.root == path.anchor == "sftp://"  # megfile's root: the bare scheme
    assert path.name == "c.txt"
    assert path.suffix == ".txt"
    assert str(path.with_name("z")) == "sftp://u:pw@h:2//a/b/z"
    # as megfile: up to the server's root, then the empty local path
    assert [str(p) for p in path.parents] == [
        "sftp://u:pw@h:2//a/b",
        "sftp://u:pw@h:2//a",
        "sftp://u:pw@h:2//",
        "",
    ]
    # a trailing slash is an empty last part (megfile's URI semantics)
    folder = SftpPath("sftp://u@h//a/b/")
    assert folder.parts == ("sftp://u@h//", "a", "b", "")
    assert folder.name == ""
    assert str(folder.parent) == "sftp://u@h//a/b"
    assert str(folder.with_name("z")) == "sftp://u@h//a/b/z"
    assert str(folder.with_suffix(".z")) == "sftp://u@h//a/b/.z"
    relative = SftpPath("sftp://h/a/b")
    assert relative.parts == ("sftp://h/", "a", "b")
    assert str(relative.parent) == "sftp://h/a"
    assert str(relative.parent.parent) == "sftp://h"
    assert relative.parent.parent.name == ""
    assert str(relative.relative_to("sftp://h/a")) == "b"
    assert str(path.relative_to("sftp://u:pw@h:2//a")) == "b/c.txt"
    smart = SmartPath("sftp://u@h//a/b")
    assert str(smart.parent) == "sftp://u@h//a"
    assert smart.parent.parent.name == ""


def test_password_never_in_repr_or_masked_text() -> None:
    path = SftpPath("sftp://user:s3cret@host//x")
    assert "s3cret" not in repr(path)
    assert repr(path) == "SftpPath('sftp://user:***@host//x')"
    assert mask_url("open sftp://a:p@ss@h:1//x failed") == "open sftp://a:***@h:1//x failed"
    assert mask_url("sftp://a@h:22//x:y@z") == "sftp://a@h:22//x:y@z"
    target = Target.from_url(path._url)
    assert "s3cret" not in repr(target)


def test_url_values_win_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFTP_USERNAME", "envuser")
    monkeypatch.setenv("SFTP_PASSWORD", "envpw")
    from_env = Target.from_url(SftpPath("sftp://h//x")._url)
    assert (from_env.username, from_env.password) == ("envuser", "envpw")
    from_url = Target.from_url(SftpPath("sftp://u:p@h//x")._url)
    assert (from_url.username, from_url.password) == ("u", "p")
    monkeypatch.setenv("SFTP_PRIVATE_KEY_TYPE", "PGP")
    with pytest.raises(ValueError, match="SFTP_PRIVATE_KEY_TYPE"):
        Target.from_url(SftpPath("sftp://h//x")._url)


def test_glob_and_scan_results_keep_the_url(sftp_root: str) -> None:
    for rel in ("a/1.txt", "a/b/2.txt", "c.log"):
        smart_save_text(f"{sftp_root}/{rel}", rel)
    found = smart_glob(f"{sftp_root}/**/*.txt")
    assert found == [f"{sftp_root}/a/1.txt", f"{sftp_root}/a/b/2.txt"]
    assert list(smart_scan(sftp_root)) == [
        f"{sftp_root}/a/1.txt",
        f"{sftp_root}/a/b/2.txt",
        f"{sftp_root}/c.log",
    ]
    assert [str(p) for p in SmartPath(sftp_root).glob("a/*")] == [
        f"{sftp_root}/a/1.txt",
        f"{sftp_root}/a/b",
    ]
    assert "//" in sftp_root.split("@", 1)[1]


def test_relative_form_is_relative_to_login_dir(sshd, remote_dir: str) -> None:  # type: ignore[no-untyped-def]
    # root's login directory is /root: a relative path lands there
    name = remote_dir.rsplit("/", 1)[1]
    relative = SmartPath(f"sftp://root@127.0.0.1:{sshd.port}/{name}/f.txt")
    try:
        relative.write_text("rel")
        with open(f"/root/{name}/f.txt") as handle:
            assert handle.read() == "rel"
        assert relative.parent.listdir() == ["f.txt"]
        assert str(relative.absolute()) == f"sftp://root@127.0.0.1:{sshd.port}//root/{name}/f.txt"
    finally:
        import shutil

        shutil.rmtree(f"/root/{name}", ignore_errors=True)
